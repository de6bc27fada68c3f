// The heap's object graph from a core (formats/memory.md, "Cores"). What is
// read, and the runtime source each step follows:
//   spans      mheap_.allspans, mspan.state == mSpanInUse (runtime/mheap.go)
//   allocated  index < freeindex || allocBits[index] (mspan.isFree, runtime/mbitmap.go)
//   pointers   heap bits at the end of small scan spans (elemsize <= 512),
//              before the inline mark bits of green-tea spans
//              (spanHeapBitsRange); the malloc header (*_type in the first
//              word) of larger small objects; mspan.largeType of large
//              objects (typePointersOfUnchecked); the type's GCData mask,
//              tiled every Size_ bytes; TFlagGCMaskOnDemand (Go 1.24+)
//              through its slot or rebuilt from the type (buildGCMask)
//   globals    moduledata data/bss with gcdatamask/gcbssmask (markrootBlock)
//   stacks     stack maps at the frame's continuation pc (stkframe.getStackMap,
//              scanframeworker), stack objects (FUNCDATA_StackObjects),
//              conservative frames where the runtime would scan conservatively
//   specials   finalizers, cleanups and weak handles (markrootSpans), and the
//              finalizer queue allfin (markroot fixedRootFinalizers)
#include "core/heap.h"

#include "binary/go_names.h"
#include "core/arch.h"
#include "core/values.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_map>

namespace crashctl::core {

namespace {

using llvm::support::endian::read16le;
using llvm::support::endian::read32le;
using llvm::support::endian::read64le;

constexpr uint64_t kPageSize = 8192;  // _PageSize: DWARF's runtime._PageShift/pageShift when present
constexpr uint64_t kMaxSpans = uint64_t(1) << 26;
constexpr uint64_t kMaxSpecialsPerSpan = 1 << 20;
constexpr uint8_t kKindArray = 17, kKindStruct = 25, kKindMask = 0x1f;

std::string hex(uint64_t v) {
  return llvm::formatv("{0:x}", v).str();
}

// A field's offset and size inside a DWARF struct; PATH may go through
// nested structs ("state.s"), and atomic wrappers end at their `value`.
struct Field {
  uint64_t at = 0, size = 0;
  bool ok = false;
};

Field field(const binary::GoProgram &exe, std::string_view type, std::string_view path) {
  const binary::TypeInfo *t = exe.type(type);
  Field out;
  while (t) {
    size_t dot = path.find('.');
    const binary::TypeField *f = t->field(path.substr(0, dot));
    if (!f) return {};
    out.at += f->offset;
    const binary::TypeInfo *ft = exe.type(f->type);
    if (dot == std::string_view::npos) {
      out.size = f->size ? f->size : 8;
      if (ft && ft->fields.size() <= 3)
        if (const binary::TypeField *v = ft->field("value")) {
          out.at += v->offset;
          out.size = v->size ? v->size : out.size;
        }
      out.ok = true;
      return out;
    }
    path = path.substr(dot + 1);
    t = ft;
  }
  return {};
}

uint64_t get(const std::vector<char> &rec, const Field &f) {
  if (!f.ok || f.at + f.size > rec.size()) return 0;
  const char *p = rec.data() + f.at;
  switch (f.size) {
    case 1: return uint8_t(*p);
    case 2: return read16le(p);
    case 4: return read32le(p);
    case 8: return read64le(p);
    default: return 0;
  }
}

// Words of the core through a 64 KiB window: spans and frames are read in
// address order, so most words come from the window already read.
class WordReader {
public:
  explicit WordReader(const Memory &m) : m_(m), buf_(kWindow) {}
  std::optional<uint64_t> word(uint64_t a) {
    if (a < base_ || a - base_ + 8 > len_) {
      if (!refill(a)) return std::nullopt;
    }
    return read64le(buf_.data() + (a - base_));
  }

private:
  static constexpr uint64_t kWindow = 64 * 1024;
  bool refill(uint64_t a) {
    for (uint64_t w : {kWindow, uint64_t(4096)}) {
      base_ = a & ~(w - 1);
      if (m_.read(base_, buf_.data(), w)) {
        len_ = w;
        return a - base_ + 8 <= len_;
      }
    }
    len_ = 0;
    return false;
  }
  const Memory &m_;
  std::vector<char> buf_;
  uint64_t base_ = 0, len_ = 0;
};

struct Span {
  uint64_t start = 0, npages = 0, elemsize = 0, nelems = 0, freeindex = 0, alloc_count = 0;
  uint64_t alloc_bits = 0, large_type = 0, specials = 0;
  uint8_t spanclass = 0;
  uint64_t bytes() const { return npages * kPageSize; }
  uint64_t end() const { return start + bytes(); }
  bool noscan() const { return spanclass & 1; }
  uint8_t sizeclass() const { return spanclass >> 1; }
};

// A runtime type as the collector sees it: size, pointer bytes, mask.
struct TypeLayout {
  bool ok = false;
  bool conservative = false;  // no exact mask: every word of the pointer bytes may be a pointer
  uint64_t size = 0, ptrbytes = 0;
  std::vector<uint8_t> mask;  // one bit per word of [0, ptrbytes)
  std::string name;
  bool bit(uint64_t w) const { return conservative || (w / 8 < mask.size() && (mask[w / 8] >> (w % 8)) & 1); }
};

class HeapWalker {
public:
  HeapWalker(const Memory &mem, const binary::Executable &exe, const RuntimeLayout &l, memory::HeapGraphBuilder &b,
             std::vector<Diagnostic> &diags)
      : mem_(mem),
        exe_(exe),
        arch_(*arch_of(exe.machine())),
        l_(l),
        b_(b),
        diags_(diags),
        bias_(mem.bias()),
        values_(mem, exe, l),
        words_(mem) {}

  HeapWalkStats run(const std::vector<GoroutineFrames> &stacks);
  // Only the spans: the allocator's own totals (allocCount), no objects.
  HeapWalkStats totals() {
    if (read_layout()) read_spans();
    return st_;
  }

private:
  bool read_layout();
  bool read_spans();
  void walk_objects();
  template <class Sink>
  void object_pointers(const Span &s, const std::vector<uint8_t> &heap_bits, uint64_t obj, Sink &&sink,
                       const TypeLayout **type_out);
  void walk_specials(const Span &s, const std::vector<uint8_t> &heap_bits);
  const TypeLayout &type_layout(uint64_t type);
  bool build_mask(uint64_t type, uint64_t bit, std::vector<uint8_t> &mask, int depth, uint64_t &budget);
  bool copy_mask(uint64_t from, uint64_t words, uint64_t bit, std::vector<uint8_t> &mask);
  void global_roots();
  void stack_roots(const GoroutineFrames &g);
  void finalizer_queue();
  // Whether V points into an in-use span (not a stack's manual span, not a free one).
  bool in_heap(uint64_t v) const {
    if (v < heap_lo_ || v >= heap_hi_) return false;
    if (!span_pages_.empty()) {
      uint64_t p = (v - heap_lo_) / kPageSize;
      return (span_pages_[p / 64] >> (p % 64)) & 1;
    }
    auto it = std::upper_bound(spans_.begin(), spans_.end(), v, [](uint64_t a, const Span &s) { return a < s.start; });
    return it != spans_.begin() && v < std::prev(it)->end();
  }
  std::string func_name_of_funcval(uint64_t fv);
  void note(std::string n) { b_.note(std::move(n)); }

  const Memory &mem_;
  const binary::Executable &exe_;
  const Arch &arch_;  // Executable::open reads only machines arch_of knows
  const RuntimeLayout &l_;
  memory::HeapGraphBuilder &b_;
  std::vector<Diagnostic> &diags_;
  uint64_t bias_;
  ValueReader values_;
  WordReader words_;
  HeapWalkStats st_;

  // Layouts from DWARF.
  uint64_t span_size_ = 0, type_size_ = 0, special_fin_size_ = 0;
  Field sp_start_, sp_npages_, sp_freeindex_, sp_nelems_, sp_alloc_bits_, sp_alloc_count_, sp_spanclass_, sp_state_,
      sp_elemsize_, sp_large_type_, sp_specials_;
  Field special_next_, special_offset_, special_kind_, fin_fn_, cleanup_fn_, weak_handle_;
  Field t_size_, t_ptrbytes_, t_tflag_, t_kind_, t_gcdata_;
  Field arr_elem_, arr_len_, st_fields_, sf_typ_, sf_offset_;
  uint64_t struct_field_size_ = 0;
  Field md_data_, md_edata_, md_bss_, md_ebss_, md_gcdata_n_, md_gcdata_bits_, md_gcbss_n_, md_gcbss_bits_, md_types_,
      md_etypes_, md_rodata_, md_next_;
  int64_t span_in_use_ = 1;
  std::optional<int64_t> kind_finalizer_, kind_cleanup_, kind_weak_;
  std::optional<int64_t> kind_gcprog_, tflag_on_demand_;
  uint64_t in_progress_ = 0;  // &runtime.inProgress (Go 1.24+), the mask slot's "being built" sentinel
  uint64_t inline_mark_bits_ = 128;
  bool green_tea_dwarf_ = false;

  std::vector<Span> spans_;
  uint64_t heap_lo_ = ~uint64_t(0), heap_hi_ = 0;
  // One bit per page of [heap_lo_, heap_hi_): in_heap's answer, precomputed
  // (empty when the range is too sparse for it: then a binary search).
  std::vector<uint64_t> span_pages_;
  void index_span_pages();
  // Interned "T" or "[N]T" of objects typed by a header or largeType.
  std::map<std::pair<const TypeLayout *, uint64_t>, memory::TypeId> object_types_;
  std::vector<std::pair<uint64_t, uint64_t>> type_ranges_;  // [types, etypes) of each module
  uint64_t rodata_ = 0;                                     // firstmoduledata.rodata: stack objects' masks
  std::vector<std::pair<uint64_t, uint64_t>> ptrs_;         // one object's pointers (offset, value)
  std::unordered_map<uint64_t, TypeLayout> types_;
  uint64_t conservative_types_ = 0, unreadable_types_ = 0, unreadable_objects_ = 0, unreadable_spans_ = 0;
  // Bounds on what damaged memory can make the walk do.
  uint64_t mask_bytes_budget_ = uint64_t(512) << 20;  // pointer masks kept for types
  uint64_t build_budget_ = uint64_t(1) << 24;         // steps of rebuilding on-demand masks
  uint64_t specials_budget_ = 0;                      // special records, set from the object count
};

bool HeapWalker::read_layout() {
  auto f = [&](std::string_view t, std::string_view p) { return field(exe_, t, p); };
  const binary::TypeInfo *mspan = exe_.type("runtime.mspan");
  span_size_ = mspan ? mspan->size : 0;
  sp_start_ = f("runtime.mspan", "startAddr");
  sp_npages_ = f("runtime.mspan", "npages");
  sp_freeindex_ = f("runtime.mspan", "freeindex");
  sp_nelems_ = f("runtime.mspan", "nelems");
  sp_alloc_bits_ = f("runtime.mspan", "allocBits");
  sp_alloc_count_ = f("runtime.mspan", "allocCount");
  sp_spanclass_ = f("runtime.mspan", "spanclass");
  sp_state_ = f("runtime.mspan", "state.s");
  sp_elemsize_ = f("runtime.mspan", "elemsize");
  sp_large_type_ = f("runtime.mspan", "largeType");
  sp_specials_ = f("runtime.mspan", "specials");
  special_next_ = f("runtime.special", "next");
  special_offset_ = f("runtime.special", "offset");
  special_kind_ = f("runtime.special", "kind");
  fin_fn_ = f("runtime.specialfinalizer", "fn");
  cleanup_fn_ = f("runtime.specialCleanup", "fn");
  weak_handle_ = f("runtime.specialWeakHandle", "handle");
  std::string tn = exe_.type("internal/abi.Type") ? "internal/abi.Type" : "runtime._type";
  if (const binary::TypeInfo *t = exe_.type(tn)) type_size_ = t->size;
  t_size_ = f(tn, "Size_");
  t_ptrbytes_ = f(tn, "PtrBytes");
  t_tflag_ = f(tn, "TFlag");
  t_kind_ = f(tn, "Kind_");
  t_gcdata_ = f(tn, "GCData");
  arr_elem_ = f("internal/abi.ArrayType", "Elem");
  arr_len_ = f("internal/abi.ArrayType", "Len");
  st_fields_ = f("internal/abi.StructType", "Fields");
  sf_typ_ = f("internal/abi.StructField", "Typ");
  sf_offset_ = f("internal/abi.StructField", "Offset");
  if (const binary::TypeInfo *t = exe_.type("internal/abi.StructField")) struct_field_size_ = t->size;
  auto md = [&](std::string_view p) { return f("runtime.moduledata", p); };
  md_data_ = md("data");
  md_edata_ = md("edata");
  md_bss_ = md("bss");
  md_ebss_ = md("ebss");
  md_gcdata_n_ = md("gcdatamask.n");
  md_gcdata_bits_ = md("gcdatamask.bytedata");
  md_gcbss_n_ = md("gcbssmask.n");
  md_gcbss_bits_ = md("gcbssmask.bytedata");
  md_types_ = md("types");
  md_etypes_ = md("etypes");
  md_rodata_ = md("rodata");
  md_next_ = md("next");
  if (auto v = exe_.constant("runtime.mSpanInUse")) span_in_use_ = *v;
  kind_finalizer_ = exe_.constant("runtime._KindSpecialFinalizer");
  kind_cleanup_ = exe_.constant("runtime._KindSpecialCleanup");
  kind_weak_ = exe_.constant("runtime._KindSpecialWeakHandle");
  kind_gcprog_ = exe_.constant("internal/abi.KindGCProg");
  if (!kind_gcprog_) kind_gcprog_ = exe_.constant("runtime.kindGCProg");
  tflag_on_demand_ = exe_.constant("internal/abi.TFlagGCMaskOnDemand");
  if (auto a = exe_.global_address("runtime.inProgress")) in_progress_ = *a + bias_;
  if (const binary::TypeInfo *t = exe_.type("runtime.spanInlineMarkBits")) {
    green_tea_dwarf_ = true;
    if (t->size) inline_mark_bits_ = t->size;
  }
  std::vector<std::string> missing;
  for (auto [name, fl] : {std::pair<const char *, const Field *>{"mspan.startAddr", &sp_start_},
                          {"mspan.npages", &sp_npages_},
                          {"mspan.freeindex", &sp_freeindex_},
                          {"mspan.nelems", &sp_nelems_},
                          {"mspan.allocBits", &sp_alloc_bits_},
                          {"mspan.spanclass", &sp_spanclass_},
                          {"mspan.state", &sp_state_},
                          {"mspan.elemsize", &sp_elemsize_}})
    if (!fl->ok) missing.push_back(name);
  if (!span_size_ || !missing.empty()) {
    std::string m;
    for (const std::string &x : missing) m += (m.empty() ? "" : ", ") + x;
    diags_.push_back({Severity::Warning, 0,
                      exe_.path() + ": the heap cannot be read: the executable's DWARF has no runtime.mspan" +
                          (m.empty() ? "" : " fields " + m)});
    return false;
  }
  if (!sp_large_type_.ok)
    note("runtime.mspan has no largeType (Go 1.21 or older): pointers are read only from small spans' heap bits");
  return true;
}

bool HeapWalker::read_spans() {
  auto mheap = exe_.global_address("runtime.mheap_");
  Field allspans = field(exe_, "runtime.mheap", "allspans");
  if (!mheap || !allspans.ok) {
    diags_.push_back({Severity::Warning, 0, exe_.path() + ": no runtime.mheap_.allspans; the heap cannot be read"});
    return false;
  }
  uint64_t at = *mheap + bias_ + allspans.at;
  auto ptr = mem_.u64(at), len = mem_.u64(at + 8);
  if (!ptr || !len) {
    diags_.push_back({Severity::Warning, 0, "runtime.mheap_.allspans at " + hex(at) + " is not in the core"});
    return false;
  }
  uint64_t n = *len;
  if (n > kMaxSpans) {
    note(llvm::formatv("mheap_.allspans has {0} entries; the first {1} are read", n, kMaxSpans).str());
    n = kMaxSpans;
  }
  st_.spans = n;
  std::vector<char> rec(span_size_);
  std::vector<uint64_t> chunk;
  const uint64_t kChunk = 8192;
  uint64_t gt_votes = 0, plain_votes = 0;
  for (uint64_t i = 0; i < n; i += kChunk) {
    uint64_t m = std::min(kChunk, n - i);
    chunk.resize(m);
    if (!mem_.read(*ptr + 8 * i, chunk.data(), m * 8)) {
      note(llvm::formatv("allspans[{0}..{1}] is not in the core (truncated?): those spans are not read", i, n).str());
      break;
    }
    for (uint64_t raw : chunk) {
      uint64_t sp = read64le(&raw);
      if (!sp) continue;
      if (!mem_.read(sp, rec.data(), rec.size())) {
        ++unreadable_spans_;
        continue;
      }
      if (int64_t(get(rec, sp_state_)) != span_in_use_) continue;
      Span s;
      s.start = get(rec, sp_start_);
      s.npages = get(rec, sp_npages_);
      s.elemsize = get(rec, sp_elemsize_);
      s.nelems = get(rec, sp_nelems_);
      s.freeindex = get(rec, sp_freeindex_);
      s.alloc_count = get(rec, sp_alloc_count_);
      s.alloc_bits = get(rec, sp_alloc_bits_);
      s.spanclass = uint8_t(get(rec, sp_spanclass_));
      s.large_type = get(rec, sp_large_type_);
      s.specials = get(rec, sp_specials_);
      // A damaged record: no span of a 64-bit heap looks like this.
      if (!s.start || s.start % kPageSize || !s.npages || s.npages > (uint64_t(1) << 27) || !s.elemsize || !s.nelems ||
          s.nelems > s.bytes() / 8 || s.elemsize * s.nelems > s.bytes() || s.start + s.bytes() < s.start ||
          (s.sizeclass() && s.npages > 64)) {  // size classes use at most 10 pages (sizeclasses.go)
        ++st_.skipped_spans;
        continue;
      }
      ++st_.in_use_spans;
      st_.alloc_count_objects += std::min(s.alloc_count, s.nelems);
      st_.alloc_count_bytes += std::min(s.alloc_count, s.nelems) * s.elemsize;
      heap_lo_ = std::min(heap_lo_, s.start);
      heap_hi_ = std::max(heap_hi_, s.end());
      // Green tea (mgcmark_greenteagc.go): spans of 16..512-byte objects
      // reserve inline mark bits at their end, and initSpan's nelems shows it.
      if (s.sizeclass() && s.elemsize >= 16 && s.elemsize <= 512) {
        uint64_t bits = s.noscan() ? 0 : s.bytes() / 64;
        uint64_t plain = (s.bytes() - bits) / s.elemsize, gt = (s.bytes() - bits - inline_mark_bits_) / s.elemsize;
        if (s.nelems == gt && gt != plain) ++gt_votes;
        if (s.nelems == plain && gt != plain) ++plain_votes;
      }
      spans_.push_back(s);
    }
  }
  st_.green_tea = gt_votes || plain_votes ? gt_votes > plain_votes : green_tea_dwarf_;
  if (gt_votes && plain_votes)
    note(llvm::formatv("spans disagree on inline mark bits ({0} with, {1} without)", gt_votes, plain_votes).str());
  if (unreadable_spans_)
    note(llvm::formatv("{0} mspan records are not in the core: their objects are missing", unreadable_spans_).str());
  if (st_.skipped_spans)
    note(llvm::formatv("{0} in-use spans have impossible fields and were skipped", st_.skipped_spans).str());
  std::sort(spans_.begin(), spans_.end(), [](const Span &a, const Span &b) { return a.start < b.start; });
  index_span_pages();
  return true;
}

// The pages where in_heap's binary search would find V inside the last span
// starting at or below it: each span's pages up to the next span's start.
void HeapWalker::index_span_pages() {
  span_pages_.clear();
  if (spans_.empty() || heap_hi_ <= heap_lo_) return;
  uint64_t pages = (heap_hi_ - heap_lo_ + kPageSize - 1) / kPageSize;
  if (pages > (uint64_t(1) << 28)) return;  // 32 MiB of bits: a range that sparse is damage
  span_pages_.assign((pages + 63) / 64, 0);
  for (size_t i = 0; i < spans_.size(); ++i) {
    uint64_t hi = spans_[i].end();
    if (i + 1 < spans_.size()) hi = std::min(hi, spans_[i + 1].start);
    for (uint64_t a = spans_[i].start; a < hi; a += kPageSize) {
      uint64_t p = (a - heap_lo_) / kPageSize;
      span_pages_[p / 64] |= uint64_t(1) << (p % 64);
    }
  }
}

bool HeapWalker::copy_mask(uint64_t from, uint64_t words, uint64_t bit, std::vector<uint8_t> &mask) {
  std::vector<uint8_t> src((words + 7) / 8);
  if (!src.empty() && !mem_.read(from, src.data(), src.size())) return false;
  for (uint64_t w = 0; w < words; ++w)
    if ((src[w / 8] >> (w % 8)) & 1) {
      uint64_t at = bit + w;
      if (at / 8 >= mask.size()) return false;
      mask[at / 8] |= uint8_t(1u << (at % 8));
    }
  return true;
}

// runtime.buildGCMask (Go 1.24+): types too large for a static mask are
// arrays and structs whose elements and fields have masks.
bool HeapWalker::build_mask(uint64_t type, uint64_t bit, std::vector<uint8_t> &mask, int depth, uint64_t &budget) {
  if (depth > 64 || budget == 0) return false;
  --budget;
  std::vector<char> rec(type_size_ ? type_size_ : 48);
  if (!mem_.read(type, rec.data(), rec.size())) return false;
  uint64_t ptrbytes = get(rec, t_ptrbytes_), tflag = get(rec, t_tflag_);
  if (!ptrbytes) return true;
  if (!(tflag & uint64_t(*tflag_on_demand_))) return copy_mask(get(rec, t_gcdata_), ptrbytes / 8, bit, mask);
  uint8_t kind = uint8_t(get(rec, t_kind_)) & kKindMask;
  if (kind == kKindArray && arr_elem_.ok && arr_len_.ok) {
    std::vector<char> arr(arr_len_.at + 8);
    if (!mem_.read(type, arr.data(), arr.size())) return false;
    uint64_t elem = get(arr, arr_elem_), n = get(arr, arr_len_);
    std::vector<char> erec(rec.size());
    if (!mem_.read(elem, erec.data(), erec.size())) return false;
    uint64_t esize = get(erec, t_size_);
    if (!esize || esize % 8 || n > mask.size() * 8) return false;
    for (uint64_t i = 0; i < n; ++i)
      if (!build_mask(elem, bit + i * (esize / 8), mask, depth + 1, budget)) return false;
    return true;
  }
  if (kind == kKindStruct && st_fields_.ok && sf_typ_.ok && sf_offset_.ok && struct_field_size_) {
    std::vector<char> srec(st_fields_.at + 24);
    if (!mem_.read(type, srec.data(), srec.size())) return false;
    uint64_t fields = read64le(srec.data() + st_fields_.at), n = read64le(srec.data() + st_fields_.at + 8);
    if (n > 1 << 20) return false;
    std::vector<char> fr(struct_field_size_);
    for (uint64_t i = 0; i < n; ++i) {
      if (!mem_.read(fields + i * struct_field_size_, fr.data(), fr.size())) return false;
      uint64_t ft = get(fr, sf_typ_), off = get(fr, sf_offset_);
      if (!build_mask(ft, bit + off / 8, mask, depth + 1, budget)) return false;
    }
    return true;
  }
  return false;
}

const TypeLayout &HeapWalker::type_layout(uint64_t type) {
  auto [it, added] = types_.try_emplace(type);
  TypeLayout &t = it->second;
  if (!added) return t;
  std::vector<char> rec(type_size_ ? type_size_ : 48);
  if (!type_size_ || !t_size_.ok || !t_ptrbytes_.ok || !mem_.read(type, rec.data(), rec.size())) {
    ++unreadable_types_;
    return t;
  }
  t.size = get(rec, t_size_);
  t.ptrbytes = get(rec, t_ptrbytes_);
  if (!t.size || t.ptrbytes > t.size || t.size > (uint64_t(1) << 40)) {
    ++unreadable_types_;
    t.size = t.ptrbytes = 0;
    return t;
  }
  t.ok = true;
  // Named as the DWARF names it (DW_AT_go_runtime_type: "internal/cpu.option",
  // the layout type propagation reads), else as the runtime does ("cpu.option").
  for (const auto &[lo, hi] : type_ranges_)
    if (type >= lo && type < hi) {
      if (const binary::TypeInfo *dt = exe_.type_by_runtime_offset(type - lo); dt && !dt->name.empty())
        t.name = dt->name;
      else
        t.name = values_.type_name(type);
      break;
    }
  uint64_t words = t.ptrbytes / 8, tflag = get(rec, t_tflag_), gcdata = get(rec, t_gcdata_);
  if (!words) return t;
  if ((words + 7) / 8 > std::min<uint64_t>(uint64_t(64) << 20, mask_bytes_budget_)) {
    t.conservative = true;
    ++conservative_types_;
    return t;
  }
  t.mask.assign((words + 7) / 8, 0);
  mask_bytes_budget_ -= t.mask.size();
  bool ok;
  if (kind_gcprog_ && (get(rec, t_kind_) & uint64_t(*kind_gcprog_))) {
    ok = false;  // a GC program (Go <= 1.23): the runtime unrolls those before a heap object uses them
  } else if (tflag_on_demand_ && (tflag & uint64_t(*tflag_on_demand_))) {
    // GCData points to a slot that holds the mask once the runtime built it.
    auto built = mem_.u64(gcdata);
    if (built && *built && *built != in_progress_) {
      ok = copy_mask(*built, words, 0, t.mask);
    } else {
      ok = build_mask(type, 0, t.mask, 0, build_budget_);
    }
  } else {
    ok = copy_mask(gcdata, words, 0, t.mask);
  }
  if (!ok) {
    t.conservative = true;
    t.mask.clear();
    ++conservative_types_;
  }
  return t;
}

// Calls SINK(offset in object, value) for each pointer-typed word of the
// object at OBJ holding a heap address (typePointersOfUnchecked).
template <class Sink>
void HeapWalker::object_pointers(const Span &s, const std::vector<uint8_t> &heap_bits, uint64_t obj, Sink &&sink,
                                 const TypeLayout **type_out) {
  if (s.noscan()) return;
  if (s.sizeclass() && s.elemsize <= 512) {
    if (heap_bits.empty()) return;
    uint64_t w0 = (obj - s.start) / 8, n = s.elemsize / 8;
    for (uint64_t w = 0; w < n; ++w) {
      uint64_t bw = w0 + w;
      if (bw / 8 >= heap_bits.size()) break;
      if (!((heap_bits[bw / 8] >> (bw % 8)) & 1)) continue;
      auto v = words_.word(obj + 8 * w);
      if (!v) {
        ++unreadable_objects_;
        return;
      }
      if (in_heap(*v)) sink(8 * w, *v);
    }
    return;
  }
  uint64_t type, data = obj, limit = obj + s.elemsize;
  if (s.sizeclass()) {
    auto h = words_.word(obj);  // the malloc header
    if (!h) {
      ++unreadable_objects_;
      return;
    }
    type = *h;
    data = obj + 8;  // mallocHeaderSize
  } else {
    type = s.large_type;
  }
  if (!type) return;
  const TypeLayout &t = type_layout(type);
  if (type_out) *type_out = &t;
  if (!t.ok || !t.ptrbytes) return;
  if (t.size > limit - data) {  // a type larger than its slot is not the object's: a damaged header
    ++unreadable_objects_;
    return;
  }
  for (uint64_t elem = data; elem < limit; elem += t.size) {
    for (uint64_t w = 0; w < t.ptrbytes / 8; ++w) {
      uint64_t at = elem + 8 * w;
      if (at + 8 > limit) return;
      if (!t.bit(w)) continue;
      auto v = words_.word(at);
      if (!v) {
        ++unreadable_objects_;
        return;
      }
      if (in_heap(*v)) sink(at - obj, *v);
    }
  }
}

void HeapWalker::walk_objects() {
  std::vector<uint8_t> alloc_bits, heap_bits;
  uint64_t no_alloc_bits = 0;
  // Each object has at most a few specials (finalizer, profile, weak handle, ...).
  for (const Span &s : spans_) specials_budget_ += 4 * s.nelems + 16;
  b_.reserve(size_t(std::min<uint64_t>(st_.alloc_count_objects, uint64_t(1) << 26)));
  for (const Span &s : spans_) {
    uint64_t n = s.nelems;
    alloc_bits.assign((n + 7) / 8, 0);
    bool have_bits = s.alloc_bits && mem_.read(s.alloc_bits, alloc_bits.data(), alloc_bits.size());
    if (!have_bits) ++no_alloc_bits;
    heap_bits.clear();
    if (!s.noscan() && s.sizeclass() && s.elemsize <= 512) {
      // spanHeapBitsRange: one bit per word of the span, at its end, before
      // the inline mark bits of green-tea spans.
      uint64_t size = s.bytes() / 64, base = s.end() - size;
      if (st_.green_tea && s.elemsize >= 16) base -= inline_mark_bits_;
      heap_bits.resize(size);
      if (!mem_.read(base, heap_bits.data(), size)) {
        heap_bits.clear();
        ++unreadable_objects_;
      }
    }
    uint64_t freeindex = std::min(s.freeindex, n);
    for (uint64_t i = 0; i < n; ++i) {
      bool allocated = i < freeindex || (have_bits && ((alloc_bits[i / 8] >> (i % 8)) & 1));
      if (!allocated) continue;
      uint64_t obj = s.start + i * s.elemsize;
      const TypeLayout *type = nullptr;
      ptrs_.clear();
      object_pointers(s, heap_bits, obj, [&](uint64_t off, uint64_t v) { ptrs_.emplace_back(off, v); }, &type);
      // A malloc header or largeType names the element type: a slot with
      // room for two or more is an array of them (size classes round up by
      // at most an eighth, pages by less than a page): "[N]T" with N the
      // elements that fit. Interned once per type and count.
      memory::TypeId tid = 0;
      bool typed = type && !type->name.empty();
      if (typed) {
        uint64_t n = 1;
        if (type->ok && type->size) n = std::max<uint64_t>((s.elemsize - (s.sizeclass() ? 8 : 0)) / type->size, 1);
        auto [it, added] = object_types_.try_emplace({type, n}, 0);
        if (added) it->second = b_.intern_type(n > 1 ? "[" + std::to_string(n) + "]" + type->name : type->name);
        tid = it->second;
      }
      memory::ObjectId id = b_.add_object(obj, s.elemsize, tid);
      ++st_.objects;
      st_.bytes += s.elemsize;
      if (!s.sizeclass()) ++st_.large_objects;
      if (typed) ++st_.typed_objects;
      for (auto [off, v] : ptrs_) b_.add_pointer(id, off, v);
      st_.pointers += ptrs_.size();
    }
    if (s.specials) walk_specials(s, heap_bits);
  }
  if (no_alloc_bits)
    note(llvm::formatv("{0} spans' allocBits are not in the core: only their objects below freeindex are counted",
                       no_alloc_bits)
             .str());
  if (unreadable_objects_)
    note(llvm::formatv("{0} objects or heap bitmaps are not in the core: their pointers are missing",
                       unreadable_objects_)
             .str());
  if (conservative_types_)
    note(llvm::formatv("{0} types' pointer masks could not be read: their objects are scanned conservatively",
                       conservative_types_)
             .str());
  if (unreadable_types_)
    note(
        llvm::formatv("{0} type descriptors of malloc headers or large spans are unreadable", unreadable_types_).str());
}

std::string HeapWalker::func_name_of_funcval(uint64_t fv) {
  auto code = fv ? mem_.u64(fv) : std::nullopt;
  const binary::Func *fn = code ? exe_.func_at(*code - bias_) : nullptr;
  return fn ? binary::print_name(fn->name) : "";
}

// markrootSpans: a finalizer keeps what its object points to (not the object
// itself) and its closure; a cleanup its closure; a weak handle its handle.
void HeapWalker::walk_specials(const Span &s, const std::vector<uint8_t> &heap_bits) {
  if (!special_next_.ok || !special_kind_.ok || !special_offset_.ok) return;
  std::vector<char> rec(std::max<uint64_t>(std::max({fin_fn_.at, cleanup_fn_.at, weak_handle_.at}) + 8, 24));
  uint64_t sp = s.specials;
  for (uint64_t k = 0; sp && k < kMaxSpecialsPerSpan && specials_budget_; ++k, --specials_budget_) {
    if (!mem_.read(sp, rec.data(), rec.size())) {
      note("a special record at " + hex(sp) + " is not in the core");
      return;
    }
    uint64_t kind = get(rec, special_kind_), off = get(rec, special_offset_);
    uint64_t obj = s.start + off / s.elemsize * s.elemsize;
    memory::Root r;
    r.base = obj;
    auto add = [&](const std::string &what, uint64_t fnptr) {
      std::string fname = func_name_of_funcval(fnptr);
      r.info.name = what + " " + (fname.empty() ? "" : fname + " ") + "on " + hex(s.start + off);
      uint32_t ri = b_.add_root(r);
      if (in_heap(fnptr)) b_.add_root_pointer(ri, obj, fnptr);
      return ri;
    };
    if (kind_finalizer_ && int64_t(kind) == *kind_finalizer_ && fin_fn_.ok) {
      r.info.kind = MemoryRootKind::Finalizer;
      uint32_t ri = add("finalizer", get(rec, fin_fn_));
      object_pointers(s, heap_bits, obj, [&](uint64_t o, uint64_t v) { b_.add_root_pointer(ri, obj + o, v); }, nullptr);
      ++st_.finalizers;
    } else if (kind_cleanup_ && int64_t(kind) == *kind_cleanup_ && cleanup_fn_.ok) {
      r.info.kind = MemoryRootKind::Finalizer;
      add("cleanup", get(rec, cleanup_fn_));
      ++st_.cleanups;
    } else if (kind_weak_ && int64_t(kind) == *kind_weak_ && weak_handle_.ok) {
      r.info.kind = MemoryRootKind::Other;
      r.info.name = "weak handle of " + hex(s.start + off);
      uint32_t ri = b_.add_root(r);
      uint64_t h = get(rec, weak_handle_);
      if (in_heap(h)) b_.add_root_pointer(ri, obj, h);
      ++st_.weak_handles;
    }
    sp = get(rec, special_next_);
  }
}

// markrootBlock over data and bss with the module's pointer masks; each
// slot is named by the DWARF variable covering it, else its ELF symbol.
void HeapWalker::global_roots() {
  auto first = exe_.global_address("runtime.firstmoduledata");
  if (!first || !md_data_.ok) {
    note("no runtime.firstmoduledata: globals are not roots");
    return;
  }
  const binary::TypeInfo *mdt = exe_.type("runtime.moduledata");
  std::vector<char> md(mdt ? mdt->size : 0);
  uint64_t mdp = *first + bias_;
  int modules = 0;
  struct Last {
    uint64_t lo = 0, hi = 0;
    uint32_t root = 0;
  } last;
  while (mdp && modules++ < 64) {
    if (md.empty() || !mem_.read(mdp, md.data(), md.size())) {
      note("moduledata at " + hex(mdp) + " is not in the core: its globals are not roots");
      return;
    }
    type_ranges_.emplace_back(get(md, md_types_), get(md, md_etypes_));
    if (modules == 1) rodata_ = get(md, md_rodata_);
    struct Section {
      const char *what;
      uint64_t lo, hi, nbits, bits;
    };
    for (const Section &sec :
         {Section{"data", get(md, md_data_), get(md, md_edata_), get(md, md_gcdata_n_), get(md, md_gcdata_bits_)},
          Section{"bss", get(md, md_bss_), get(md, md_ebss_), get(md, md_gcbss_n_), get(md, md_gcbss_bits_)}}) {
      if (sec.hi <= sec.lo || sec.hi - sec.lo > (uint64_t(1) << 30)) continue;
      uint64_t words = std::min<uint64_t>((sec.hi - sec.lo) / 8, uint32_t(sec.nbits));
      std::vector<uint8_t> mask((words + 7) / 8);
      if (!mask.empty() && !mem_.read(sec.bits, mask.data(), mask.size())) {
        note(std::string("the ") + sec.what + " pointer mask at " + hex(sec.bits) + " is unreadable");
        continue;
      }
      uint64_t unreadable = 0;
      for (uint64_t w = 0; w < words; ++w) {
        if (!((mask[w / 8] >> (w % 8)) & 1)) continue;
        uint64_t slot = sec.lo + 8 * w;
        auto v = words_.word(slot);
        if (!v) {
          ++unreadable;
          continue;
        }
        if (!in_heap(*v)) continue;
        ++st_.global_slots;
        if (!(slot >= last.lo && slot < last.hi)) {
          memory::Root r;
          r.info.kind = MemoryRootKind::Global;
          uint64_t link = slot - bias_;
          if (const binary::GlobalVariable *g = exe_.global_at(link)) {
            r.info.name = r.info.variable = g->name;
            r.info.type = g->type;
            r.base = g->addr + bias_;
            last.hi = r.base + std::max<uint64_t>(g->size, 8);
          } else if (auto sym = exe_.symbol_at(link)) {
            r.info.name = sym->first;
            r.base = sym->second + bias_;
            last.hi = slot + 8;  // the symbol's size is not at hand: look it up again
          } else {
            r.info.name = std::string(sec.what) + " " + hex(slot);
            r.base = slot;
            last.hi = slot + 8;
          }
          last.lo = r.base;
          last.root = b_.add_root(r);
        }
        b_.add_root_pointer(last.root, slot, *v);
      }
      if (unreadable) note(llvm::formatv("{0} pointer slots of {1} are not in the core", unreadable, sec.what).str());
    }
    mdp = get(md, md_next_);
  }
}

// The finalizer queue (runtime.allfin): objects whose finalizers are due,
// with their closures (markroot fixedRootFinalizers).
void HeapWalker::finalizer_queue() {
  auto allfin = exe_.global_address("runtime.allfin");
  const char *block = exe_.type("runtime.finBlock") ? "runtime.finBlock" : "runtime.finblock";
  Field alllink = field(exe_, block, "alllink"), cnt = field(exe_, block, "cnt"), fin = field(exe_, block, "fin");
  Field ffn = field(exe_, "runtime.finalizer", "fn"), farg = field(exe_, "runtime.finalizer", "arg");
  const binary::TypeInfo *ft = exe_.type("runtime.finalizer");
  if (!allfin || !alllink.ok || !cnt.ok || !fin.ok || !ffn.ok || !farg.ok || !ft || !ft->size) return;
  // A block holds a fixed array of records: cnt beyond it is damage.
  uint64_t capacity = 1 << 12;
  if (const binary::TypeInfo *bt = exe_.type(block))
    if (const binary::TypeField *ff = bt->field("fin"))
      if (const binary::TypeInfo *at = exe_.type(ff->type); at && at->count) capacity = at->count;
  auto fb = mem_.u64(*allfin + bias_);
  uint32_t root = 0;
  bool have_root = false;
  for (int blocks = 0; fb && *fb && blocks < 1 << 16; ++blocks) {
    auto n = mem_.u32(*fb + cnt.at);
    if (!n) break;
    for (uint64_t i = 0; i < std::min<uint64_t>(*n, capacity); ++i) {
      uint64_t rec = *fb + fin.at + i * ft->size;
      for (const Field *f : {&ffn, &farg}) {
        auto v = mem_.u64(rec + f->at);
        if (!v || !in_heap(*v)) continue;
        if (!have_root) {
          memory::Root r;
          r.info.kind = MemoryRootKind::Other;
          r.info.name = "finalizer queue";
          root = b_.add_root(r);
          have_root = true;
        }
        b_.add_root_pointer(root, rec + f->at, *v);
        ++st_.queued_finalizers;
      }
    }
    fb = mem_.u64(*fb + alllink.at);
  }
}

// scanframeworker and getStackMap (runtime/mgcmark.go, stkframe.go).
void HeapWalker::stack_roots(const GoroutineFrames &g) {
  constexpr size_t kLocals = 1, kArgs = 0, kStackObjects = 2;  // FUNCDATA_*
  constexpr size_t kPcdataStackMapIndex = 1;
  constexpr int32_t kArgsSizeUnknown = INT32_MIN;
  bool conservative_next = false;
  std::string gname = "goroutine " + std::to_string(g.goid) + ": ";
  for (size_t i = 0; i < g.frames.size(); ++i) {
    const PhysicalFrame &f = g.frames[i];
    const PhysicalFrame *callee = i ? &g.frames[i - 1] : nullptr;
    if (!f.fn || f.fp <= f.sp) continue;
    if (g.stack_hi && (f.sp < g.stack_lo || f.sp >= g.stack_hi)) continue;
    const binary::Func &fn = *f.fn;
    bool injected = fn.name == "runtime.asyncPreempt" || fn.name == "runtime.debugCallV2";
    bool conservative = injected || conservative_next;
    conservative_next = injected;
    uint64_t continpc = f.pc;
    if (!conservative && callee && callee->fn && callee->fn->name == "runtime.sigpanic") {
      // A fault: the frame continues only at its deferreturn, if any.
      continpc = fn.deferreturn ? fn.entry + bias_ + fn.deferreturn + 1 : 0;
    } else if (!conservative && f.trap) {
      conservative = true;  // stopped by a signal between safe points
    }
    if (!conservative && !continpc) {
      ++st_.dead_frames;
      continue;
    }
    uint64_t varp = arch_.varp(f.sp, f.fp), argp = arch_.argp(f.fp);
    std::string fname = binary::print_name(fn.name);
    uint64_t lookup_pc = (continpc ? continpc : f.pc) - bias_;
    if (!f.trap && lookup_pc > fn.entry) --lookup_pc;
    std::vector<binary::FrameVariable> vars = exe_.frame_variables(lookup_pc);
    // A stack object without a DWARF name (a slice's backing array the
    // compiler kept on the stack) is named by the frame variable pointing
    // into it, as the runtime reaches it (stackScanState.findObject).
    struct Owner {
      uint64_t lo = 0, hi = 0;
      const binary::FrameVariable *var = nullptr;
    } owner;
    auto emit = [&](uint64_t slot, uint64_t v) {
      ++st_.stack_slots;
      memory::Root r;
      r.info.kind = MemoryRootKind::Stack;
      r.info.goroutine = g.goid;
      r.info.function = fname;
      int64_t cfa_off = int64_t(slot - f.fp);
      const binary::FrameVariable *var = nullptr;
      for (const binary::FrameVariable &fv : vars)
        if (cfa_off >= fv.cfa_offset && cfa_off < fv.cfa_offset + int64_t(fv.size)) {
          var = &fv;
          break;
        }
      if (!var && owner.var && slot >= owner.lo && slot < owner.hi) {
        r.info.variable = owner.var->name;
        r.info.type = owner.var->type;
        r.info.name = gname + fname + ": " + owner.var->name;
        r.base = owner.lo;
      } else if (var) {
        r.info.variable = var->name;
        r.info.type = var->type;
        r.info.name = gname + fname + ": " + var->name;
        r.base = f.fp + uint64_t(var->cfa_offset) - var->var_offset;
      } else {
        r.info.name = gname + fname + ": sp+" + hex(slot - f.sp);
        r.base = slot;
      }
      b_.add_root_pointer(b_.add_root(r), slot, v);
    };
    auto scan_words = [&](uint64_t lo, uint64_t n, const std::vector<uint8_t> *bits) {
      for (uint64_t w = 0; w < n; ++w) {
        if (bits && !(w / 8 < bits->size() && ((*bits)[w / 8] >> (w % 8)) & 1)) continue;
        auto v = words_.word(lo + 8 * w);
        if (v && in_heap(*v)) emit(lo + 8 * w, *v);
      }
    };
    if (conservative) {
      ++st_.conservative_frames;
      if (varp > f.sp) scan_words(f.sp, (varp - f.sp) / 8, nullptr);
      if (fn.args > 0) scan_words(argp, uint64_t(fn.args) / 8, nullptr);
      continue;
    }
    ++st_.precise_frames;
    uint64_t target = continpc - bias_;
    int32_t index = -1;
    if (target != fn.entry) {
      --target;
      if (fn.pcdata.size() > kPcdataStackMapIndex)
        index = exe_.pc_value(fn, fn.pcdata[kPcdataStackMapIndex], target).value_or(-1);
    }
    if (index < 0) index = 0;
    // A stackmap: {n int32, nbit int32, bytedata}, map i at bytedata + i*((nbit+7)/8).
    auto stack_map = [&](size_t which, std::vector<uint8_t> &bits) -> int64_t {
      uint64_t sm = fn.funcdata.size() > which ? fn.funcdata[which] : 0;
      int32_t hdr[2];
      if (!sm || !exe_.read(sm, hdr, 8)) return -1;
      int32_t n = int32_t(read32le(&hdr[0])), nbit = int32_t(read32le(&hdr[1]));
      if (n <= 0 || nbit <= 0 || index >= n || nbit > (1 << 24)) return nbit == 0 ? 0 : -1;
      uint64_t bytes = (uint64_t(nbit) + 7) / 8;
      bits.resize(bytes);
      if (!exe_.read(sm + 8 + uint64_t(index) * bytes, bits.data(), bytes)) return -1;
      return nbit;
    };
    std::vector<uint8_t> bits;
    if (varp > f.sp) {
      int64_t nbit = stack_map(kLocals, bits);
      if (nbit > 0) scan_words(varp - uint64_t(nbit) * 8, uint64_t(nbit), &bits);
    }
    if (fn.args != kArgsSizeUnknown && fn.args >= 8) {
      int64_t nbit = stack_map(kArgs, bits);
      if (nbit > 0) scan_words(argp, uint64_t(nbit), &bits);
    }
    // Stack objects: {off int32, size int32, ptrdata int32, gcdataoff uint32},
    // the mask at moduledata.rodata + gcdataoff; all of them are taken as
    // live (the runtime keeps those a live slot points to).
    uint64_t so = fn.funcdata.size() > kStackObjects ? fn.funcdata[kStackObjects] : 0;
    uint64_t count = 0;
    if (so && exe_.read(so, &count, 8) && count && count < 4096) {
      for (uint64_t k = 0; k < count; ++k) {
        int32_t r[4];
        if (!exe_.read(so + 8 + 16 * k, r, 16)) break;
        int32_t off = int32_t(read32le(&r[0])), size = int32_t(read32le(&r[1])), ptrdata = int32_t(read32le(&r[2]));
        uint32_t gcoff = read32le(&r[3]);
        uint64_t base = (off < 0 ? varp : argp) + uint64_t(int64_t(off));
        if (base < f.sp || size <= 0) continue;
        owner = {base, base + uint64_t(size), nullptr};
        for (const binary::FrameVariable &fv : vars) {
          if (fv.size < 8 || fv.cfa_offset % 8) continue;
          uint64_t at = f.fp + uint64_t(fv.cfa_offset);
          if (at >= owner.lo && at < owner.hi) continue;  // the object itself
          auto p = words_.word(at);
          if (p && *p >= owner.lo && *p < owner.hi) {
            owner.var = &fv;
            break;
          }
        }
        if (ptrdata < 0) {  // a GC program (Go <= 1.23)
          scan_words(base, uint64_t(size) / 8, nullptr);
          continue;
        }
        std::vector<uint8_t> m((uint64_t(ptrdata) / 8 + 7) / 8);
        if (!rodata_ || !mem_.read(rodata_ + gcoff, m.data(), m.size())) {
          scan_words(base, uint64_t(ptrdata) / 8, nullptr);
          continue;
        }
        scan_words(base, uint64_t(ptrdata) / 8, &m);
      }
    }
  }
}

HeapWalkStats HeapWalker::run(const std::vector<GoroutineFrames> &stacks) {
  memory::PhaseTimer timer("heap walk");
  if (!read_layout() || !read_spans()) return st_;
  timer.lap("spans");
  global_roots();  // also the type ranges that name types
  timer.lap("globals");
  walk_objects();
  timer.lap("objects");
  for (const GoroutineFrames &g : stacks) stack_roots(g);
  finalizer_queue();
  timer.lap("stacks, finalizers");
  if (st_.conservative_frames)
    note(llvm::formatv("{0} stack frames stopped between safe points (a signal, an async preemption) were "
                       "scanned conservatively",
                       st_.conservative_frames)
             .str());
  return st_;
}

}  // namespace

HeapWalkStats read_heap_graph(const Memory &mem, const binary::Executable &exe, const RuntimeLayout &layout,
                              const std::vector<GoroutineFrames> &stacks, memory::HeapGraphBuilder &builder,
                              std::vector<Diagnostic> &diags) {
  HeapWalker w(mem, exe, layout, builder, diags);
  return w.run(stacks);
}

HeapWalkStats read_heap_totals(const Memory &mem, const binary::Executable &exe, const RuntimeLayout &layout,
                               std::vector<Diagnostic> &diags) {
  memory::HeapGraphBuilder unused;
  HeapWalker w(mem, exe, layout, unused, diags);
  return w.totals();
}

}  // namespace crashctl::core
