#include "core/decoder.h"

#include "binary/executable.h"
#include "binary/go_names.h"
#include "binary/locate.h"
#include "binary/symbolizer.h"
#include "core/arch.h"
#include "core/core_file.h"
#include "core/goroutine_state.h"
#include "core/heap.h"
#include "core/memory.h"
#include "core/native_code.h"
#include "core/runtime_layout.h"
#include "core/unwind.h"
#include "core/values.h"
#include "gosyntax/parse.h"
#include "memory/heap_graph.h"
#include "memory/retainers.h"
#include "memory/types.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/LEB128.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace crashctl {

using namespace core;

namespace {

constexpr int kFuncdataOpenCodedDeferInfo = 4;

std::string hex(uint64_t v) {
  return llvm::formatv("{0:x}", v).str();
}

struct G : Record {
  uint64_t addr = 0;
};

struct M {
  uint64_t addr = 0, procid = 0, curg = 0;
  int64_t id = -1;
};

// The goroutines' stack walks, done ahead in chunks by other threads
// (opts.threads > 1; off by default: on this shared 2-core machine it was no
// faster than one thread, README "Cores") while the decoder reads the
// goroutines in order: unwinding needs no state the decoder shares (each
// thread has its own Memory window and UnwindCache), and the walk of one
// goroutine is the same whichever thread does it. The caller takes walk i
// for every i in increasing order; a chunk no thread has started yet is
// walked by the caller itself, and at most kWindow chunks run ahead of it.
class StackWalks {
public:
  using Walk = std::function<std::optional<UnwindResult>(uint64_t gp, Memory &, UnwindCache &)>;
  // THREADS: opts.threads; 0 or 1, the caller's alone.
  StackWalks(const std::vector<uint64_t> &gptrs, unsigned threads, const Memory &mem, Walk walk)
      : gptrs_(gptrs),
        walk_(std::move(walk)),
        threads_(std::min<size_t>(threads, 16)),
        // Chunks of kChunk, smaller for a small dump (as tests give).
        chunk_(std::clamp<size_t>(gptrs.size() / (4 * std::max<size_t>(threads_, 1)), 1, kChunk)),
        chunks_((gptrs.size() + chunk_ - 1) / chunk_) {
    if (threads_ <= 1) return;
    results_.resize(gptrs.size());
    done_.assign(chunks_, 0);
    for (size_t t = 1; t < threads_; ++t)
      pool_.emplace_back([this, mem] {
        Memory own = mem;
        UnwindCache cache;
        for (;;) {
          size_t c;
          {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait(lock, [&] { return next_ >= chunks_ || next_ < consumed_ + kWindow; });
            if (next_ >= chunks_) return;
            c = next_++;
          }
          run_chunk(c, own, cache);
          {
            std::lock_guard<std::mutex> lock(mu_);
            done_[c] = 1;
          }
          cv_.notify_all();
        }
      });
  }
  ~StackWalks() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      next_ = chunks_;
    }
    cv_.notify_all();
    for (std::thread &t : pool_) t.join();
  }
  // The walk of goroutine I (none when its record is unreadable or dead, or
  // it has no context to start from, or no other thread runs); MEM and
  // CACHE are the caller's.
  std::optional<UnwindResult> take(size_t i, Memory &mem, UnwindCache &cache) {
    if (pool_.empty()) return std::nullopt;  // one thread: the caller walks as it goes
    size_t c = i / chunk_;
    if (i % chunk_ == 0) {
      std::unique_lock<std::mutex> lock(mu_);
      consumed_ = c;
      if (next_ <= c) {  // no thread has it: walk it here
        next_ = c + 1;
        lock.unlock();
        cv_.notify_all();
        run_chunk(c, mem, cache);
        lock.lock();
        done_[c] = 1;
      } else {
        cv_.notify_all();
        cv_.wait(lock, [&] { return done_[c] != 0; });
      }
    }
    return std::move(results_[i]);
  }

private:
  static constexpr size_t kChunk = 256, kWindow = 16;
  void run_chunk(size_t c, Memory &mem, UnwindCache &cache) {
    for (size_t i = c * chunk_; i < std::min(gptrs_.size(), (c + 1) * chunk_); ++i)
      if (gptrs_[i]) results_[i] = walk_(gptrs_[i], mem, cache);
  }
  const std::vector<uint64_t> &gptrs_;
  Walk walk_;
  const size_t threads_, chunk_, chunks_;
  std::vector<std::optional<UnwindResult>> results_;
  std::vector<char> done_;  // per chunk, under mu_
  std::mutex mu_;
  std::condition_variable cv_;
  size_t next_ = 0, consumed_ = 0;  // the next chunk to start; the chunk the caller reads
  std::vector<std::thread> pool_;
};

class CoreDecoder {
public:
  CoreDecoder(const CoreFile &core, const binary::Executable &exe, uint64_t bias, Input &out, Report &report,
              const DecodeOptions &opts, HeapCapture *capture)
      : opts_(opts),
        capture_(capture),
        core_(core),
        exe_(exe),
        arch_(*arch_of(core.machine())),
        mem_(core, &exe, bias),
        bias_(bias),
        out_(out),
        r_(report),
        p_(report.process),
        sym_(exe, bias),
        native_(core, exe, bias, opts.sysroot),
        native_lookup_(native_.lookup()) {
    sym_.set_native(native_lookup_);
    if (!opts.sysroot.empty()) sym_.set_library_debug_dirs({opts.sysroot + "/usr/lib/debug"});
  }

  void run();

private:
  void diag(Severity s, uint64_t offset, std::string msg) { out_.add_diagnostic({s, offset, std::move(msg)}); }
  bool read_g(uint64_t addr, G &g);
  // A g's status; none when it is dead (not listed).
  std::optional<GoroutineStatus> live_status(const G &g) const;
  // Where a goroutine's own stack walk starts: its syscall or scheduling context.
  UnwindStart stack_start(const G &g, GoroutineStatus status) const;
  // The walk from a g's record read through MEM (StackWalks).
  std::optional<UnwindResult> walk_goroutine(uint64_t gp, Memory &mem, UnwindCache &cache) const;
  std::vector<M> read_ms();
  std::string wait_reason(uint8_t idx);
  // PHYS_TO_LOGICAL, when given, is pointed at each physical frame's index in the
  // stack's logical frames (valid as long as the decoder).
  StackRef make_stack(const std::vector<PhysicalFrame> &frames, const std::vector<int64_t> **phys_to_logical);
  void read_defers(const G &g, Goroutine &out, const std::vector<PhysicalFrame> &frames,
                   const std::vector<int64_t> &phys_to_logical);
  void open_coded_defers(const PhysicalFrame &pf, int64_t logical, std::vector<Defer> &out);
  const binary::Func *deferred_func(uint64_t funcval);
  std::string describe_deferred(uint64_t funcval, Defer &d);
  std::string describe_deferred(uint64_t funcval, const binary::Func *fn, Defer &d);
  std::vector<PanicRecord> read_panics(const G &g, int64_t goid);
  void read_labels(const G &g, Goroutine &out);
  void read_ancestors(const G &g, Goroutine &out);
  StackRef ancestor_stack(const std::vector<uint64_t> &pcs);
  void fill_wait_minutes(std::vector<Goroutine> &gs);
  void classify_fatal_from_frames(const std::vector<PhysicalFrame> &frames);
  std::optional<std::string> throw_message(const PhysicalFrame &pf);
  int go_minor() const;
  bool wants_memory() const;
  void read_memory();

  const DecodeOptions &opts_;
  HeapCapture *capture_;
  std::vector<GoroutineFrames> heap_stacks_;  // kept when the heap is read: its stack roots
  const CoreFile &core_;
  const binary::Executable &exe_;
  const Arch &arch_;
  Memory mem_;
  uint64_t bias_;
  Input &out_;
  Report &r_;
  Process &p_;
  RuntimeLayout l_;
  binary::GoSymbolizer sym_;
  NativeCode native_;  // C code: the executable's, or a shared library's
  binary::NativeLookup native_lookup_;
  struct CachedStack {
    StackRef stack;
    std::vector<int64_t> phys_to_logical;
  };
  struct PcsHash {
    size_t operator()(const std::vector<uint64_t> &pcs) const {
      uint64_t h = 0x9e3779b97f4a7c15ULL ^ pcs.size();
      for (uint64_t pc : pcs) h = (h ^ pc) * 0x100000001b3ULL;
      return size_t(h ^ (h >> 29));
    }
  };
  std::unordered_map<std::vector<uint64_t>, CachedStack, PcsHash> stacks_;
  std::vector<uint64_t> stack_key_;  // make_stack's key, kept for its capacity
  std::map<std::vector<uint64_t>, StackRef> ancestor_stacks_;
  std::map<uint64_t, std::string> labels_;  // g.labels -> as printed: goroutines share label sets
  std::vector<std::string> wait_reasons_;
  int minor_ = 0;  // go_minor(), once the Go version is known (before the goroutines are read)
  std::array<std::optional<InternedString>, 256> wait_reasons_interned_;
  struct DeferredFunction {
    Defer described;      // function, file, line, calls_recover, indirect_recover
    std::string closure;  // the closure's own name, as printed
  };
  std::unordered_map<const binary::Func *, DeferredFunction> deferred_;
  UnwindCache unwind_cache_;
  std::unordered_map<uint64_t, const binary::Func *> func_at_code_;  // deferred_func's lookups
};

int CoreDecoder::go_minor() const {
  return p_.go_version.minor();
}

bool CoreDecoder::read_g(uint64_t addr, G &g) {
  g.addr = addr;
  g.raw.assign(l_.g_size, 0);
  return mem_.read(addr, g.raw.data(), g.raw.size());
}

std::optional<GoroutineStatus> CoreDecoder::live_status(const G &g) const {
  uint32_t status = g.u32(l_.g_status) & ~l_.gscan;
  auto sn = l_.status_names.find(status);
  std::string sname = sn == l_.status_names.end() ? "status " + std::to_string(status) : sn->second;
  if (sname == "dead") return std::nullopt;
  return status_from_name(sname).value_or(GoroutineStatus::Unknown);
}

UnwindStart CoreDecoder::stack_start(const G &g, GoroutineStatus status) const {
  if (status == GoroutineStatus::Syscall && g.u64(l_.g_syscallsp))
    return {g.u64(l_.g_syscallpc), g.u64(l_.g_syscallsp), 0, false, nullptr};
  return {g.u64(l_.g_sched_pc), g.u64(l_.g_sched_sp), g.u64(l_.g_sched_lr), false, nullptr};
}

std::optional<UnwindResult> CoreDecoder::walk_goroutine(uint64_t gp, Memory &mem, UnwindCache &cache) const {
  G g;
  g.addr = gp;
  g.raw.assign(l_.g_size, 0);
  if (!mem.read(gp, g.raw.data(), g.raw.size())) return std::nullopt;
  std::optional<GoroutineStatus> status = live_status(g);
  if (!status) return std::nullopt;
  UnwindStart start = stack_start(g, *status);
  if (!start.pc || !start.sp) return std::nullopt;
  return unwind(mem, exe_, arch_, start, 4096, &native_lookup_, &cache);
}

std::vector<M> CoreDecoder::read_ms() {
  std::vector<M> ms;
  auto allm = exe_.global_address("runtime.allm");
  if (!allm) return ms;
  auto mp = mem_.u64(*allm + bias_);
  std::set<uint64_t> seen;
  while (mp && *mp && seen.insert(*mp).second && ms.size() < 100000) {
    M m;
    m.addr = *mp;
    auto field = [&](const Off &o) -> uint64_t {
      if (!o.ok) return 0;
      return mem_.u64(m.addr + o.at).value_or(0);
    };
    m.procid = field(l_.m_procid);
    m.curg = field(l_.m_curg);
    m.id = l_.m_id.ok ? int64_t(mem_.u64(m.addr + l_.m_id.at).value_or(0)) : -1;
    ms.push_back(m);
    mp = l_.m_alllink.ok ? mem_.u64(m.addr + l_.m_alllink.at) : std::nullopt;
  }
  return ms;
}

std::string CoreDecoder::wait_reason(uint8_t idx) {
  if (wait_reasons_.empty()) {
    auto addr = exe_.global_address("runtime.waitReasonStrings");
    // A [N]string array: N from the symbol's size.
    size_t n = 0;
    if (auto sym = exe_.symbol("runtime.waitReasonStrings"); sym && sym->second >= 16)
      n = sym->second / 16;
    else if (addr)
      n = 64;
    for (size_t i = 0; addr && i < n; ++i) {
      auto s = mem_.go_string(*addr + bias_ + 16 * i, 256);
      if (!s) break;
      wait_reasons_.push_back(*s);
    }
    if (wait_reasons_.empty()) wait_reasons_.push_back("");
  }
  return idx < wait_reasons_.size() ? wait_reasons_[idx] : "waitReason(" + std::to_string(idx) + ")";
}

StackRef CoreDecoder::make_stack(const std::vector<PhysicalFrame> &frames,
                                 const std::vector<int64_t> **phys_to_logical) {
  std::vector<uint64_t> &key = stack_key_;
  key.clear();
  for (const PhysicalFrame &pf : frames) key.push_back(pf.pc << 1 | (pf.trap ? 1 : 0));
  // Goroutines parked at the same pcs share one Stack.
  auto found = stacks_.find(key);
  if (found != stacks_.end()) {
    if (phys_to_logical) *phys_to_logical = &found->second.phys_to_logical;
    return found->second.stack;
  }
  auto stack = make_ref<Stack>();
  std::vector<int64_t> p2l;
  for (const PhysicalFrame &pf : frames) {
    sym_.append(*stack, pf.pc, pf.trap);
    p2l.push_back(int64_t(stack->frames.size()) - 1);
  }
  binary::GoSymbolizer::join_args(*stack);
  StackRef ref = stack;
  auto added = stacks_.emplace(key, CachedStack{ref, std::move(p2l)}).first;
  if (phys_to_logical) *phys_to_logical = &added->second.phys_to_logical;
  return ref;
}

// The function a funcval's code pointer is in; nullptr when unreadable.
const binary::Func *CoreDecoder::deferred_func(uint64_t funcval) {
  auto code = funcval ? mem_.u64(funcval) : std::nullopt;
  if (!code) return nullptr;
  // Closure slots hold a few distinct code pointers across goroutines (and
  // unused slots anything: the cache stops growing at kMaxCached).
  constexpr size_t kMaxCached = 4096;
  if (auto it = func_at_code_.find(*code); it != func_at_code_.end()) return it->second;
  const binary::Func *fn = exe_.func_at(*code - bias_);
  if (func_at_code_.size() < kMaxCached) func_at_code_.emplace(*code, fn);
  return fn;
}

// The function a funcval points to, unwrapped from the compiler's defer
// wrappers, and whether it calls recover itself.
std::string CoreDecoder::describe_deferred(uint64_t funcval, Defer &d) {
  return describe_deferred(funcval, deferred_func(funcval), d);
}
std::string CoreDecoder::describe_deferred(uint64_t funcval, const binary::Func *fn, Defer &d) {
  if (!fn) {
    d.function = funcval ? "funcval " + hex(funcval) + " (unreadable)" : "(nil)";
    return "";
  }
  // Goroutines deferring the same function: it is read from the code once.
  auto it = deferred_.find(fn);
  if (it == deferred_.end()) {
    Defer x;
    binary::describe_defer(exe_, *fn, x);
    it = deferred_.emplace(fn, DeferredFunction{std::move(x), binary::print_name(fn->name)}).first;
  }
  const Defer &x = it->second.described;
  d.function = x.function;
  d.file = x.file;
  d.line = x.line;
  d.calls_recover = x.calls_recover;
  d.indirect_recover = x.indirect_recover;
  return it->second.closure;
}

void CoreDecoder::open_coded_defers(const PhysicalFrame &pf, int64_t logical, std::vector<Defer> &out) {
  if (!pf.fn || pf.fn->funcdata.size() <= kFuncdataOpenCodedDeferInfo) return;
  uint64_t info = pf.fn->funcdata[kFuncdataOpenCodedDeferInfo];
  if (!info) return;
  auto uvarint = [&](uint64_t &at) -> std::optional<uint64_t> {
    uint8_t buf[10];  // the longest uvarint of 64 bits
    size_t got = 0;
    while (got < sizeof buf && exe_.read(at + got, &buf[got], 1))
      if (!(buf[got++] & 0x80)) break;
    unsigned n = 0;
    const char *error = nullptr;  // truncated or past 64 bits
    uint64_t v = llvm::decodeULEB128(buf, &n, buf + got, &error);
    if (error) return std::nullopt;
    at += n;
    return v;
  };
  uint64_t at = info;
  auto bits_off = uvarint(at);
  if (!bits_off) return;
  uint64_t varp = arch_.varp(pf.sp, pf.fp);
  auto bits = mem_.u8(varp - *bits_off);
  if (!bits) {
    diag(Severity::Warning, 0,
         "open-coded defers of " + pf.fn->name + ": deferBits at " + hex(varp - *bits_off) + " unreadable");
    return;
  }
  // Defer index and closure slot address, from the highest index down (the order they run in).
  std::array<std::pair<int, uint64_t>, 8> slot_buf;
  size_t n_slots = 0;
  const int minor = minor_;
  if (minor >= 22 || minor == 0) {
    // Go 1.22+: uvarint(deferBitsOffset), uvarint(slotsOffset); slot i at varp-slotsOffset+8i.
    auto slots_off = uvarint(at);
    if (!slots_off) return;
    for (int i = 7; i >= 0; --i) slot_buf[n_slots++] = {i, varp - *slots_off + 8 * uint64_t(i)};
  } else {
    // Go <= 1.21: uvarint(deferBitsOffset), uvarint(nDefers), then per defer
    // (last first) uvarint(closureOffset) [, uvarint(nArgs)... in older releases].
    auto n = uvarint(at);
    if (!n || *n > 8) return;
    for (int i = int(*n) - 1; i >= 0; --i) {
      auto off = uvarint(at);
      if (!off) return;
      slot_buf[n_slots++] = {i, varp - *off};
    }
  }
  llvm::ArrayRef<std::pair<int, uint64_t>> slots(slot_buf.data(), n_slots);
  for (const auto &[i, slot] : slots) {
    bool pending = (*bits >> i) & 1;
    auto closure = mem_.u64(slot);
    if (!closure || !*closure) continue;
    const binary::Func *fn = deferred_func(*closure);
    if (!pending && !(minor && minor <= 21)) {
      // The slots are zeroed on entry and never cleared (cmd/compile
      // ssagen openDeferSave: needzero), so a set slot with its bit clear
      // is a defer that has run or is running. Past the last defer the
      // slots are other variables: accept only closures of this function.
      if (!fn) continue;
      std::string owner = binary::print_name(pf.fn->name) + ".";
      if (!llvm::StringRef(binary::print_name(fn->name)).starts_with(owner)) continue;
    }
    Defer d;
    d.kind = DeferKind::OpenCoded;
    d.frame_index = logical;
    d.sp = pf.sp;
    d.pc = pf.pc;
    describe_deferred(*closure, fn, d);
    d.ran = !pending;
    out.push_back(std::move(d));
  }
}

void CoreDecoder::read_defers(const G &g, Goroutine &out, const std::vector<PhysicalFrame> &frames,
                              const std::vector<int64_t> &phys_to_logical) {
  std::vector<Defer> linked, open;
  uint64_t d = g.u64(l_.g_defer);
  std::set<uint64_t> seen;
  while (d && seen.insert(d).second && linked.size() < 10000) {
    Record rec_raw{std::vector<char>(l_.defer_size ? l_.defer_size : 64)};
    if (!mem_.read(d, rec_raw.raw.data(), rec_raw.raw.size())) {
      out.mutable_details().unreadable += "defer record at " + hex(d) + " unreadable; ";
      break;
    }
    auto u64 = [&](const Off &o) { return rec_raw.u64(o); };
    auto flag = [&](const Off &o) { return rec_raw.flag(o); };
    Defer rec;
    rec.sp = u64(l_.d_sp);
    rec.pc = u64(l_.d_pc);
    rec.kind = flag(l_.d_rangefunc) ? DeferKind::RangeFunc : flag(l_.d_heap) ? DeferKind::Heap : DeferKind::Stack;
    bool open_record = flag(l_.d_open);  // Go <= 1.21: a frame of open-coded defers, found below
    if (rec.kind == DeferKind::RangeFunc && l_.d_head.ok) {
      // A range-over-func loop's defers hang off an atomic list head
      // (runtime.deferrangefunc); the record itself defers nothing.
      auto head = mem_.u64(u64(l_.d_head));
      uint64_t e = head.value_or(0);
      std::set<uint64_t> seen_rf;
      while (e > 4096 && seen_rf.insert(e).second && seen_rf.size() < 10000) {
        Defer inner;
        inner.kind = DeferKind::RangeFunc;
        inner.sp = rec.sp;
        if (l_.d_pc.ok) inner.pc = mem_.u64(e + l_.d_pc.at).value_or(0);
        describe_deferred(l_.d_fn.ok ? mem_.u64(e + l_.d_fn.at).value_or(0) : 0, inner);
        for (size_t i = 0; i < frames.size(); ++i)
          if (frames[i].sp == rec.sp) inner.frame_index = phys_to_logical[i];
        linked.push_back(std::move(inner));
        e = l_.d_link.ok ? mem_.u64(e + l_.d_link.at).value_or(0) : 0;
      }
      d = u64(l_.d_link);
      continue;
    }
    if (!open_record) {
      describe_deferred(u64(l_.d_fn), rec);
      for (size_t i = 0; i < frames.size(); ++i)
        if (frames[i].sp == rec.sp) rec.frame_index = phys_to_logical[i];
      rec.ran = flag(l_.d_started);
      linked.push_back(std::move(rec));
    }
    d = u64(l_.d_link);
  }
  for (size_t i = 0; i < frames.size(); ++i) open_coded_defers(frames[i], phys_to_logical[i], open);
  // Run order: innermost frame first; within a frame, the open-coded ones
  // from the highest bit and the linked ones from the head of the chain.
  std::vector<Defer> all = std::move(open);
  for (auto &x : linked) all.push_back(std::move(x));
  if (all.size() > 1)
    std::stable_sort(all.begin(), all.end(), [](const Defer &a, const Defer &b) {
      uint64_t as = a.sp ? a.sp : UINT64_MAX, bs = b.sp ? b.sp : UINT64_MAX;
      return as < bs;
    });
  // A deferred call that ran but has not returned is still on the stack.
  if (out.stack)
    for (Defer &x : all)
      if (x.ran && x.frame_index > 0)
        for (int64_t i = 0; i < x.frame_index && size_t(i) < out.stack->frames.size(); ++i)
          if (out.stack->frames[size_t(i)].function == x.function) x.running = true;
  if (!all.empty()) out.mutable_details().defers = std::move(all);
}

std::vector<PanicRecord> CoreDecoder::read_panics(const G &g, int64_t goid) {
  std::vector<PanicRecord> chain;  // newest first while walking
  uint64_t p = g.u64(l_.g_panic);
  std::set<uint64_t> seen;
  ValueReader values(mem_, exe_, l_);
  while (p && seen.insert(p).second && chain.size() < 1000) {
    Record rec_raw{std::vector<char>(l_.panic_size ? l_.panic_size : 64)};
    PanicRecord pr;
    pr.goroutine = goid;
    if (!mem_.read(p, rec_raw.raw.data(), rec_raw.raw.size())) {
      pr.message = "(panic record at " + hex(p) + " unreadable)";
      pr.value_note = "the core does not hold the panic record";
      chain.push_back(pr);
      break;
    }
    auto u64 = [&](const Off &o) { return rec_raw.u64(o); };
    auto flag = [&](const Off &o) { return rec_raw.flag(o); };
    pr.recovered = flag(l_.p_recovered);
    pr.repanicked = flag(l_.p_repanicked);
    pr.goexit = flag(l_.p_goexit);
    if (l_.p_arg.ok) {
      PanicValue v = values.eface(u64(l_.p_arg), u64({l_.p_arg.at + 8, true}));
      pr.value_type = v.type;
      pr.value = v.value;
      pr.message = v.printed;
      pr.value_note = v.note;
    }
    chain.push_back(std::move(pr));
    p = u64(l_.p_link);
  }
  std::reverse(chain.begin(), chain.end());
  // A value recovered and panicked again is one entry, as printpanics shows
  // it: the older record carries "repanicked", the newer one is its copy.
  for (size_t i = 0; i + 1 < chain.size(); ++i)
    if (chain[i].repanicked && chain[i + 1].message == chain[i].message) chain.erase(chain.begin() + long(i) + 1);
  return chain;
}

// pprof labels: g.labels points to a runtime/pprof.labelMap (goroutine_state.h).
void CoreDecoder::read_labels(const G &g, Goroutine &out) {
  uint64_t at = g.u64(l_.g_labels);
  if (!at) return;
  auto cached = labels_.find(at);
  if (cached == labels_.end()) {
    std::string problem;
    auto labels = read_pprof_labels(mem_, exe_, at, problem);
    if (!labels) {
      out.mutable_details().unreadable += "pprof labels at " + hex(at) + ": " + problem + "; ";
      return;
    }
    cached = labels_.emplace(at, format_labels(*labels, go_minor())).first;
  }
  if (!cached->second.empty()) out.mutable_details().labels = cached->second;
}

// GODEBUG=tracebackancestors=N: *g.ancestors is a []ancestorInfo{pcs, goid,
// gopc}, the creating goroutine first, as printAncestorTraceback prints it.
void CoreDecoder::read_ancestors(const G &g, Goroutine &out) {
  uint64_t at = g.u64(l_.g_ancestors);
  if (!at) return;
  if (!l_.ancestor_size || !l_.a_pcs.ok || !l_.a_goid.ok) {
    out.mutable_details().unreadable += "ancestors: the executable's DWARF does not describe runtime.ancestorInfo; ";
    return;
  }
  auto ptr = mem_.u64(at), len = mem_.u64(at + 8);
  if (!ptr || !len || *len > 10000) {
    out.mutable_details().unreadable += "ancestors at " + hex(at) + " unreadable; ";
    return;
  }
  std::vector<Ancestor> ancestors;
  for (uint64_t i = 0; i < *len; ++i) {
    uint64_t rec = *ptr + i * l_.ancestor_size;
    auto pcs_ptr = mem_.u64(rec + l_.a_pcs.at), pcs_len = mem_.u64(rec + l_.a_pcs.at + 8);
    auto goid = mem_.u64(rec + l_.a_goid.at);
    std::vector<uint64_t> pcs(pcs_len && *pcs_len <= 1000 ? size_t(*pcs_len) : 0);
    if (!pcs_ptr || !pcs_len || !goid || *pcs_len > 1000 ||
        (!pcs.empty() && !mem_.read(*pcs_ptr, pcs.data(), 8 * pcs.size()))) {
      out.mutable_details().unreadable += "ancestor " + std::to_string(i) + " at " + hex(rec) + " unreadable; ";
      break;
    }
    for (uint64_t &pc : pcs) pc = llvm::support::endian::read64le(&pc);
    Ancestor a;
    a.goid = int64_t(*goid);
    a.stack = ancestor_stack(pcs);
    // No creator for goroutine 1, as the runtime prints it.
    if (a.goid != 1 && l_.a_gopc.ok) a.created_by = sym_.creator(mem_.u64(rec + l_.a_gopc.at).value_or(0));
    ancestors.push_back(std::move(a));
  }
  if (!ancestors.empty()) out.mutable_details().ancestors = std::move(ancestors);
}

// An ancestor's frames as printAncestorTracebackFuncInfo prints them: the
// saved pcs are "return pcs" (tracebackPCs stores each logical frame's pc
// plus one), looked up as they are, without backing up to the call: one
// frame per pc, the innermost function inlined at it, args "(...)", " +0x"
// from the physical function's entry.
StackRef CoreDecoder::ancestor_stack(const std::vector<uint64_t> &pcs) {
  auto found = ancestor_stacks_.find(pcs);
  if (found != ancestor_stacks_.end()) return found->second;
  auto stack = make_ref<Stack>();
  for (uint64_t pc : pcs) {
    uint64_t link = pc - bias_;
    const binary::Func *fn = exe_.func_at(link);
    if (!fn) continue;  // the runtime prints only pcs of Go functions
    auto sym = exe_.symbolize(link);
    Frame f;
    f.function = binary::print_name(sym.size() > 1 ? std::string_view(sym.front().function) : fn->name);
    f.package = package_of(f.function);
    if (!sym.empty()) {
      f.file = sym.front().file;
      f.line = sym.front().line;
    }
    if (link > fn->entry) f.pc_offset = link - fn->entry;
    f.pc = pc;
    f.args = "...";
    stack->frames.push_back(std::move(f));
  }
  // tracebackInnerFrames pcs: the runtime says "...additional frames elided...".
  int64_t inner = exe_.constant("runtime.tracebackInnerFrames").value_or(50);
  if (inner > 0 && pcs.size() == size_t(inner)) {
    stack->elided_at = stack->frames.size();
    stack->elided_count = -1;
  }
  binary::GoSymbolizer::join_args(*stack);
  StackRef ref = stack;
  ancestor_stacks_.emplace(pcs, ref);
  return ref;
}

// ", N minutes" as goroutineheader computes it, (nanotime() - g.waitsince) /
// 1 min, for waiting and syscall goroutines, with nanotime estimated from
// below (goroutine_state.h). A goroutine whose wait is within
// kWaitMinutesMargin below a whole minute keeps -1: the true count may be
// one more (formats/core.md).
void CoreDecoder::fill_wait_minutes(std::vector<Goroutine> &gs) {
  constexpr int64_t kMinute = 60'000'000'000, kWaitMinutesMargin = 1'000'000'000;
  int64_t newest = 0;
  for (const Goroutine &g : gs) newest = std::max(newest, g.details().wait_since_ns);
  NanotimeEstimate now = estimate_nanotime(mem_, exe_, bias_, newest);
  if (!now.ns) return;
  for (Goroutine &g : gs) {
    int64_t since = g.details().wait_since_ns;
    if (since <= 0 || (g.status != GoroutineStatus::Waiting && g.status != GoroutineStatus::Syscall)) continue;
    int64_t waited = now.ns - since;
    if (waited < kMinute || waited % kMinute > kMinute - kWaitMinutesMargin) continue;
    g.wait_minutes = waited / kMinute;
  }
}

// The message of runtime.throw/fatal: the closure that prints it keeps the
// string on the frame (print("fatal error: ", s) runs on the system stack).
std::optional<std::string> CoreDecoder::throw_message(const PhysicalFrame &pf) {
  for (uint64_t at = pf.sp; at + 16 <= pf.fp; at += 8) {
    auto ptr = mem_.u64(at), len = mem_.u64(at + 8);
    if (!ptr || !len || *len == 0 || *len > 200) continue;
    // Messages are constants in the executable's read-only data.
    char buf[200];
    if (!exe_.read(*ptr - bias_, buf, *len)) continue;
    bool text = true;
    for (uint64_t i = 0; i < *len && text; ++i) text = buf[i] >= 0x20 && buf[i] < 0x7f;
    if (text) return std::string(buf, *len);
  }
  return std::nullopt;
}

void CoreDecoder::classify_fatal_from_frames(const std::vector<PhysicalFrame> &frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    const binary::Func *f = frames[i].fn;
    if (!f) continue;
    if (f->name == "runtime.fatalpanic") return;  // a panic: the panic chain says it
    bool thrower = f->name == "runtime.throw" || f->name == "runtime.fatal" || f->name == "sync.fatal" ||
                   f->name == "internal/runtime/maps.fatal" || f->name == "sync.throw" ||
                   f->name == "runtime.sync_fatal" || f->name == "runtime.sync_throw";
    if (!thrower) continue;
    FatalError fe;
    auto msg = throw_message(frames[i]);
    std::string caller;
    for (size_t j = i + 1; j < frames.size(); ++j)
      if (frames[j].fn && frames[j].fn->name != "runtime.throw" && frames[j].fn->name != "runtime.fatal") {
        caller = frames[j].fn->name;
        break;
      }
    if (msg) {
      fe.message = *msg;
    } else if (caller.find("map") != std::string::npos) {
      fe.message = caller.find("access") != std::string::npos ? "concurrent map read and map write"
                   : caller.find("iter") != std::string::npos ? "concurrent map iteration and map write"
                                                              : "concurrent map writes";
    } else if (caller == "runtime.checkdead") {
      fe.message = "all goroutines are asleep - deadlock!";
    } else if (caller == "runtime.newstack") {
      fe.message = "stack overflow";
    } else if (caller.find("unlock") != std::string::npos || caller.find("Unlock") != std::string::npos) {
      fe.message = "sync: unlock of unlocked mutex";
    } else {
      fe.message = "runtime error in " + caller;
    }
    p_.notes.push_back("fatal error read from the core: " + f->name + " called from " + caller +
                       (msg ? ", message from its frame" : ", message inferred from the caller"));
    p_.fatal = fe;
    return;
  }
}

void CoreDecoder::run() {
  l_ = RuntimeLayout::read(exe_);
  for (const std::string &prob : l_.problems) diag(Severity::Warning, 0, exe_.path() + ": " + prob);
  if (!l_.g_goid.ok || !l_.g_sched_sp.ok) {
    out_.failed = true;
    diag(Severity::Error, 0,
         exe_.path() +
             ": the executable's DWARF does not describe runtime.g; goroutines cannot be read "
             "(was it built with -ldflags=-w?)");
    return;
  }
  // Go version and build info.
  if (auto bv = exe_.global_address("runtime.buildVersion"))
    if (auto s = mem_.go_string(*bv + bias_, 64); s && !s->empty()) p_.go_version = {*s, "", "buildVersion"};
  if (auto bi = exe_.build_info()) {
    if (p_.go_version.version.empty() && !bi->go_version.empty()) p_.go_version = {bi->go_version, "", "buildinfo"};
    p_.build_info = std::move(*bi);
  }

  std::vector<M> ms = read_ms();
  std::unordered_map<uint64_t, const M *> m_by_addr;
  std::unordered_map<int64_t, const M *> m_by_tid;
  for (const M &m : ms) {
    m_by_addr[m.addr] = &m;
    m_by_tid[int64_t(m.procid)] = &m;
  }

  // The crashing thread: the kernel writes the thread that took the fatal
  // signal first; its cursig is set.
  const CoreThread *crash_thread = nullptr;
  for (const CoreThread &t : core_.threads())
    if (t.cursig) {
      crash_thread = &t;
      break;
    }

  // Goroutines.
  auto allgs = exe_.global_address("runtime.allgs");
  std::vector<uint64_t> gptrs;
  if (!allgs) {
    diag(Severity::Error, 0, exe_.path() + ": no runtime.allgs variable; goroutines cannot be listed");
  } else {
    auto ptr = mem_.u64(*allgs + bias_), len = mem_.u64(*allgs + bias_ + 8);
    if (!ptr || !len) {
      diag(Severity::Error, 0, core_.name() + ": runtime.allgs at " + hex(*allgs + bias_) + " is not in the core");
    } else {
      uint64_t n = std::min<uint64_t>(*len, 50'000'000);
      gptrs.resize(n);
      if (n && mem_.read(*ptr, gptrs.data(), n * 8)) {
        for (uint64_t &gp : gptrs) gp = llvm::support::endian::read64le(&gp);  // the core's byte order
      } else if (n) {
        gptrs.clear();
        for (uint64_t i = 0; i < n; ++i) {
          auto gp = mem_.u64(*ptr + 8 * i);
          if (!gp) {
            diag(Severity::Error, 0,
                 llvm::formatv("{0}: allgs[{1}..{2}] unreadable (truncated core?)", core_.name(), i, n).str());
            break;
          }
          gptrs.push_back(*gp);
        }
      }
    }
  }

  struct ThreadUnwind {
    const CoreThread *thread;
    const M *m;
    UnwindResult result;
  };
  std::unordered_map<uint64_t, ThreadUnwind> by_curg;  // g address -> its thread's unwind
  std::vector<ThreadUnwind> thread_unwinds;
  std::vector<PhysicalFrame> crash_thread_frames;
  int64_t crash_goid = -1;
  for (const CoreThread &t : core_.threads()) {
    Thread th;
    th.tid = t.tid;
    th.registers = t.registers;
    th.crashed = &t == crash_thread;
    if (th.crashed && core_.siginfo()) th.signal = signal_name(core_.siginfo()->signo);
    auto mit = m_by_tid.find(t.tid);
    const M *m = mit == m_by_tid.end() ? nullptr : mit->second;
    SavedContext sched;
    G curg;
    UnwindStart start{t.pc, t.sp, arch_.uses_lr ? t.lr : 0, true, nullptr};
    for (const auto &[name, value] : t.registers)
      for (size_t reg = 0; reg < arch_.dwarf_names.size(); ++reg)
        if (!arch_.dwarf_names[reg].empty() && arch_.dwarf_names[reg] == name) start.regs[reg] = value;
    if (m) {
      th.m = m->id;
      if (m->curg && read_g(m->curg, curg)) {
        th.goroutine = int64_t(curg.u64(l_.g_goid));
        sched = {curg.u64(l_.g_sched_pc), curg.u64(l_.g_sched_sp), curg.u64(l_.g_sched_lr)};
        start.curg_sched = &sched;
      }
    }
    UnwindResult ur = unwind(mem_, exe_, arch_, start, 4096, &native_lookup_, &unwind_cache_);
    if (th.crashed) {
      crash_thread_frames = ur.frames;
      crash_goid = th.goroutine;
    }
    if (m && m->curg) by_curg[m->curg] = {&t, m, std::move(ur)};
    p_.threads.push_back(std::move(th));
  }

  // The fatal error first: whether the heap is read depends on it.
  if (crash_thread) classify_fatal_from_frames(crash_thread_frames);
  const bool keep_stacks = wants_memory();
  minor_ = go_minor();

  std::vector<Goroutine> gs;
  gs.reserve(gptrs.size());
  std::unordered_map<int64_t, std::pair<uint64_t, uint64_t>> stack_bounds;  // goid -> g.stack.lo, hi
  G g;
  StackWalks walks(gptrs, opts_.threads, mem_,
                   [this](uint64_t at, Memory &mem, UnwindCache &cache) { return walk_goroutine(at, mem, cache); });
  for (size_t index = 0; index < gptrs.size(); ++index) {
    const uint64_t gp = gptrs[index];
    std::optional<UnwindResult> walked = walks.take(index, mem_, unwind_cache_);
    if (!gp) continue;
    if (!read_g(gp, g)) {
      Goroutine bad;
      bad.id = -1;
      bad.stack = make_ref<Stack>();
      bad.mutable_details().unreadable = "g at " + hex(gp) + " is not in the core";
      bad.mutable_extras().set_gp(gp);
      gs.push_back(std::move(bad));
      continue;
    }
    uint32_t raw_status = g.u32(l_.g_status);
    std::optional<GoroutineStatus> live = live_status(g);
    if (!live) continue;
    Goroutine out;
    out.id = int64_t(g.u64(l_.g_goid));
    out.scan = raw_status & l_.gscan;
    auto &ex = out.mutable_extras();
    auto &det = out.mutable_details();
    ex.set_gp(gp);
    det.raw_status = raw_status;
    det.wait_since_ns = int64_t(g.u64(l_.g_waitsince));
    uint64_t mptr = g.u64(l_.g_m);
    if (mptr) ex.set_mp(mptr);
    if (auto it = m_by_addr.find(mptr); it != m_by_addr.end()) ex.m = it->second->id;
    out.locked_to_thread = g.u64(l_.g_lockedm) != 0;
    out.parent_goid = l_.g_parent_goid.ok ? int64_t(g.u64(l_.g_parent_goid)) : -1;
    if (out.parent_goid == 0) out.parent_goid = -1;
    // The runtime prints no creator for goroutine 1 (started by rt0_go).
    if (out.id != 1) out.created_by = sym_.creator(g.u64(l_.g_gopc));
    if (uint64_t spc = g.u64(l_.g_startpc))
      if (const binary::Func *sf = exe_.func_at(spc - bias_)) {
        det.start_function = binary::print_name(sf->name);
        det.system = sf->name.rfind("runtime.", 0) == 0 && sf->name != "runtime.main" &&
                     sf->name != "runtime.corostart" && sf->name != "runtime.handleAsyncEvent";
      }
    out.status = *live;
    if (out.status == GoroutineStatus::Waiting || out.status == GoroutineStatus::Leaked) {
      uint8_t wr = g.u8(l_.g_waitreason);
      if (wr) {
        // Interned once per reason: most goroutines wait for a few.
        auto &interned = wait_reasons_interned_[wr];
        if (!interned) interned = InternedString(wait_reason(wr));
        out.wait_reason = *interned;
      }
    }

    // Where its stack starts.
    std::vector<PhysicalFrame> frames;
    std::string stopped;
    uint64_t lo = g.u64(l_.g_stack_lo), hi = g.u64(l_.g_stack_hi);
    // Kept for the goroutines that may turn out to be the crashing one.
    if (out.id == crash_goid || g.u64(l_.g_panic)) stack_bounds[out.id] = {lo, hi};
    auto on_stack = [&](uint64_t sp) { return sp >= lo && sp < hi; };
    if (auto it = by_curg.find(gp); it != by_curg.end() && out.status == GoroutineStatus::Running) {
      // Running: the thread's registers, keeping the frames on this goroutine's stack.
      for (const PhysicalFrame &pf : it->second.result.frames)
        if (on_stack(pf.sp)) frames.push_back(pf);
      stopped = it->second.result.stopped;
    }
    if (frames.empty()) {
      UnwindStart start = stack_start(g, out.status);
      if (start.pc && start.sp) {
        // Walked ahead (StackWalks) from the same record and start.
        UnwindResult ur =
            walked ? std::move(*walked) : unwind(mem_, exe_, arch_, start, 4096, &native_lookup_, &unwind_cache_);
        frames = std::move(ur.frames);
        stopped = ur.stopped;
      } else if (out.status == GoroutineStatus::Running) {
        out.stack_unavailable = true;
      }
    }
    if (!stopped.empty() && !frames.empty()) det.unreadable = "stack walk stopped: " + stopped;
    read_labels(g, out);
    read_ancestors(g, out);
    const std::vector<int64_t> *phys_to_logical = nullptr;
    out.stack = make_stack(frames, &phys_to_logical);
    read_defers(g, out, frames, *phys_to_logical);
    if (g.u64(l_.g_panic)) {
      for (PanicRecord &pr : read_panics(g, out.id)) p_.panics.push_back(std::move(pr));
    }
    if (uint32_t sig = g.u32(l_.g_sig); sig && out.id == crash_goid && !p_.signal) {
      SignalInfo si;
      si.number = sig;
      si.name = signal_name(int(sig));
      si.description = signal_description(int(sig));
      si.code = g.u64(l_.g_sigcode0);
      si.addr = g.u64(l_.g_sigcode1);
      si.pc = g.u64(l_.g_sigpc);
      p_.signal = si;
    }
    if (keep_stacks) heap_stacks_.push_back({out.id, lo, hi, frames});
    gs.push_back(std::move(out));
  }

  fill_wait_minutes(gs);
  // The crashing goroutine goes first, as the runtime prints it.
  if (crash_goid < 0) {
    for (const PanicRecord &pr : p_.panics)
      if (!pr.goexit && !pr.recovered) crash_goid = pr.goroutine;
  }
  std::stable_partition(gs.begin(), gs.end(), [&](const Goroutine &x) { return x.id == crash_goid; });
  for (Goroutine &x : gs) p_.goroutines.push_back(std::move(x));
  // The panic chain of the crashing goroutine last: the verdict reads the last one.
  std::stable_partition(p_.panics.begin(), p_.panics.end(),
                        [&](const PanicRecord &pr) { return pr.goroutine != crash_goid; });

  // Frames on the crashing thread's system stacks (g0, gsignal).
  if (crash_thread) {
    std::vector<PhysicalFrame> sys;
    // The frames below the goroutine's own stack: g0 or the signal stack.
    uint64_t lo = 0, hi = 0;
    if (auto it = stack_bounds.find(crash_goid); it != stack_bounds.end()) std::tie(lo, hi) = it->second;
    for (const PhysicalFrame &pf : crash_thread_frames) {
      if (pf.sp >= lo && pf.sp < hi) break;
      sys.push_back(pf);
    }
    if (!sys.empty()) {
      p_.runtime_stack_frames = make_stack(sys, nullptr);
    }
    if (p_.fatal && !p_.runtime_stack_frames) p_.runtime_stack = true;
    if (p_.fatal) p_.runtime_stack = true;
  }
  // The signal that made the runtime crash: GOTRACEBACK=crash re-raises
  // SIGABRT from the handler of the first signal, so the crashing thread
  // shows nested signal frames; the outermost one that is not that abort
  // is the cause. Each sigtramp frame's rt_sigframe holds the siginfo and
  // the interrupted context (core/arch.h).
  if (crash_thread && !p_.signal) {
    for (size_t i = crash_thread_frames.size(); i-- > 0;) {
      const PhysicalFrame &pf = crash_thread_frames[i];
      if (!pf.fn || (pf.fn->name != "runtime.sigtramp" && pf.fn->name != "runtime.cgoSigtramp")) continue;
      uint64_t info = pf.fp + arch_.sig_siginfo;
      auto signo = mem_.u32(info + siginfo::kSigno), code = mem_.u32(info + siginfo::kCode);
      auto addr = mem_.u64(info + siginfo::kAddr), rip = mem_.u64(pf.fp + arch_.sig_pc);
      if (!signo || !rip) continue;
      const binary::Func *at = exe_.func_at(*rip - bias_);
      if (*signo == 6 && at && (at->name == "runtime.raise" || at->name == "runtime.raiseproc")) break;
      SignalInfo si;
      si.number = int64_t(*signo);
      si.name = signal_name(int(*signo));
      si.description = signal_description(int(*signo));
      si.code = code.value_or(0);
      si.addr = addr.value_or(0);
      si.pc = *rip;
      si.from_header = true;
      si.during_cgo = !at;
      p_.signal = si;
      break;
    }
  }
  // Signals that are not the runtime's own abort: a fault in C code, or a
  // signal from outside. The runtime aborts by sending SIGABRT to itself
  // (tgkill, si_code SI_TKILL, si_pid its own): that names no cause, so with
  // no panic or fatal error read the cause is unknown, not an outside signal.
  if (crash_thread && core_.siginfo() && !p_.signal) {
    int signo = core_.siginfo()->signo;
    bool in_c = !crash_thread_frames.empty() && !crash_thread_frames.front().fn;
    bool from_self = core_.siginfo()->sent_by(core_.pid()) && !in_c;
    bool abort_after_print = signo == 6 && (from_self || !crash_thread_frames.empty());
    if (!abort_after_print || (p_.panics.empty() && !p_.fatal)) {
      SignalInfo si;
      si.number = signo;
      si.name = signal_name(signo);
      si.description = signal_description(signo);
      si.code = uint64_t(core_.siginfo()->code);
      if (core_.siginfo()->code > 0) si.addr = core_.siginfo()->addr;  // else the union holds the sender
      if (crash_thread) si.pc = crash_thread->pc;
      si.from_header = true;
      si.during_cgo = in_c;
      si.from_self = from_self && signo == 6;
      if (signo) p_.signal = si;
    }
  }
  // Shared libraries that held C frames but could not be read or matched.
  for (const std::string &problem : native_.problems())
    diag(Severity::Warning, 0, "C frames not unwound or named: " + problem);
  for (const std::string &lib : native_.unverified())
    p_.notes.push_back("C frames in " + lib + " come from this machine's copy, whose build id the core does not keep");
  bool live_panic = false;
  for (const PanicRecord &pr : p_.panics) live_panic |= !pr.goexit && !pr.recovered;
  r_.kind = (crash_thread || p_.fatal || live_panic) ? ReportKind::Crash : ReportKind::Snapshot;
  p_.goroutine_profile = r_.kind == ReportKind::Snapshot;
  if (keep_stacks) {
    read_memory();
  } else if (opts_.memory != DecodeOptions::Memory::Off) {
    // A crash core: the heap's size in one line; --memory says what holds it.
    std::vector<Diagnostic> quiet;  // an unreadable heap is not this report's problem
    HeapWalkStats t = read_heap_totals(mem_, exe_, l_, quiet);
    if (t.in_use_spans)
      p_.notes.push_back(llvm::formatv("heap: {0} live in {1} objects ({2} in-use spans); --memory shows what holds it",
                                       byte_size(t.alloc_count_bytes), t.alloc_count_objects, t.in_use_spans)
                             .str());
  }
}

// --memory, or by default a core that died of running out of memory.
bool CoreDecoder::wants_memory() const {
  if (capture_ || opts_.memory == DecodeOptions::Memory::On) return true;
  if (opts_.memory == DecodeOptions::Memory::Off) return false;
  return p_.fatal && p_.fatal->message.find("out of memory") != std::string::npos;
}

void CoreDecoder::read_memory() {
  memory::HeapGraphBuilder builder;
  std::vector<Diagnostic> diags;
  HeapWalkStats stats = read_heap_graph(mem_, exe_, l_, heap_stacks_, builder, diags);
  std::vector<GoroutineFrames>().swap(heap_stacks_);
  for (Diagnostic &d : diags) out_.add_diagnostic(std::move(d));
  memory::HeapGraph g = builder.finish();
  // Types from typed roots and fields; counts (caps, dataqsiz, dirLen) and
  // interfaces' type words are read from the core. On a thread of their own
  // while the dominator tree is built (it reads no types).
  ValueReader values(mem_, exe_, l_);
  std::optional<uint64_t> types = values.types_base();
  memory::TypeSource src;
  src.program = &exe_;
  Memory types_mem = mem_;  // the other thread's own window
  src.word = [&types_mem](uint64_t a) { return types_mem.u64(a); };
  src.runtime_type = [this, types](uint64_t t) -> const binary::TypeInfo * {
    return types && t >= *types ? exe_.type_by_runtime_offset(t - *types) : nullptr;
  };
  auto rep = std::make_shared<MemoryReport>(memory::summarize(g, [&] {
    memory::PhaseTimer timer("types");
    memory::propagate_types(g, src);
    timer.lap("propagate");
  }));
  rep->source = "core";
  r_.memory = std::move(rep);
  if (capture_) {
    capture_->stats = stats;
    capture_->graph = std::make_unique<memory::HeapGraph>(std::move(g));
  }
}

// A truncated core (cut file, or a compressed stream that broke off): the
// verdict rests on partial memory, so its confidence is low; and when not
// even the crash itself (a panic, a fatal error, a signal) could be read, the
// input fails (exit 2) with the report it has.
void note_incomplete_core(const CoreFile &core, const std::string &path, Report &report, Input &out) {
  uint64_t missing = core.missing_bytes();
  if (!missing && core.stream_error().empty()) return;
  std::string gap = missing ? llvm::formatv(
                                  "the core is truncated: {0} bytes of memory its program headers list "
                                  "are not in the file",
                                  missing)
                                  .str()
                            : "the compressed core broke off, so the memory after that point is missing";
  if (uint64_t n = core.missed_reads()) gap += llvm::formatv("; {0} memory reads fell in the missing part", n).str();
  report.evidence_gaps.push_back(gap);
  const Process &p = report.process;
  bool live_panic = false;
  for (const PanicRecord &pr : p.panics) live_panic |= !pr.goexit && !pr.recovered;
  bool crash_read = live_panic || p.fatal || (p.signal && !p.signal->from_self);
  if (report.kind == ReportKind::Crash && !crash_read) {
    out.failed = true;
    out.add_diagnostic(
        {Severity::Error, out.size,
         path +
             ": the crash cannot be read from this incomplete core: no panic, fatal error or signal from "
             "outside is in the memory it holds (" +
             gap + ")"});
  }
}

}  // namespace

static void decode_core_file(const std::string &path, llvm::Expected<std::unique_ptr<CoreFile>> core, Input &out,
                             const DecodeOptions &opts, HeapCapture *capture = nullptr);

void decode_core(OpenedInput &in, Input &out, const DecodeOptions &opts) {
  decode_core_file(out.path, CoreFile::open(out.path, in), out, opts);
}

void decode_core_bytes(llvm::StringRef bytes, const std::string &name, Input &out, const DecodeOptions &opts) {
  decode_core_file(name, CoreFile::from_bytes(bytes, name), out, opts);
}

void decode_core_heap(llvm::StringRef bytes, const std::string &name, Input &out, const DecodeOptions &opts,
                      HeapCapture &capture) {
  decode_core_file(name, CoreFile::from_bytes(bytes, name), out, opts, &capture);
}

static void decode_core_file(const std::string &path, llvm::Expected<std::unique_ptr<CoreFile>> core, Input &out,
                             const DecodeOptions &opts, HeapCapture *capture) {
  if (!core) {
    out.failed = true;
    out.add_diagnostic({Severity::Error, 0, llvm::toString(core.takeError())});
    return;
  }
  // A core that shrank while read gave zeros: whatever was concluded from
  // them, the input fails and says why (at every return below).
  bool change_checked = false;
  auto check_changed = [&] {
    if (std::exchange(change_checked, true)) return;
    if (llvm::Error changed = (*core)->check_unchanged()) {
      out.failed = true;
      out.add_diagnostic(Severity::Error, 0, llvm::toString(std::move(changed)));
    }
  };
  auto check_at_return = llvm::make_scope_exit(check_changed);
  out.size = (*core)->bytes().size();
  // A cut compressed core: an error (the input is incomplete), yet read.
  if (!(*core)->stream_error().empty()) out.add_diagnostic({Severity::Error, out.size, (*core)->stream_error()});
  for (const auto &[off, msg] : (*core)->problems()) out.add_diagnostic({Severity::Warning, off, path + ": " + msg});

  // Which executable, checked against the core (binary/locate.h).
  auto located = binary::locate_executable(**core, path, opts);
  if (!located) {
    out.failed = true;
    out.add_diagnostic({Severity::Error, 0, llvm::toString(located.takeError())});
    return;
  }
  out.executable = located->origin;
  const binary::Executable &x = *located->exe;
  const std::string &exe_path = located->origin.path;
  uint64_t bias = located->bias;

  Report report;
  report.offset = 0;
  report.end_offset = out.size;
  report.process.executable = exe_path;
  CoreDecoder dec(**core, x, bias, out, report, opts, capture);
  dec.run();
  for (const std::string &problem : x.dwarf_problems())
    out.add_diagnostic({Severity::Warning, 0, exe_path + ": DWARF: " + problem});
  check_changed();
  if (!out.failed) {
    note_incomplete_core(**core, path, report, out);
    out.add_report(std::move(report));
  }
  if (!(*core)->stream_error().empty()) out.failed = true;
}

}  // namespace crashctl
