#include "heapdump/decoder.h"

#include "gosyntax/parse.h"
#include "memory/heap_graph.h"
#include "memory/retainers.h"
#include "memory/types.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/LEB128.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

namespace crashctl {
namespace {

constexpr std::string_view kHeader = "go1.7 heap dump\n";

enum Tag : uint64_t {
  TagEOF = 0,
  TagObject,
  TagOtherRoot,
  TagType,
  TagGoroutine,
  TagStackFrame,
  TagParams,
  TagFinalizer,
  TagItab,
  TagOSThread,
  TagMemStats,
  TagQueuedFinalizer,
  TagData,
  TagBSS,
  TagDefer,
  TagPanic,
  TagMemProf,
  TagAllocSample,
  TagCount
};

const char *tag_name(uint64_t t) {
  static const char *names[] = {"eof",    "object",    "otherroot", "type",     "goroutine", "stackframe",
                                "params", "finalizer", "itab",      "osthread", "memstats",  "queuedfinalizer",
                                "data",   "bss",       "defer",     "panic",    "memprof",   "allocsample"};
  return t < TagCount ? names[t] : "unknown";
}

// runtime.MemStats fields in the order dumpmemstats writes them.
const char *kMemStatNames[] = {"Alloc",       "TotalAlloc", "Sys",        "Lookups",   "Mallocs",      "Frees",
                               "HeapAlloc",   "HeapSys",    "HeapIdle",   "HeapInuse", "HeapReleased", "HeapObjects",
                               "StackInuse",  "StackSys",   "MSpanInuse", "MSpanSys",  "MCacheInuse",  "MCacheSys",
                               "BuckHashSys", "GCSys",      "OtherSys",   "NextGC",    "LastGC",       "PauseTotalNs"};

// Addresses whose bytes a later step needs (panic values), filled from any
// memory record (object, data, bss) that covers them.
struct Captures {
  struct Want {
    size_t len = 0;
    std::string data;  // bytes captured so far, from addr on
    bool done = false;
  };
  std::map<uint64_t, Want> wants;
  bool empty() const { return wants.empty(); }
};

// Bounds-checked primitive reader with a sticky error.
class Reader {
public:
  Reader(ByteSource &src, bool progress, const std::string &name)
      : src_(src), buf_(1 << 16), progress_(name, progress ? &src : nullptr) {}

  uint64_t offset() const { return base_ + pos_; }
  bool ok() const { return err_.empty(); }
  bool at_end() { return ok() && pos_ == end_ && !fill(); }
  const std::string &error() const { return err_; }
  uint64_t error_offset() const { return err_off_; }
  uint64_t fnv() const { return fnv_; }

  void fail(uint64_t off, std::string msg) {
    if (!ok()) return;
    err_ = std::move(msg);
    err_off_ = off;
  }

  bool uvarint(uint64_t &v, const char *what) {
    if (!ok()) return false;
    uint64_t start = offset();
    // Go's uvarints take at most 10 bytes: a longer one, or a 10th byte
    // above 1, overflows 64 bits.
    constexpr size_t kMaxLen = 10;
    uint8_t gathered[kMaxLen];
    const uint8_t *p = reinterpret_cast<const uint8_t *>(buf_.data()) + pos_, *end;
    bool buffered = end_ - pos_ >= kMaxLen;
    if (buffered) {
      end = p + kMaxLen;
    } else {  // it may continue in the next read: gather its bytes
      size_t n = 0;
      do {
        if (pos_ == end_ && !fill()) {
          if (ok())
            fail(start,
                 llvm::formatv("truncated at offset {0}: expected {1} (uvarint) at offset {2}", offset(), what, start)
                     .str());
          return false;
        }
        gathered[n++] = uint8_t(buf_[pos_++]);
      } while ((gathered[n - 1] & 0x80) && n < kMaxLen);
      p = gathered;
      end = p + n;
    }
    unsigned len = 0;
    const char *error = nullptr;
    v = llvm::decodeULEB128(p, &len, end, &error);
    if (error) {
      fail(start, llvm::formatv("corrupt uvarint at offset {0} ({1}): overflows 64 bits", start, what).str());
      return false;
    }
    if (buffered) pos_ += len;
    return true;
  }

  bool boolean(bool &b, const char *what) {
    uint64_t start = offset(), v;
    if (!uvarint(v, what)) return false;
    if (v > 1) {
      fail(start, llvm::formatv("corrupt bool at offset {0} ({1}): {2}, expected 0 or 1", start, what, v).str());
      return false;
    }
    b = v == 1;
    return true;
  }

  // A length-prefixed byte string. Keeps at most `keep_max` bytes in *keep
  // (longer strings are an error when keep is set); feeds captures with
  // `addr` as the address of its first byte.
  // With SKIP_OVERLONG, a longer string is read but not kept (*keep empty);
  // *LENGTH gets its length.
  bool string(const char *what, std::string *keep, size_t keep_max = 1 << 20, Captures *cap = nullptr,
              uint64_t addr = 0, bool skip_overlong = false, uint64_t *length = nullptr) {
    uint64_t start = offset(), len;
    if (!uvarint(len, what)) return false;
    if (length) *length = len;
    if (keep && len > keep_max && skip_overlong) {
      keep->clear();
      keep = nullptr;
    }
    if (keep && len > keep_max) {
      fail(start, llvm::formatv("corrupt length at offset {0}: {1} of {2} bytes exceeds the limit of {3}", start, what,
                                len, keep_max)
                      .str());
      return false;
    }
    if (keep) keep->clear();
    std::vector<std::pair<uint64_t, Captures::Want *>> hits;
    if (cap && !cap->empty() && len) {
      for (auto it = cap->wants.lower_bound(addr); it != cap->wants.end() && it->first - addr < len; ++it)
        if (!it->second.done) hits.push_back({it->first, &it->second});
    }
    uint64_t left = len, pos = 0;
    while (left) {
      if (pos_ == end_ && !fill()) {
        if (ok())
          fail(start, llvm::formatv("truncated at offset {0}: {1} of {2} bytes starting at offset {3} "
                                    "ends early",
                                    offset(), what, len, start)
                          .str());
        return false;
      }
      size_t n = size_t(std::min<uint64_t>(left, end_ - pos_));
      const char *p = buf_.data() + pos_;
      if (keep) keep->append(p, n);
      for (auto &[a, w] : hits) {
        uint64_t rel = a - addr;  // offset of the want in this record
        uint64_t have = w->data.size();
        uint64_t from = rel + have;  // next byte wanted, record-relative
        if (have >= w->len || from < pos || from >= pos + n) continue;
        size_t take = size_t(std::min<uint64_t>(w->len - have, pos + n - from));
        w->data.append(p + (from - pos), take);
      }
      pos_ += n;
      pos += n;
      left -= n;
    }
    for (auto &[a, w] : hits) w->done = true;
    return true;
  }

  // The pointer offsets of a field list, into *offsets when given.
  bool fieldlist(const char *what, std::vector<uint64_t> *offsets = nullptr) {
    if (offsets) offsets->clear();
    for (;;) {
      uint64_t start = offset(), kind, off;
      if (!uvarint(kind, what)) return false;
      if (kind == 0) return true;
      if (kind > 3) {
        fail(start,
             llvm::formatv("corrupt field list at offset {0} ({1}): field kind {2}, expected 0-3", start, what, kind)
                 .str());
        return false;
      }
      if (!uvarint(off, what)) return false;
      if (offsets) offsets->push_back(off);
    }
  }

  bool raw(char *out, size_t n, const char *what) {
    uint64_t start = offset();
    while (n) {
      if (pos_ == end_ && !fill()) {
        if (ok()) fail(start, llvm::formatv("truncated at offset {0}: expected {1}", offset(), what).str());
        return false;
      }
      size_t k = std::min(n, end_ - pos_);
      std::memcpy(out, buf_.data() + pos_, k);
      pos_ += k;
      out += k;
      n -= k;
    }
    return true;
  }

  void drain() {
    while (ok() && (pos_ < end_ || fill())) pos_ = end_;
  }

private:
  bool fill() {
    if (!ok() || eof_) return false;
    base_ += end_;
    pos_ = end_ = 0;
    auto n = src_.read(buf_.data(), buf_.size());
    if (!n) {
      fail(base_, llvm::formatv("read error at offset {0}: {1}", base_, llvm::toString(n.takeError())).str());
      return false;
    }
    if (*n == 0) {
      eof_ = true;
      return false;
    }
    end_ = *n;
    for (size_t i = 0; i < end_; ++i) fnv_ = (fnv_ ^ uint8_t(buf_[i])) * 1099511628211ull;
    progress_.tick();
    return true;
  }

  ByteSource &src_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t base_ = 0;
  bool eof_ = false;
  std::string err_;
  uint64_t err_off_ = 0;
  uint64_t fnv_ = 1469598103934665603ull;
  Progress progress_;
};

struct RawFrame {
  uint64_t sp = 0, depth = 0, child_sp = 0, size = 0, entry = 0, pc = 0, continpc = 0;
  std::string name;
};

struct RawPanic {
  uint64_t addr = 0, gp = 0, type = 0, data = 0, link = 0, offset = 0;
  size_t goroutine_index = 0;
};

struct DumpStats {
  uint64_t records[TagCount] = {};
  uint64_t object_bytes = 0, data_bytes = 0, bss_bytes = 0;
};

class Decoder {
public:
  Decoder(Input &out, const HeapDumpOptions &opts, HeapDumpExtras *extras) : out_(out), opts_(opts), extras_(extras) {}

  // Pass 1: the model. Returns the stream's checksum and size.
  void run(ByteSource &src);

private:
  struct TypeRec {
    uint64_t size = 0;
    std::string name;
    bool indirect = false;
  };
  struct Open {  // the goroutine whose frames, defers and panics follow
    bool active = false;
    size_t index = 0;
    uint64_t gaddr = 0;
    uint64_t expected_depth = 0;
    uint64_t stack_lo = ~uint64_t(0), stack_hi = 0;
    std::vector<RawFrame> frames;
    std::vector<std::pair<Defer, uint64_t>> defers;  // with the fn pc
  };

  bool parse(Reader &r, Captures *cap, bool model);
  bool record(Reader &r, uint64_t tag, uint64_t off, Captures *cap, bool model);
  void close_goroutine();
  void finish(uint64_t size);
  void resolve_panics();
  bool capture_pass(Captures &cap, uint64_t want_fnv, uint64_t want_size);
  std::string type_name(uint64_t addr) const;
  // A 4- or 8-byte word at B[AT] in the dump's byte order; 0 past B's end.
  uint64_t word_at(const std::string &b, size_t at, size_t n) const;
  uint64_t ptr_at(const std::string &b, size_t at) const { return word_at(b, at, params_.ptr_size); }
  void diag(Severity s, uint64_t off, std::string msg) { out_.add_diagnostic({s, off, std::move(msg)}); }
  // Reads a record's contents, kept in contents_ when KEEP (up to
  // kMaxKeptContents; larger ones are skipped and their pointers counted).
  bool read_contents(Reader &r, const char *what, bool keep, Captures *cap, uint64_t addr);
  void finish_memory();
  // Interfaces' type words: the word before a pointer field that is itself
  // no pointer field (the collector does not scan an interface's type or
  // itab word, so the dump's field lists leave it out) and looks like an
  // address outside the heap. Kept in type_words_ for type propagation.
  void keep_type_words(uint64_t addr);
  uint64_t contents_size_ = 0;

  // What holds the heap (HeapDumpOptions::memory).
  struct GlobalSlot {
    bool bss;
    uint64_t addr, value;
  };
  struct FrameRoot {
    size_t goroutine_index;
    std::string function;
    uint64_t sp, size, entry, pc, continpc;            // the frame is [sp, sp+size); its CFA is sp+size
    std::vector<std::pair<uint64_t, uint64_t>> slots;  // frame offset, pointer
  };
  struct FinalizerRoot {
    bool queued;
    uint64_t object, fn;
  };
  memory::HeapGraphBuilder heap_;
  std::string contents_;
  std::vector<uint64_t> fields_;
  uint64_t data_start_ = 0, bss_start_ = 0;
  std::vector<GlobalSlot> global_slots_;
  std::vector<FrameRoot> frame_roots_;
  std::vector<FinalizerRoot> finalizer_roots_;
  uint64_t unread_pointers_ = 0;                           // in objects too large to keep
  std::vector<std::pair<uint64_t, uint64_t>> type_words_;  // (address, value), sorted at the end
  std::unordered_map<uint64_t, uint64_t> itabs_;           // itab -> its type descriptor (itab records)

  Input &out_;
  const HeapDumpOptions &opts_;
  HeapDumpExtras *extras_;
  Report rep_;
  HeapDumpExtras params_;
  bool have_params_ = false;
  std::unordered_map<uint64_t, TypeRec> types_;
  std::unordered_map<uint64_t, std::string> entry_names_;  // function entry -> name, from frames
  std::unordered_map<uint64_t, size_t> g_by_addr_;
  std::vector<uint64_t> g_maddr_;  // parallel to goroutines
  std::unordered_map<uint64_t, int64_t> m_ids_;
  std::map<std::string, StackRef> stacks_;
  std::vector<RawPanic> panics_;
  std::vector<std::vector<std::pair<size_t, uint64_t>>> defer_fns_;  // per goroutine: (defer index, fn pc)
  Open open_;
  DumpStats stats_;
  uint64_t stream_fnv_ = 0, stream_size_ = 0;
  bool eof_seen_ = false;
};

bool Decoder::parse(Reader &r, Captures *cap, bool model) {
  char hdr[16];
  if (!r.raw(hdr, sizeof hdr, "the 16-byte header \"go1.7 heap dump\\n\"")) return false;
  if (std::string_view(hdr, 16) != kHeader) {
    std::string_view h(hdr, 16);
    if (h.substr(0, 2) == "go" && h.find(" heap dump") != std::string_view::npos)
      r.fail(0, "unsupported heap dump version \"" + std::string(h.substr(0, h.find('\n'))) +
                    "\" at offset 0: only \"go1.7 heap dump\" (Go 1.7 and later) is read");
    else
      r.fail(0, "not a Go heap dump: offset 0 lacks the header \"go1.7 heap dump\\n\"");
    return false;
  }
  for (;;) {
    uint64_t off = r.offset(), tag;
    if (r.at_end()) {
      if (r.ok())
        r.fail(off, llvm::formatv("truncated at offset {0}: expected a record tag (the dump ends "
                                  "without its EOF record)",
                                  off)
                        .str());
      return false;
    }
    if (!r.uvarint(tag, "a record tag")) return false;
    if (tag >= TagCount) {
      r.fail(off, llvm::formatv("corrupt record at offset {0}: unknown tag {1}, expected 0-17", off, tag).str());
      return false;
    }
    if (tag == TagEOF) {
      if (model) {
        eof_seen_ = true;
        if (!r.at_end() && r.ok())
          diag(Severity::Warning, r.offset(),
               llvm::formatv("data after the EOF record at offset {0} ignored", off).str());
      }
      return true;
    }
    if (!record(r, tag, off, cap, model)) return false;
    if (model) stats_.records[tag]++;
  }
}

bool Decoder::record(Reader &r, uint64_t tag, uint64_t off, Captures *cap, bool model) {
  uint64_t a, b, c, d, e, f, g;
  auto U = [&](uint64_t &v, const char *what) { return r.uvarint(v, what); };
  if (model && tag != TagStackFrame && tag != TagDefer && tag != TagPanic) close_goroutine();
  switch (tag) {
    case TagParams: {
      bool be;
      std::string arch, version;
      if (!r.boolean(be, "params.bigEndian") || !U(a, "params.ptrSize") || !U(b, "params.arenaStart") ||
          !U(c, "params.arenaEnd") || !r.string("params.arch", &arch, 256) ||
          !r.string("params.version", &version, 256) || !U(d, "params.ncpu"))
        return false;
      if (a != 4 && a != 8) {
        r.fail(off,
               llvm::formatv("corrupt params record at offset {0}: pointer size {1}, expected 4 or 8", off, a).str());
        return false;
      }
      if (model) {
        params_ = {b, c, unsigned(a), be, arch};
        have_params_ = true;
        if (!version.empty()) rep_.process.go_version = {version, "", "heap dump params"};
        rep_.process.notes.push_back(
            llvm::formatv("heap dump of {0}/{1}, {2} CPUs, heap arenas [{3:x}, {4:x})", version, arch, d, b, c).str());
      }
      return true;
    }
    case TagType: {
      std::string name;
      bool ind;
      if (!U(a, "type.addr") || !U(b, "type.size") || !r.string("type.name", &name, 1 << 16) ||
          !r.boolean(ind, "type.indirect"))
        return false;
      if (model) types_[a] = {b, std::move(name), ind};
      return true;
    }
    case TagItab:
      if (!U(a, "itab.addr") || !U(b, "itab.type")) return false;
      if (model && opts_.memory) itabs_[a] = b;
      return true;
    case TagObject: {
      if (!U(a, "object.addr")) return false;
      const bool mem = model && opts_.memory;
      uint64_t before = r.offset();
      if (!read_contents(r, "object contents", mem, cap, a)) return false;
      if (model) stats_.object_bytes += r.offset() - before;
      if (!r.fieldlist("object fields", mem ? &fields_ : nullptr)) return false;
      if (mem) {
        memory::ObjectId id = heap_.add_object(a, contents_size_);
        if (contents_size_ && contents_.empty() && !fields_.empty()) unread_pointers_ += fields_.size();
        for (uint64_t f : fields_) heap_.add_pointer(id, f, ptr_at(contents_, size_t(f)));
        keep_type_words(a);
      }
      return true;
    }
    case TagData:
    case TagBSS: {
      if (!U(a, tag == TagData ? "data.addr" : "bss.addr")) return false;
      const bool mem = model && opts_.memory;
      uint64_t before = r.offset();
      if (!read_contents(r, tag == TagData ? "data contents" : "bss contents", mem, cap, a)) return false;
      if (model) (tag == TagData ? stats_.data_bytes : stats_.bss_bytes) += r.offset() - before;
      if (!r.fieldlist(tag == TagData ? "data fields" : "bss fields", mem ? &fields_ : nullptr)) return false;
      if (mem) {
        (tag == TagData ? data_start_ : bss_start_) = a;
        for (uint64_t f : fields_)
          if (uint64_t v = ptr_at(contents_, size_t(f))) global_slots_.push_back({tag == TagBSS, a + f, v});
        keep_type_words(a);
      }
      return true;
    }
    case TagOtherRoot: return r.string("otherroot.description", nullptr) && U(a, "otherroot.pointer");
    case TagFinalizer:
    case TagQueuedFinalizer:
      if (!(U(a, "finalizer.obj") && U(b, "finalizer.fn") && U(c, "finalizer.fn.fn") && U(d, "finalizer.fint") &&
            U(e, "finalizer.ot")))
        return false;
      if (model && opts_.memory) finalizer_roots_.push_back({tag == TagQueuedFinalizer, a, b});
      return true;
    case TagAllocSample: return U(a, "allocsample.addr") && U(b, "allocsample.bucket");
    case TagMemProf: {
      if (!U(a, "memprof.bucket") || !U(b, "memprof.size") || !U(c, "memprof.nstk")) return false;
      for (uint64_t i = 0; i < c; ++i)
        if (!r.string("memprof frame function", nullptr) || !r.string("memprof frame file", nullptr) ||
            !U(d, "memprof frame line"))
          return false;
      return U(d, "memprof.allocs") && U(e, "memprof.frees");
    }
    case TagOSThread:
      if (!U(a, "osthread.m") || !U(b, "osthread.id") || !U(c, "osthread.procid")) return false;
      if (model) {
        Thread t;
        t.m = int64_t(b);
        t.tid = int64_t(c);
        t.offset = off;
        m_ids_[a] = t.m;
        rep_.process.threads.push_back(std::move(t));
      }
      return true;
    case TagMemStats: {
      std::vector<std::pair<std::string, uint64_t>> ms;
      for (const char *n : kMemStatNames) {
        if (!U(a, "a memstats field")) return false;
        ms.push_back({n, a});
      }
      uint64_t last_pause = 0;
      for (int i = 0; i < 256; ++i) {
        if (!U(a, "memstats.PauseNs")) return false;
        if (a) last_pause = a;
      }
      if (!U(b, "memstats.NumGC")) return false;
      (void)last_pause;
      ms.push_back({"NumGC", b});
      if (model) rep_.process.memstats = std::move(ms);
      return true;
    }
    case TagGoroutine: {
      bool sys, bg;
      std::string reason;
      uint64_t waitsince, ctxt, m, dfr, pnc;
      if (!U(a, "goroutine.addr") || !U(b, "goroutine.sp") || !U(c, "goroutine.goid") || !U(d, "goroutine.gopc") ||
          !U(e, "goroutine.status") || !r.boolean(sys, "goroutine.isSystem") ||
          !r.boolean(bg, "goroutine.isBackground") || !U(waitsince, "goroutine.waitsince") ||
          !r.string("goroutine.waitreason", &reason, 4096) || !U(ctxt, "goroutine.ctxt") || !U(m, "goroutine.m") ||
          !U(dfr, "goroutine._defer") || !U(pnc, "goroutine._panic"))
        return false;
      if (!model) return true;
      Goroutine gr;
      gr.id = int64_t(c);
      gr.status = status_from_number(e);
      if (gr.status == GoroutineStatus::Waiting || gr.status == GoroutineStatus::Leaked) gr.wait_reason = reason;
      gr.offset = off;
      auto &x = gr.mutable_extras();
      x.set_gp(a);
      if (m) x.set_mp(m);
      auto &det = gr.mutable_details();
      det.raw_status = uint32_t(e);
      det.system = sys;
      det.wait_since_ns = waitsince ? int64_t(waitsince) : -1;
      det.creator_pc = d;
      if (gr.status == GoroutineStatus::Unknown)
        diag(Severity::Warning, off, llvm::formatv("goroutine {0} at offset {1}: unknown status {2}", c, off, e).str());
      rep_.process.goroutines.push_back(std::move(gr));
      g_maddr_.push_back(m);
      defer_fns_.emplace_back();
      size_t idx = rep_.process.goroutines.size() - 1;
      if (!g_by_addr_.emplace(a, idx).second)
        diag(Severity::Warning, off,
             llvm::formatv("goroutine record at offset {0} repeats g address {1:x}", off, a).str());
      open_ = Open();
      open_.active = true;
      open_.index = idx;
      open_.gaddr = a;
      return true;
    }
    case TagStackFrame: {
      RawFrame fr;
      if (!U(fr.sp, "stackframe.sp") || !U(fr.depth, "stackframe.depth") || !U(fr.child_sp, "stackframe.childsp"))
        return false;
      const bool mem = model && opts_.memory;
      uint64_t before = r.offset();
      if (!read_contents(r, "stackframe contents", mem, nullptr, 0)) return false;
      fr.size = r.offset() - before;  // approximately: includes the length prefix
      if (!U(fr.entry, "stackframe.entry") || !U(fr.pc, "stackframe.pc") || !U(fr.continpc, "stackframe.continpc") ||
          !r.string("stackframe.name", &fr.name, 1 << 16) ||
          !r.fieldlist("stackframe fields", mem ? &fields_ : nullptr))
        return false;
      if (!model) return true;
      if (mem && open_.active && !fields_.empty()) {
        FrameRoot root{open_.index, fr.name, fr.sp, contents_size_, fr.entry, fr.pc, fr.continpc, {}};
        for (uint64_t f : fields_)
          if (uint64_t v = ptr_at(contents_, size_t(f))) root.slots.push_back({f, v});
        if (!root.slots.empty()) frame_roots_.push_back(std::move(root));
      }
      if (!open_.active) {
        diag(Severity::Warning, off, llvm::formatv("stack frame at offset {0} outside a goroutine ignored", off).str());
        return true;
      }
      if (fr.depth != open_.expected_depth)
        diag(Severity::Warning, off,
             llvm::formatv("stack frame at offset {0}: depth {1}, expected {2}", off, fr.depth, open_.expected_depth)
                 .str());
      open_.expected_depth = fr.depth + 1;
      open_.stack_lo = std::min(open_.stack_lo, fr.sp);
      open_.stack_hi = std::max(open_.stack_hi, fr.sp + fr.size);
      if (fr.entry && !fr.name.empty()) entry_names_.emplace(fr.entry, fr.name);
      open_.frames.push_back(std::move(fr));
      return true;
    }
    case TagDefer: {
      uint64_t addr, gp, sp, pc, fn, fnpc, link;
      if (!U(addr, "defer.addr") || !U(gp, "defer.gp") || !U(sp, "defer.sp") || !U(pc, "defer.pc") ||
          !U(fn, "defer.fn") || !U(fnpc, "defer.fn.fn") || !U(link, "defer.link"))
        return false;
      if (!model) return true;
      if (!open_.active || gp != open_.gaddr) {
        diag(Severity::Warning, off,
             llvm::formatv("defer record at offset {0} for g {1:x} does not follow "
                           "that goroutine's record; ignored",
                           off, gp)
                 .str());
        return true;
      }
      Defer df;
      df.pc = pc;
      df.sp = sp;
      // The goroutine's stack holds stack-allocated records; the heap the rest.
      bool on_stack = open_.stack_hi && addr >= open_.stack_lo && addr < open_.stack_hi;
      df.kind = on_stack ? DeferKind::Stack : DeferKind::Heap;
      if (fnpc == 0) {
        // Go <= 1.21: a frame's open-coded defers during a panic; Go 1.22+: a
        // range-over-func head (no fn either).
        int minor = rep_.process.go_version.minor();
        df.kind = minor && minor <= 21 ? DeferKind::OpenCoded : DeferKind::RangeFunc;
      }
      for (size_t i = 0; i < open_.frames.size(); ++i)
        if (open_.frames[i].sp == sp) {
          df.frame_index = int64_t(i);
          break;
        }
      auto &x = rep_.process.goroutines[open_.index].mutable_details();
      defer_fns_[open_.index].push_back({x.defers.size(), fnpc});
      x.defers.push_back(std::move(df));
      return true;
    }
    case TagPanic: {
      RawPanic p;
      p.offset = off;
      if (!U(p.addr, "panic.addr") || !U(p.gp, "panic.gp") || !U(p.type, "panic.arg type") ||
          !U(p.data, "panic.arg data") || !U(a, "panic.defer (always 0)") || !U(p.link, "panic.link"))
        return false;
      if (!model) return true;
      if (!open_.active || p.gp != open_.gaddr) {
        diag(Severity::Warning, off,
             llvm::formatv("panic record at offset {0} for g {1:x} does not follow "
                           "that goroutine's record; ignored",
                           off, p.gp)
                 .str());
        return true;
      }
      p.goroutine_index = open_.index;
      panics_.push_back(p);
      return true;
    }
  }
  (void)f;
  (void)g;
  return false;
}

bool plausible_text(const std::string &s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\n' && c != '\t') return false;
  return !s.empty();
}

std::string stack_key(const std::vector<RawFrame> &fr) {
  std::string k;
  for (const RawFrame &f : fr) {
    k += f.name;
    k += '\0';
    k.append(reinterpret_cast<const char *>(&f.pc), sizeof f.pc);
    k.append(reinterpret_cast<const char *>(&f.entry), sizeof f.entry);
  }
  return k;
}

constexpr size_t kMaxKeptContents = size_t(256) << 20;

bool Decoder::read_contents(Reader &r, const char *what, bool keep, Captures *cap, uint64_t addr) {
  return r.string(what, keep ? &contents_ : nullptr, kMaxKeptContents, cap, addr, true, &contents_size_);
}

void Decoder::keep_type_words(uint64_t addr) {
  if (contents_.empty()) return;
  const uint64_t ps = params_.ptr_size ? params_.ptr_size : 8;
  for (size_t i = 0; i < fields_.size(); ++i) {
    uint64_t f = fields_[i];
    if (f < ps || (i && fields_[i - 1] == f - ps)) continue;
    uint64_t w = ptr_at(contents_, size_t(f - ps));
    if (w < 0x10000 || (params_.arena_end && w >= params_.arena_start && w < params_.arena_end)) continue;
    type_words_.push_back({addr + f - ps, w});
  }
}

// The object graph's roots, named now that the executable (if any) is known.
void Decoder::finish_memory() {
  auto hex = [](uint64_t v) { return llvm::formatv("{0:x-}", v).str(); };
  for (const GlobalSlot &gs : global_slots_) {
    memory::Root root;
    root.info.kind = MemoryRootKind::Global;
    std::string name, type;
    uint64_t start = 0;
    if (opts_.global_at && opts_.global_at(gs.addr, name, start, type)) {
      root.info.name = root.info.variable = name;
      root.info.type = type;
      root.base = start;
    } else {
      uint64_t section = gs.bss ? bss_start_ : data_start_;
      root.info.name = std::string(gs.bss ? "bss+0x" : "data+0x") + hex(gs.addr - section);
      root.base = gs.addr;
    }
    heap_.add_root_pointer(heap_.add_root(root), gs.addr, gs.value);
  }
  // A frame's slots are named by the DWARF local covering them (as cores
  // name theirs), else by their offset from sp.
  for (const FrameRoot &fr : frame_roots_) {
    uint64_t lookup_pc = fr.continpc ? fr.continpc : fr.pc;
    if (lookup_pc > fr.entry) --lookup_pc;  // a return address: the call is before it
    std::vector<binary::FrameVariable> vars;
    if (opts_.frame_variables) vars = opts_.frame_variables(lookup_pc);
    const uint64_t cfa = fr.sp + fr.size;
    const std::string prefix =
        "goroutine " + std::to_string(rep_.process.goroutines[fr.goroutine_index].id) + ": " + fr.function + ": ";
    for (auto [off, value] : fr.slots) {
      memory::Root root;
      root.info.kind = MemoryRootKind::Stack;
      root.info.goroutine = rep_.process.goroutines[fr.goroutine_index].id;
      root.info.function = fr.function;
      const uint64_t slot = fr.sp + off;
      const int64_t cfa_off = int64_t(slot - cfa);
      const binary::FrameVariable *var = nullptr;
      for (const binary::FrameVariable &fv : vars)
        if (cfa_off >= fv.cfa_offset && cfa_off < fv.cfa_offset + int64_t(fv.size)) {
          var = &fv;
          break;
        }
      if (var) {
        root.info.variable = var->name;
        root.info.type = var->type;
        root.info.name = prefix + var->name;
        root.base = cfa + uint64_t(var->cfa_offset) - var->var_offset;
      } else {
        root.info.name = prefix + "sp+0x" + hex(off);
        root.base = slot;
      }
      heap_.add_root_pointer(heap_.add_root(root), slot, value);
    }
  }
  for (const FinalizerRoot &f : finalizer_roots_) {
    memory::Root root;
    root.info.kind = f.queued ? MemoryRootKind::Other : MemoryRootKind::Finalizer;
    root.info.name = f.queued ? "finalizer queue" : "finalizer of 0x" + hex(f.object);
    uint32_t id = heap_.add_root(root);
    heap_.add_root_pointer(id, 0, f.object);
    heap_.add_root_pointer(id, 0, f.fn);
  }
  if (unread_pointers_)
    heap_.note(
        llvm::formatv("{0} pointers in objects over {1} MB were not read", unread_pointers_, kMaxKeptContents >> 20)
            .str());
  memory::HeapGraph graph = heap_.finish();
  const binary::GoProgram *program = opts_.program ? opts_.program() : nullptr;
  memory::TypeSource src;
  if (program) {
    // Types by propagation from the globals' DWARF types. The dump keeps no
    // object contents here: slices' capacities, channels' sizes and maps'
    // counts come from slot sizes; interfaces' type words from type_words_.
    std::sort(type_words_.begin(), type_words_.end());
    src.program = program;
    src.word = [this](uint64_t a) -> std::optional<uint64_t> {
      auto it = std::lower_bound(type_words_.begin(), type_words_.end(), std::pair<uint64_t, uint64_t>{a, 0});
      if (it == type_words_.end() || it->first != a) return std::nullopt;
      return it->second;
    };
    src.runtime_type = opts_.runtime_type;
    src.itab_type = [this](uint64_t itab) -> uint64_t {
      auto it = itabs_.find(itab);
      return it == itabs_.end() ? 0 : it->second;
    };
    // Malloc headers from Go 1.22 (heap dumps record the slot, header included).
    const int minor = rep_.process.go_version.minor();
    src.malloc_headers = !(minor > 0 && minor <= 21);
  }
  // The types on a thread of their own while the dominator tree is built.
  auto types = [&] {
    if (!program) {
      graph.notes.push_back(
          "heap dumps record no object types: pass --exe to type objects from the executable's DWARF");
      return;
    }
    memory::TypeStats ts = memory::propagate_types(graph, src);
    if (ts.slot_counts)
      graph.notes.push_back(llvm::formatv("types: {0} arrays' lengths (slices' capacities, channels' buffers, maps' "
                                          "groups) are counted from their slot sizes: the dump's contents are not kept",
                                          ts.slot_counts)
                                .str());
  };
  auto report = std::make_shared<MemoryReport>(memory::summarize(graph, types));
  std::vector<std::pair<uint64_t, uint64_t>>().swap(type_words_);
  report->source = "heap dump";
  if (!eof_seen_)
    report->notes.push_back("the dump is incomplete: only the objects and roots before the error are counted");
  rep_.memory = std::move(report);
}

void Decoder::close_goroutine() {
  if (!open_.active) return;
  Goroutine &g = rep_.process.goroutines[open_.index];
  std::string key = stack_key(open_.frames);
  auto it = stacks_.find(key);
  if (it == stacks_.end()) {
    auto st = make_ref<Stack>();
    for (const RawFrame &rf : open_.frames) {
      Frame f;
      // The runtime's traceback prints runtime.gopanic as "panic".
      f.function = rf.name == "runtime.gopanic" ? "panic" : rf.name;
      f.package = package_of(f.function);
      f.pc = rf.pc;
      if (rf.entry && rf.pc >= rf.entry) f.pc_offset = rf.pc - rf.entry;
      st->frames.push_back(std::move(f));
    }
    it = stacks_.emplace(std::move(key), std::move(st)).first;
  }
  g.stack = it->second;
  if (open_.frames.empty()) g.mutable_details().unreadable = "the dump has no stack frames for this goroutine";
  open_ = Open();
}

std::string Decoder::type_name(uint64_t addr) const {
  auto it = types_.find(addr);
  if (it != types_.end()) return it->second.name;
  if (opts_.type_name) return opts_.type_name(addr);
  return "";
}

uint64_t Decoder::word_at(const std::string &b, size_t at, size_t n) const {
  if (at + n > b.size()) return 0;
  llvm::endianness order = params_.big_endian ? llvm::endianness::big : llvm::endianness::little;
  return n == 4 ? llvm::support::endian::read32(b.data() + at, order)
                : llvm::support::endian::read64(b.data() + at, order);
}

// A reader that yields the bytes of a second pass for captures only.
bool Decoder::capture_pass(Captures &cap, uint64_t want_fnv, uint64_t want_size) {
  if (!opts_.reopen) return false;
  auto src = opts_.reopen();
  if (!src) return false;
  Reader r(*src, false, out_.path);
  parse(r, &cap, false);
  r.drain();  // the checksum covers the whole stream
  if (r.fnv() != want_fnv || r.offset() != want_size) {
    diag(Severity::Warning, 0,
         "the dump read again for panic values differs from the first read; "
         "panic values not decoded");
    cap.wants.clear();
    return false;
  }
  return true;
}

void Decoder::resolve_panics() {
  // Panic chains, oldest first, per goroutine in dump order.
  struct Pending {
    PanicRecord rec;
    uint64_t type, data;
    std::string tname;
    enum Step { None, StrHeader, Bytes, Word } step = None;
    std::string prefix;    // "runtime error: " for runtime.errorString
    bool guessed = false;  // the type is known only by its package
    uint64_t want_addr = 0, want_len = 0;
  };
  std::vector<Pending> pend;
  std::vector<RawPanic> ordered;
  for (size_t i = 0; i < panics_.size();) {
    size_t j = i;
    while (j < panics_.size() && panics_[j].goroutine_index == panics_[i].goroutine_index) ++j;
    for (size_t k = j; k-- > i;) ordered.push_back(panics_[k]);
    i = j;
  }
  unsigned ps = params_.ptr_size ? params_.ptr_size : 8;
  for (const RawPanic &rp : ordered) {
    Pending p;
    p.type = rp.type;
    p.data = rp.data;
    p.rec.offset = rp.offset;
    p.rec.goroutine = rep_.process.goroutines[rp.goroutine_index].id;
    if (rp.type == 0) {
      p.rec.goexit = true;
      p.rec.value_note = "no value: runtime.Goexit (or a nil panic value)";
      p.rec.message = "nil";
      pend.push_back(std::move(p));
      continue;
    }
    p.tname = type_name(rp.type);
    std::string t = p.tname;
    if (!t.empty() && t.back() == '.' && opts_.type_name) {
      std::string better = opts_.type_name(rp.type);
      if (!better.empty()) p.tname = t = better;
    }
    p.rec.value_type = p.tname;
    // dumptype writes pkgpath + "." + name, and unnamed types (pointers) have
    // no name: "errors." is *errors.errorString or *errors.joinError. The
    // message is their first field when it reads as a string.
    if (t == "errors." || t == "fmt.") {
      t = t == "errors." ? "*errors.errorString" : "*fmt.wrapError";
      p.guessed = true;
    }
    if (t == "string" || t == "runtime.plainError" || t == "runtime.errorString") {
      p.step = Pending::StrHeader;  // data points to a string header
      p.want_addr = rp.data;
      if (t == "runtime.errorString") p.prefix = "runtime error: ";
    } else if (t == "*errors.errorString" || t == "*fmt.wrapError" || t == "*fmt.wrapErrors") {
      p.step = Pending::StrHeader;  // a pointer: data is the object; its first field is the message
      p.want_addr = rp.data;
    } else if (t == "int" || t == "int64" || t == "uint" || t == "uint64" || t == "int32" || t == "uint32") {
      p.step = Pending::Word;
      p.want_addr = rp.data;
    } else if (t.empty()) {
      p.rec.value_note = llvm::formatv(
                             "the dump has no type record for the value's type descriptor "
                             "{0:x} (types are written only for itabs); pass --exe to name it",
                             rp.type)
                             .str();
    } else {
      p.rec.value_note = "values of type " + t + " are not decoded from heap dumps";
    }
    if (p.step == Pending::StrHeader) p.want_len = 2 * ps;
    if (p.step == Pending::Word) p.want_len = t.find("32") != std::string::npos ? 4 : 8;
    pend.push_back(std::move(p));
  }

  // Up to two rounds (header, then bytes); each reads the executable, then
  // the dump again for what is still missing.
  for (int round = 0; round < 2; ++round) {
    Captures cap;
    for (Pending &p : pend)
      if (p.step != Pending::None && p.want_len) {
        std::string buf(size_t(p.want_len), '\0');
        if (opts_.read_static && opts_.read_static(p.want_addr, buf.data(), buf.size())) {
          cap.wants[p.want_addr] = {size_t(p.want_len), buf, true};
        } else {
          auto &w = cap.wants[p.want_addr];
          w.len = std::max(w.len, size_t(p.want_len));
        }
      }
    if (cap.empty()) break;
    bool missing = false;
    for (auto &[a, w] : cap.wants) missing |= !w.done;
    if (missing) capture_pass(cap, stream_fnv_, stream_size_);
    for (Pending &p : pend) {
      if (p.step == Pending::None || !p.want_len) continue;
      auto it = cap.wants.find(p.want_addr);
      const std::string *b = it == cap.wants.end() ? nullptr : &it->second.data;
      if (!b || b->size() < p.want_len) {
        p.rec.value_note =
            llvm::formatv(
                "the value's memory at {0:x} is in neither the dump's objects nor "
                "{1}",
                p.want_addr, opts_.read_static ? "the executable" : "a re-read of the dump (pass a file and --exe)")
                .str();
        if (!opts_.reopen && !opts_.read_static)
          p.rec.value_note = llvm::formatv(
                                 "the value at {0:x} needs a second read of the dump (stdin can be "
                                 "read once) or --exe",
                                 p.want_addr)
                                 .str();
        p.step = Pending::None;
        continue;
      }
      if (p.step == Pending::Word) {
        uint64_t v = word_at(*b, 0, p.want_len);
        bool sign = p.tname[0] == 'i';
        if (sign && p.want_len == 4)
          p.rec.value = std::to_string(int32_t(v));
        else if (sign)
          p.rec.value = std::to_string(int64_t(v));
        else
          p.rec.value = std::to_string(v);
        p.step = Pending::None;
        p.want_len = 0;
      } else if (p.step == Pending::StrHeader) {
        uint64_t sp = ptr_at(*b, 0), sl = ptr_at(*b, ps);
        if (sl > (1 << 20)) {
          p.rec.value_note = llvm::formatv("string length {0} at {1:x} is implausible", sl, p.want_addr).str();
          p.step = Pending::None;
        } else if (sl == 0) {
          p.step = Pending::None;
          p.want_len = 0;
        } else {
          p.step = Pending::Bytes;
          p.want_addr = sp;
          p.want_len = sl;
        }
      } else if (p.step == Pending::Bytes) {
        p.rec.value = b->substr(0, size_t(p.want_len));
        if (p.guessed && !plausible_text(p.rec.value)) {
          p.rec.value.clear();
          p.rec.value_note = "the dump names only the package of the value's type (\"" + p.tname +
                             "\"); its first field does not read as a message; pass --exe";
        } else if (p.guessed) {
          p.rec.value_note.clear();
        }
        p.step = Pending::None;
        p.want_len = 0;
      }
    }
  }
  for (Pending &p : pend) {
    if (p.step == Pending::Bytes) {  // rounds exhausted
      p.rec.value.clear();
      if (p.rec.value_note.empty()) p.rec.value_note = "the value's bytes were not found";
    }
    bool decoded = p.rec.value_note.empty() && !p.rec.goexit;
    if (decoded) {
      if (p.tname == "runtime.errorString") p.rec.value = p.prefix + p.rec.value;
      // printpanicval: errors print Error(), strings themselves; named basic
      // types print as T(v) only for non-builtin names.
      p.rec.message = p.rec.value;
    } else if (!p.rec.goexit) {
      p.rec.message = llvm::formatv("({0}) {1:x}", p.tname.empty() ? "?" : p.tname, p.data).str();
    }
    rep_.process.panics.push_back(std::move(p.rec));
  }
}

void Decoder::finish(uint64_t size) {
  close_goroutine();
  Process &p = rep_.process;
  // Threads: which goroutine each M runs, and each goroutine's M number.
  for (size_t i = 0; i < p.goroutines.size(); ++i) {
    uint64_t m = g_maddr_[i];
    if (!m) continue;
    auto it = m_ids_.find(m);
    if (it == m_ids_.end()) continue;
    p.goroutines[i].mutable_extras().m = it->second;
    for (Thread &t : p.threads)
      if (t.m == it->second && t.goroutine < 0) t.goroutine = p.goroutines[i].id;
  }
  // Deferred functions, named from frames of the dump where one runs.
  for (size_t i = 0; i < p.goroutines.size(); ++i)
    for (auto &[di, fnpc] : defer_fns_[i]) {
      Defer &d = p.goroutines[i].mutable_details().defers[di];
      auto it = entry_names_.find(fnpc);
      if (it != entry_names_.end()) d.function = it->second;
      d.fn_pc = fnpc;
    }
  if (opts_.symbolize) opts_.symbolize(rep_, out_.diagnostics);
  resolve_panics();
  if (opts_.memory) finish_memory();
  if (!p.panics.empty()) {
    rep_.kind = ReportKind::Crash;
    // The verdict treats the first goroutine as the crashing one.
    int64_t gid = p.panics.back().goroutine;
    auto it = std::find_if(p.goroutines.begin(), p.goroutines.end(), [&](const Goroutine &g) { return g.id == gid; });
    if (it != p.goroutines.end()) std::rotate(p.goroutines.begin(), it, it + 1);
  } else {
    rep_.kind = ReportKind::Snapshot;
  }
  // Memstats summary.
  auto stat = [&](std::string_view n) -> std::optional<uint64_t> {
    for (auto &[k, v] : p.memstats)
      if (k == n) return v;
    return std::nullopt;
  };
  std::string s = llvm::formatv(
                      "heap dump: {0} goroutines, {1} threads, {2} objects ({3} bytes), {4} types, "
                      "{5} itabs, {6} finalizers ({7} queued), {8} memprof buckets",
                      p.goroutines.size(), p.threads.size(), stats_.records[TagObject], stats_.object_bytes,
                      stats_.records[TagType], stats_.records[TagItab], stats_.records[TagFinalizer],
                      stats_.records[TagQueuedFinalizer], stats_.records[TagMemProf])
                      .str();
  if (auto v = stat("HeapInuse")) s += llvm::formatv("; HeapInuse {0} bytes", *v).str();
  if (auto v = stat("HeapObjects")) s += llvm::formatv(", HeapObjects {0}", *v).str();
  if (auto v = stat("NumGC")) s += llvm::formatv(", NumGC {0}", *v).str();
  p.notes.push_back(std::move(s));
  rep_.offset = 0;
  rep_.end_offset = size;
  if (extras_) *extras_ = params_;
  out_.add_report(std::move(rep_));
}

void Decoder::run(ByteSource &src) {
  Reader r(src, opts_.show_progress, out_.path);
  bool ok = parse(r, nullptr, true);
  // Drain to the end for the checksum the extra passes compare against.
  if (ok) r.drain();
  stream_fnv_ = r.fnv();
  stream_size_ = r.offset();
  out_.size = std::max(out_.size, r.offset());
  if (!r.ok()) {
    diag(Severity::Error, r.error_offset(), r.error());
    out_.failed = true;
  } else if (!eof_seen_) {
    diag(Severity::Error, r.offset(), "the dump ends without its EOF record");
  }
  if (!have_params_ && r.offset() > kHeader.size())
    diag(Severity::Warning, 0, "no params record: pointer size 8, little-endian assumed");
  if (r.offset() < kHeader.size() && !eof_seen_ && out_.diagnostics.empty())
    diag(Severity::Error, 0, "empty heap dump");
  if (r.error_offset() == 0 && !r.ok() && rep_.process.goroutines.empty() && !have_params_) {
    return;  // not a heap dump at all: no report
  }
  finish(r.offset());
}

}  // namespace

void decode_heapdump(ByteSource &src, Input &out, const HeapDumpOptions &opts, HeapDumpExtras *extras) {
  out.format = InputFormat::HeapDump;
  HeapDumpOptions o = opts;
  Decoder d(out, o, extras);
  d.run(src);
}

}  // namespace crashctl
