// Type propagation over the object graph (formats/memory.md, "Types").
//
// Layouts are the executable's DWARF types (binary::GoProgram::type), which
// Go's linker extends with types it synthesizes for maps and channels
// (cmd/link/internal/ld/dwarf.go): synthesizemaptypesOld (Go <= 1.23:
// hash<K,V> with buckets *bucket<K,V>, whose keys [8]K, values [8]V and
// overflow *bucket<K,V> are typed), synthesizemaptypesSwiss (Go 1.24+:
// map<K,V> whose dirPtr is **table<K,V>, table<K,V> whose groups is a
// groupReference<K,V> with data *group), synthesizechantypes (hchan<T>, whose
// buf stays an unsafe.Pointer: its elements are T). A map or chan typedef's
// DW_AT_type is the pointer to those.
#include "memory/types.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

namespace crashctl::memory {

namespace {

using binary::TypeInfo;

// reflect.Kind, as DW_AT_go_kind records it.
enum Kind : uint8_t {
  kArray = 17,
  kChan = 18,
  kFunc = 19,
  kInterface = 20,
  kMap = 21,
  kPointer = 22,
  kSlice = 23,
  kString = 24,
  kStruct = 25,
  kUnsafePointer = 26
};

constexpr uint64_t kMaxSmallObject = 32768;  // _MaxSmallSize: larger objects have a span (and largeType) of their own
constexpr uint64_t kMinHeaderObject = 512;   // minSizeForMallocHeader: smaller ones use the span's heap bits

// What a pointer-sized word at some offset of a type is.
enum class LeafKind : uint8_t {
  None,
  Pointer,     // *T: to = T
  SliceData,   // a slice's array: to = element, aux = cap's offset from the pointer
  StringData,  // a string's bytes
  Chan,        // a chan value: to = hchan<T>
  ChanBuf,     // hchan<T>.buf: to = T, aux = dataqsiz's offset from buf
  MapDir,      // Swiss Map.dirPtr: to = *table<K,V>, alt = the group, aux = dirLen's offset from dirPtr
  IfaceData,   // an interface's data word: aux = -8 (its type word); eface or iface
  Groups,      // an array of N T at its start: to = T, N from the word at aux (mode)
};

// How a count word gives an array's length.
enum class CountMode : uint8_t {
  Word,     // the word: a slice's cap, hchan.dataqsiz
  PlusOne,  // the word + 1: groupReference.lengthMask
  Shift,    // 1 << its low byte: hmap.B
};

struct Leaf {
  LeafKind kind = LeafKind::None;
  bool eface = false;
  CountMode mode = CountMode::Word;
  int64_t aux = 0;
  const TypeInfo *to = nullptr, *alt = nullptr;
};

std::string strip_star(const std::string &s) {
  return !s.empty() && s[0] == '*' ? s.substr(1) : s;
}

// "[N]T" -> N and T; else 0 and the name.
std::pair<uint64_t, std::string> split_array(const std::string &name) {
  if (name.size() < 4 || name[0] != '[') return {0, name};
  size_t close = name.find(']');
  if (close == std::string::npos || close == 1) return {0, name};
  uint64_t n = 0;
  for (size_t i = 1; i < close; ++i) {
    if (name[i] < '0' || name[i] > '9' || n > (uint64_t(1) << 40)) return {0, name};
    n = n * 10 + uint64_t(name[i] - '0');
  }
  return {n, name.substr(close + 1)};
}

class Propagator {
public:
  Propagator(HeapGraph &g, const TypeSource &src) : g_(g), src_(src), layout_(g.object_count(), 0) {
    layouts_.push_back({nullptr, 0});
    const binary::GoProgram &p = *src.program;
    for (auto [t, f] : {std::pair<const char *, const char *>{"internal/abi.ITab", "Type"}, {"runtime.itab", "_type"}})
      if (const TypeInfo *it = p.type(t))
        if (const binary::TypeField *tf = it->field(f)) {
          itab_type_off_ = int64_t(tf->offset);
          break;
        }
  }

  TypeStats run();

private:
  struct Layout {
    const TypeInfo *elem;
    uint32_t base;
  };

  const TypeInfo *type(const std::string &name) {
    if (name.empty()) return nullptr;
    return src_.program->type(name);
  }
  // A typedef that is not a map, chan or interface stands for its target.
  const TypeInfo *resolve(const TypeInfo *t) {
    for (int i = 0; t && i < 8 && t->tag == llvm::dwarf::DW_TAG_typedef; ++i) {
      if (t->go_kind == kMap || t->go_kind == kChan || t->go_kind == kInterface) return t;
      t = type(t->target);
    }
    return t;
  }
  bool has_pointers(const TypeInfo *t, int depth = 0);
  // The interned name of ELEM, or of [COUNT]ELEM: built once per pair, not
  // once per object (20 million objects are typed).
  TypeId type_id(const TypeInfo *elem, uint64_t count) {
    if (elem == last_id_.elem && count == last_id_.count) return last_id_.id;  // runs of the same type
    auto [it, added] = type_ids_.try_emplace({elem, count}, 0);
    if (added) it->second = g_.intern_type(count > 1 ? "[" + std::to_string(count) + "]" + elem->name : elem->name);
    last_id_ = {elem, count, it->second};
    return it->second;
  }
  Leaf leaf_at(const TypeInfo *t, uint64_t off);
  Leaf leaf_uncached(const TypeInfo *t, uint64_t off);
  Leaf leaf_walk(const TypeInfo *t, uint64_t off, int depth);
  uint32_t header(ObjectId o, const TypeInfo *elem) {
    uint64_t s = g_.size(o);
    return src_.malloc_headers && s > kMinHeaderObject && s <= kMaxSmallObject && has_pointers(elem) ? 8 : 0;
  }
  std::optional<uint64_t> word(uint64_t addr) {
    if (!src_.word) return std::nullopt;
    return src_.word(addr);
  }
  // Types O as ELEM from BASE: COUNT of them ("[COUNT]ELEM"; exact, from a
  // count the program keeps), or as many as its slot holds when 0.
  void assign(ObjectId o, const TypeInfo *elem, uint64_t count, uint32_t base, bool single = false);
  void assign_named(ObjectId o, const std::string &name);
  void give_layout(ObjectId o, const TypeInfo *elem, uint32_t base);
  // The pointer word at ADDR, of kind LEAF, points at TARGET + TO_OFF.
  void apply(const Leaf &leaf, uint64_t addr, ObjectId source, ObjectId target, uint32_t to_off, int depth = 0);
  void pointer_to(const TypeInfo *t, ObjectId target, uint32_t to_off, bool single = false);
  void scan(ObjectId o);

  HeapGraph &g_;
  const TypeSource &src_;
  std::vector<uint32_t> layout_;  // per object: index into layouts_ (0 none) and the flags below
  // Per object, with its layout: its array length came from the program
  // (not the slot), and it was typed by the decoder. One word, not three
  // arrays: a pointer's target costs one cache line less.
  static constexpr uint32_t kExact = 1u << 31, kDecoderTyped = 1u << 30, kLayout = kDecoderTyped - 1;
  uint32_t layout_of(ObjectId o) const { return layout_[o] & kLayout; }
  bool exact(ObjectId o) const { return layout_[o] & kExact; }
  bool decoder_typed(ObjectId o) const { return layout_[o] & kDecoderTyped; }
  void set_flag(ObjectId o, uint32_t flag, bool on) { layout_[o] = on ? layout_[o] | flag : layout_[o] & ~flag; }
  void set_layout(ObjectId o, uint32_t l) { layout_[o] = (layout_[o] & ~kLayout) | l; }
  std::vector<Layout> layouts_;
  std::unordered_map<uint64_t, uint32_t> layout_ids_;
  std::unordered_map<const TypeInfo *, bool> pointers_;
  struct {
    const TypeInfo *t = nullptr;
    bool p = false;
  } last_pointers_;
  struct LeafKey {
    const TypeInfo *t;
    uint64_t off;
    bool operator==(const LeafKey &o) const { return t == o.t && off == o.off; }
  };
  struct LeafHash {
    size_t operator()(const LeafKey &k) const {
      return std::hash<const void *>()(k.t) * 31 + std::hash<uint64_t>()(k.off);
    }
  };
  std::unordered_map<LeafKey, Leaf, LeafHash> leaves_;
  struct LeafSlot {
    const TypeInfo *t = nullptr;
    uint64_t off = 0;
    Leaf leaf;
  };
  static constexpr size_t kLeafCache = 1024;
  std::vector<LeafSlot> leaf_cache_ = std::vector<LeafSlot>(kLeafCache);
  std::map<std::pair<const TypeInfo *, uint64_t>, TypeId> type_ids_;
  struct {
    const TypeInfo *elem = nullptr;
    uint64_t count = 0;
    TypeId id = 0;
  } last_id_;
  std::deque<ObjectId> queue_;
  int64_t itab_type_off_ = 8;
  TypeStats st_;
};

bool Propagator::has_pointers(const TypeInfo *t, int depth) {
  // Most calls ask about the type of the previous one (a run of objects of
  // one type), before the typedefs are resolved.
  if (depth == 0 && t == last_pointers_.t && t) return last_pointers_.p;
  const TypeInfo *asked = t;
  t = resolve(t);
  if (!t || depth > 32) return false;
  auto it = pointers_.find(t);
  if (it != pointers_.end()) {
    if (depth == 0) last_pointers_ = {asked, it->second};
    return it->second;
  }
  bool p = false;
  if (t->tag == llvm::dwarf::DW_TAG_pointer_type) {
    p = true;
  } else {
    switch (t->go_kind) {
      case kChan:
      case kFunc:
      case kInterface:
      case kMap:
      case kPointer:
      case kSlice:
      case kString:
      case kUnsafePointer: p = true; break;
      default:
        if (t->tag == llvm::dwarf::DW_TAG_array_type) {
          p = t->count && has_pointers(type(t->elem), depth + 1);
        } else {
          for (const binary::TypeField &f : t->fields)
            if ((p = has_pointers(type(f.type), depth + 1))) break;
        }
    }
  }
  pointers_[t] = p;
  if (depth == 0) last_pointers_ = {asked, p};
  return p;
}

Leaf Propagator::leaf_at(const TypeInfo *t, uint64_t off) {
  // A direct-mapped cache in front of the map: scans ask about the few
  // offsets of a few types, one pointer after another.
  LeafSlot &slot = leaf_cache_[((uintptr_t(t) >> 4) * 31 + (off >> 3)) % kLeafCache];
  if (slot.t == t && slot.off == off) return slot.leaf;
  Leaf l = leaf_uncached(t, off);
  slot = {t, off, l};
  return l;
}

Leaf Propagator::leaf_uncached(const TypeInfo *t, uint64_t off) {
  LeafKey k{t, off};
  auto it = leaves_.find(k);
  if (it != leaves_.end()) return it->second;
  Leaf l = leaf_walk(t, off, 0);
  if (leaves_.size() < (1u << 22)) leaves_.emplace(k, l);
  return l;
}

Leaf Propagator::leaf_walk(const TypeInfo *t, uint64_t off, int depth) {
  t = resolve(t);
  Leaf l;
  if (!t || depth > 32 || off >= std::max<uint64_t>(t->size, 8)) return l;
  if (t->go_kind == kMap || t->go_kind == kChan) {
    // A typedef of *map<K,V> (Swiss), *hash<K,V> (old) or *hchan<T>.
    if (off != 0) return l;
    l.kind = t->go_kind == kMap ? LeafKind::Pointer : LeafKind::Chan;
    l.to = type(strip_star(t->target));
    if (!l.to) l.kind = LeafKind::None;
    return l;
  }
  if (t->go_kind == kInterface) {
    if (off != 8) return l;
    l.kind = LeafKind::IfaceData;
    l.eface = t->target.find("eface") != std::string::npos || t->elem.find("eface") != std::string::npos ||
              t->name == "interface {}";
    l.aux = -8;
    return l;
  }
  if (t->tag == llvm::dwarf::DW_TAG_pointer_type) {
    if (off != 0) return l;
    l.to = type(t->elem);
    if (l.to) l.kind = LeafKind::Pointer;
    return l;
  }
  if (t->go_kind == kSlice) {
    if (off != 0) return l;
    l.to = type(t->elem);
    const binary::TypeField *cap = t->field("cap");
    if (l.to && cap) {
      l.kind = LeafKind::SliceData;
      l.aux = int64_t(cap->offset);
    }
    return l;
  }
  if (t->go_kind == kString) {
    if (off == 0) l.kind = LeafKind::StringData;
    return l;
  }
  if (t->tag == llvm::dwarf::DW_TAG_array_type) {
    const TypeInfo *e = type(t->elem);
    if (!e || !e->size || off >= t->count * e->size) return l;
    return leaf_walk(e, off % e->size, depth + 1);
  }
  if (t->tag != llvm::dwarf::DW_TAG_structure_type) return l;
  for (const binary::TypeField &f : t->fields) {
    if (!f.size || off < f.offset || off >= f.offset + f.size) continue;  // zero-size fields hold nothing
    // sync/atomic.Pointer[T]: v is an unsafe.Pointer, `_ [0]*T` says to what.
    if (t->name.rfind("sync/atomic.Pointer[", 0) == 0 && f.name == "v" && off == f.offset) {
      for (const binary::TypeField &z : t->fields)
        if (z.name == "_" && z.size == 0)
          if (const TypeInfo *arr = type(z.type); arr && arr->tag == llvm::dwarf::DW_TAG_array_type)
            if (const TypeInfo *p = type(arr->elem); p && p->tag == llvm::dwarf::DW_TAG_pointer_type) {
              l.to = type(p->elem);
              if (l.to) l.kind = LeafKind::Pointer;
              return l;
            }
      return l;
    }
    // Fields whose DWARF type says less than the runtime keeps in them.
    if (t->name.rfind("hchan<", 0) == 0 && f.name == "buf" && t->name.back() == '>') {
      const binary::TypeField *q = t->field("dataqsiz");
      l.to = type(t->name.substr(6, t->name.size() - 7));
      if (l.to && q) {
        l.kind = LeafKind::ChanBuf;
        l.aux = int64_t(q->offset) - int64_t(f.offset);
      }
      return l;
    }
    // Swiss tables' groups (lengthMask + 1 of them); old maps' buckets (1 << B).
    bool groups = t->name.rfind("groupReference<", 0) == 0 && f.name == "data";
    bool buckets = t->name.rfind("hash<", 0) == 0 && f.name == "buckets";
    if ((groups || buckets) && off == f.offset) {
      const binary::TypeField *n = t->field(groups ? "lengthMask" : "B");
      const TypeInfo *p = type(f.type);
      l.to = p ? type(p->elem) : nullptr;
      if (l.to && n) {
        l.kind = LeafKind::Groups;
        l.mode = groups ? CountMode::PlusOne : CountMode::Shift;
        l.aux = int64_t(n->offset) - int64_t(f.offset);
      }
      return l;
    }
    if (t->name.rfind("map<", 0) == 0 && f.name == "dirPtr") {
      // **table<K,V>, or (dirLen == 0) one group: table<K,V>.groups.data's type.
      const binary::TypeField *n = t->field("dirLen");
      const TypeInfo *pp = type(f.type);
      l.to = pp ? type(pp->elem) : nullptr;  // *table<K,V>
      const TypeInfo *table = l.to ? type(l.to->elem) : nullptr;
      const binary::TypeField *groups = table ? table->field("groups") : nullptr;
      const TypeInfo *ref = groups ? type(groups->type) : nullptr;
      const binary::TypeField *data = ref ? ref->field("data") : nullptr;
      const TypeInfo *gp = data ? type(data->type) : nullptr;
      l.alt = gp ? type(gp->elem) : nullptr;
      if (l.to && n) {
        l.kind = LeafKind::MapDir;
        l.aux = int64_t(n->offset) - int64_t(f.offset);
      }
      return l;
    }
    return leaf_walk(type(f.type), off - f.offset, depth + 1);
  }
  return l;
}

void Propagator::assign(ObjectId o, const TypeInfo *elem, uint64_t count, uint32_t base, bool single) {
  if (!elem || !elem->size || elem->name.empty()) return;
  uint64_t room = g_.size(o) > base ? (g_.size(o) - base) / elem->size : 0;
  if (room == 0) return;  // it does not fit: not this object's type
  bool exact = count != 0 && count <= room;
  if (!exact) {
    count = single ? 1 : room;
    if (!single && room > 1) ++st_.slot_counts;
  }
  const TypeId named = type_id(elem, count > 1 ? count : 1);
  if (g_.type(o) && !layout_of(o) && decoder_typed(o)) {
    // The decoder's name has no DWARF layout (Go <= 1.23's "map.bucket[K]V"
    // of a large bucket array): the propagated type, which has one, replaces it.
    set_flag(o, kDecoderTyped, false);
    g_.set_type(o, 0);
    ++st_.renamed;
  }
  if (g_.type(o)) {
    const Layout have = layouts_[layout_of(o)];
    if (layout_of(o) && have.elem == elem && exact && !this->exact(o)) {
      if (named != g_.type(o)) {
        g_.set_type(o, named);
        ++st_.refined;
      }
      set_flag(o, kExact, true);
    } else if (g_.type(o) != named && !(layout_of(o) && have.elem == elem)) {
      ++st_.conflicts;
    }
    return;
  }
  g_.set_type(o, named);
  set_flag(o, kExact, exact);
  ++st_.typed;
  give_layout(o, elem, base);
}

// O's layout is ELEM from BASE on; it is scanned if that holds pointers.
void Propagator::give_layout(ObjectId o, const TypeInfo *elem, uint32_t base) {
  auto key = uint64_t(reinterpret_cast<uintptr_t>(elem)) * 64 + base;
  auto [it, added] = layout_ids_.try_emplace(key, uint32_t(layouts_.size()));
  if (added) {
    if (layouts_.size() > kLayout) {  // not with any program's DWARF: no room for its number
      layout_ids_.erase(it);
      return;
    }
    layouts_.push_back({elem, base});
  }
  set_layout(o, it->second);
  if (has_pointers(elem)) queue_.push_back(o);
}

// Objects the decoder typed ("[N]T" of a malloc header or largeType).
void Propagator::assign_named(ObjectId o, const std::string &name) {
  auto [n, elem_name] = split_array(name);
  const TypeInfo *elem = type(elem_name);
  if (!elem || !elem->size) return;
  uint32_t base = header(o, elem);
  if (g_.size(o) <= base || (g_.size(o) - base) / elem->size == 0) return;
  give_layout(o, elem, base);
}

void Propagator::pointer_to(const TypeInfo *t, ObjectId target, uint32_t to_off, bool single) {
  t = resolve(t);
  if (!t || !t->size) return;
  uint32_t base = header(target, t);
  if (to_off != base) return;
  // A pointer to a value smaller than a word in a larger slot is no array's
  // first element but the header a bigger object embeds (internal/sync's
  // *node[K,V] of an entry or indirect): it types nothing. Alone in its
  // slot (at most a tiny block), it is that value.
  if (t->size < 8) {
    if (g_.size(target) - base > 16) return;
    single = true;
  }
  assign(target, t, 0, base, single);
}

void Propagator::apply(const Leaf &leaf, uint64_t addr, ObjectId source, ObjectId target, uint32_t to_off, int depth) {
  switch (leaf.kind) {
    case LeafKind::None: return;
    case LeafKind::Pointer: pointer_to(leaf.to, target, to_off); return;
    case LeafKind::Chan:
      // An hchan; with pointer-free elements its buffer follows it in the same object.
      pointer_to(leaf.to, target, to_off, /*single=*/true);
      return;
    case LeafKind::SliceData:
    case LeafKind::ChanBuf:
    case LeafKind::Groups: {
      if (target == source) return;
      const TypeInfo *e = resolve(leaf.to);
      if (!e || !e->size) return;
      uint32_t base = header(target, e);
      if (to_off < base || (to_off - base) % e->size || (leaf.kind == LeafKind::Groups && to_off != base)) return;
      uint64_t count = 0;
      if (to_off == base)
        if (auto n = word(addr + uint64_t(leaf.aux))) {
          switch (leaf.mode) {
            case CountMode::Word: count = *n; break;
            case CountMode::PlusOne: count = *n + 1; break;
            case CountMode::Shift: count = (*n & 0xff) < 40 ? uint64_t(1) << (*n & 0xff) : 0; break;
          }
        }
      assign(target, e, count, base);
      return;
    }
    case LeafKind::StringData:
      if (!g_.type(target) && (to_off == 0 || g_.size(target) <= 16)) {
        g_.set_type(target, g_.intern_type("string data"));
        ++st_.typed;
      }
      return;
    case LeafKind::MapDir: {
      // dirLen == 0: a small map's single group; else the directory of tables.
      // Without the word: a directory's first word is a table pointer, a
      // group's is its control word (never a pointer).
      std::optional<uint64_t> n = word(addr + uint64_t(leaf.aux));
      bool dir;
      if (n) {
        dir = *n != 0;
      } else {
        dir = false;
        for (const Edge *e = g_.edges_begin(target); e != g_.edges_end(target); ++e)
          if (e->from_offset == header(target, leaf.to)) dir = true;
      }
      if (!dir) {
        if (leaf.alt) pointer_to(leaf.alt, target, to_off, /*single=*/true);
        return;
      }
      uint32_t base = header(target, leaf.to);
      if (to_off == base) assign(target, leaf.to, n ? *n : 0, base);
      return;
    }
    case LeafKind::IfaceData: {
      auto tw = word(addr + uint64_t(leaf.aux));
      if (!tw || !*tw || !src_.runtime_type) return;
      uint64_t rtype = *tw;
      if (!leaf.eface) {
        if (src_.itab_type) {
          rtype = src_.itab_type(*tw);
        } else {
          auto t = word(*tw + uint64_t(itab_type_off_));
          rtype = t ? *t : 0;
        }
      }
      const TypeInfo *dyn = rtype ? resolve(src_.runtime_type(rtype)) : nullptr;
      if (!dyn || depth > 2) return;
      uint64_t before = st_.typed;
      bool direct = dyn->tag == llvm::dwarf::DW_TAG_pointer_type || dyn->go_kind == kPointer || dyn->go_kind == kMap ||
                    dyn->go_kind == kChan || dyn->go_kind == kFunc || dyn->go_kind == kUnsafePointer ||
                    (dyn->size == 8 && has_pointers(dyn));
      if (direct)
        apply(leaf_at(dyn, 0), addr, source, target, to_off, depth + 1);  // the data word is the value
      else
        pointer_to(dyn, target, to_off, /*single=*/true);  // the value, boxed
      if (st_.typed > before) ++st_.interfaces;
      return;
    }
  }
}

void Propagator::scan(ObjectId o) {
  const Layout l = layouts_[layout_of(o)];  // a copy: apply() may grow layouts_
  const uint64_t size = l.elem->size, addr = g_.address(o);
  const Edge *end = g_.edges_end(o);
  constexpr ptrdiff_t kAhead = 8;  // targets are scattered: load a few ahead
  for (const Edge *e = g_.edges_begin(o); e != end; ++e) {
    if (end - e > kAhead) {
      ObjectId next = e[kAhead].target;
      g_.prefetch(next);
      __builtin_prefetch(&layout_[next]);
    }
    if (e->from_offset < l.base) continue;
    Leaf leaf = leaf_at(l.elem, (e->from_offset - l.base) % size);
    if (leaf.kind != LeafKind::None) apply(leaf, addr + e->from_offset, o, e->target, e->to_offset);
  }
}

TypeStats Propagator::run() {
  for (ObjectId o = 0; o < g_.object_count(); ++o)
    if (TypeId t = g_.type(o)) {
      ++st_.typed_before;
      set_flag(o, kDecoderTyped, true);
      assign_named(o, g_.type_name(t));
    }
  for (size_t r = 0; r < g_.root_count(); ++r) {
    const Root &root = g_.root(r);
    const TypeInfo *t = resolve(type(root.info.type));
    if (!t) continue;
    for (const Edge *e = g_.root_edges_begin(r); e != g_.root_edges_end(r); ++e) {
      Leaf leaf = leaf_at(t, e->from_offset);
      if (leaf.kind != LeafKind::None) apply(leaf, root.base + e->from_offset, kNoObject, e->target, e->to_offset);
    }
  }
  // Each object is queued once, when it is typed: the walk ends.
  while (!queue_.empty()) {
    ObjectId o = queue_.front();
    queue_.pop_front();
    scan(o);
  }
  return st_;
}

}  // namespace

TypeStats propagate_types(HeapGraph &g, const TypeSource &src) {
  if (!src.program) return {};
  Propagator p(g, src);
  TypeStats st = p.run();
  std::string n = llvm::formatv(
                      "types: {0} objects typed by the decoder, {1} by propagation from roots and typed "
                      "fields ({2} from interfaces' dynamic types)",
                      st.typed_before, st.typed, st.interfaces)
                      .str();
  if (st.renamed)
    n += llvm::formatv("; {0} objects' runtime type names without a DWARF layout replaced by the propagated type",
                       st.renamed)
             .str();
  if (st.refined) n += llvm::formatv("; {0} arrays' lengths taken from their slices' capacities", st.refined).str();
  if (st.conflicts) n += llvm::formatv("; {0} objects reached as a second type kept their first", st.conflicts).str();
  g.notes.push_back(std::move(n));
  return st;
}

}  // namespace crashctl::memory
