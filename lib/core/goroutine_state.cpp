#include "core/goroutine_state.h"

#include "core/runtime_layout.h"

#include "llvm/BinaryFormat/Dwarf.h"

#include <algorithm>
#include <set>

namespace crashctl::core {

namespace {

// reflect.Kind, as DW_AT_go_kind records it.
constexpr uint8_t kKindMap = 21, kKindSlice = 23, kKindString = 24;
constexpr size_t kMaxLabels = 1024;
constexpr size_t kMaxLabelBytes = 4096;

std::string strip_star(const std::string &s) {
  return !s.empty() && s[0] == '*' ? s.substr(1) : s;
}

// Typedefs to what they name (a struct and its typedef share a name; maps
// are typedefs of a pointer to the linker's hash<K,V>, kept as they are).
const binary::TypeInfo *resolve(const binary::GoProgram &exe, const binary::TypeInfo *t) {
  for (int i = 0; t && i < 8 && t->tag == llvm::dwarf::DW_TAG_typedef && t->go_kind != kKindMap; ++i) {
    const binary::TypeInfo *next = exe.type(t->target);
    if (!next || next == t) break;
    t = next;
  }
  return t;
}

bool is_string(const binary::GoProgram &exe, const std::string &name) {
  const binary::TypeInfo *t = resolve(exe, exe.type(name));
  return t && (t->go_kind == kKindString || t->name == "string");
}

// The struct's two string fields {key, value}, whatever their names.
std::optional<std::pair<uint64_t, uint64_t>> pair_of_strings(const binary::GoProgram &exe, const binary::TypeInfo &t) {
  std::vector<uint64_t> at;
  for (const binary::TypeField &f : t.fields)
    if (is_string(exe, f.type)) at.push_back(f.offset);
  if (at.size() != 2 || t.fields.size() != 2) return std::nullopt;
  return std::make_pair(at[0], at[1]);
}

struct SliceLayout {
  uint64_t offset = 0;  // of the slice header in the label set
  uint64_t elem_size = 0, key = 0, value = 0;
};

// The []{key, value string} in struct T, directly or in an embedded struct
// (labelMap{LabelSet{list []label}}).
std::optional<SliceLayout> find_label_slice(const binary::GoProgram &exe, const binary::TypeInfo *t, int depth) {
  t = resolve(exe, t);
  if (!t || depth > 4 || t->tag != llvm::dwarf::DW_TAG_structure_type) return std::nullopt;
  for (const binary::TypeField &f : t->fields) {
    const binary::TypeInfo *ft = resolve(exe, exe.type(f.type));
    if (!ft) continue;
    if (ft->go_kind == kKindSlice) {
      const binary::TypeInfo *e = resolve(exe, exe.type(ft->elem));
      if (!e || !e->size) continue;
      if (auto kv = pair_of_strings(exe, *e)) return SliceLayout{f.offset, e->size, kv->first, kv->second};
    } else if (ft->tag == llvm::dwarf::DW_TAG_structure_type) {
      if (auto s = find_label_slice(exe, ft, depth + 1)) {
        s->offset += f.offset;
        return s;
      }
    }
  }
  return std::nullopt;
}

// A map[string]string through the linker's hash<K,V>/bucket<K,V> types:
// every slot whose tophash is a hash (>= minTopHash, 5), in the buckets and,
// while the map grows, in the old buckets not yet evacuated.
std::optional<LabelList> read_hash_map(const Memory &mem, const binary::GoProgram &exe, const binary::TypeInfo &map,
                                       uint64_t hmap, std::string &problem) {
  const binary::TypeInfo *h = resolve(exe, exe.type(strip_star(map.target)));
  const binary::TypeField *count = h ? h->field("count") : nullptr, *b = h ? h->field("B") : nullptr,
                          *buckets = h ? h->field("buckets") : nullptr, *old = h ? h->field("oldbuckets") : nullptr;
  const binary::TypeInfo *bp = buckets ? exe.type(buckets->type) : nullptr;
  const binary::TypeInfo *bt = bp ? resolve(exe, exe.type(bp->elem)) : nullptr;
  const binary::TypeField *tophash = bt ? bt->field("tophash") : nullptr, *keys = bt ? bt->field("keys") : nullptr,
                          *values = bt ? bt->field("values") : nullptr,
                          *overflow = bt ? bt->field("overflow") : nullptr;
  const binary::TypeInfo *kt = keys ? exe.type(keys->type) : nullptr, *vt = values ? exe.type(values->type) : nullptr;
  if (!count || !b || !buckets || !tophash || !keys || !values || !overflow || !kt || !vt ||
      !is_string(exe, kt->elem) || !is_string(exe, vt->elem) || !kt->count || kt->count > 64) {
    problem = "the DWARF map type " + map.target + " is not a map[string]string the decoder knows";
    return std::nullopt;
  }
  auto n = mem.u64(hmap + count->offset);
  auto log2 = mem.u8(hmap + b->offset);
  auto first = mem.u64(hmap + buckets->offset);
  if (!n || !log2 || !first || *log2 > 16 || *n > kMaxLabels) {
    problem = "the label map at " + std::to_string(hmap) + " is unreadable or implausible";
    return std::nullopt;
  }
  LabelList out;
  std::set<uint64_t> seen;
  auto walk = [&](uint64_t array, uint64_t nbuckets) {
    for (uint64_t i = 0; array && i < nbuckets; ++i) {
      uint64_t bucket = array + i * bt->size;
      for (int chain = 0; bucket && chain < 64 && seen.insert(bucket).second; ++chain) {
        for (uint64_t slot = 0; slot < kt->count; ++slot) {
          auto top = mem.u8(bucket + tophash->offset + slot);
          if (!top || *top < 5) continue;  // empty, or evacuated to the new buckets
          auto k = mem.go_string(bucket + keys->offset + 16 * slot, kMaxLabelBytes);
          auto v = mem.go_string(bucket + values->offset + 16 * slot, kMaxLabelBytes);
          if (k && v && out.size() < kMaxLabels) out.emplace_back(std::move(*k), std::move(*v));
        }
        bucket = mem.u64(bucket + overflow->offset).value_or(0);
      }
    }
  };
  walk(*first, uint64_t(1) << *log2);
  if (old && *log2 > 0)
    if (auto o = mem.u64(hmap + old->offset); o && *o) walk(*o, uint64_t(1) << (*log2 - 1));
  if (out.size() != *n) {
    problem = "the label map holds " + std::to_string(*n) + " labels, " + std::to_string(out.size()) + " were read";
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<LabelList> read_pprof_labels(const Memory &mem, const binary::GoProgram &exe, uint64_t labels,
                                           std::string &problem) {
  const binary::TypeInfo *t = exe.type("runtime/pprof.labelMap");
  if (!t) {
    problem = "the executable's DWARF has no type runtime/pprof.labelMap";
    return std::nullopt;
  }
  t = resolve(exe, t);
  LabelList out;
  if (t->go_kind == kKindMap) {
    // A map type is a pointer: g.labels points to the word that holds it.
    auto hmap = mem.u64(labels);
    if (!hmap) {
      problem = "the label map pointer is not in the core";
      return std::nullopt;
    }
    if (!*hmap) return out;
    auto m = read_hash_map(mem, exe, *t, *hmap, problem);
    if (!m) return std::nullopt;
    out = std::move(*m);
  } else {
    auto s = find_label_slice(exe, t, 0);
    if (!s) {
      problem = "runtime/pprof.labelMap holds no slice of {key, value string} in the executable's DWARF";
      return std::nullopt;
    }
    auto ptr = mem.u64(labels + s->offset), len = mem.u64(labels + s->offset + 8);
    if (!ptr || !len || *len > kMaxLabels) {
      problem = "the label set is unreadable or implausible";
      return std::nullopt;
    }
    for (uint64_t i = 0; i < *len; ++i) {
      uint64_t e = *ptr + i * s->elem_size;
      auto k = mem.go_string(e + s->key, kMaxLabelBytes), v = mem.go_string(e + s->value, kMaxLabelBytes);
      if (!k || !v) {
        problem = "label " + std::to_string(i) + " is unreadable";
        return std::nullopt;
      }
      out.emplace_back(std::move(*k), std::move(*v));
    }
  }
  // The slice is kept sorted by key (runtime/pprof.Labels); a map's order is
  // its hashing: both as the runtime would print them, by key.
  std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
  return out;
}

std::string go_runtime_quote(std::string_view s, int go_minor) {
  static const char kHex[] = "0123456789abcdef";
  auto hex = [](std::string &out, uint32_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out += kHex[(v >> (4 * i)) & 15];
  };
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    // Go's `for _, r := range s`: one rune, or U+FFFD for one invalid byte.
    auto b = static_cast<unsigned char>(s[i]);
    uint32_t r = 0xfffd;
    size_t n = 1;
    bool invalid = true;
    auto cont = [&](size_t k) { return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80; };
    auto c = [&](size_t k) { return uint32_t(static_cast<unsigned char>(s[i + k]) & 0x3f); };
    if (b < 0x80) {
      r = b, invalid = false;
    } else if (b >= 0xc2 && b < 0xe0 && cont(1)) {
      r = (uint32_t(b & 0x1f) << 6) | c(1), n = 2, invalid = false;
    } else if (b >= 0xe0 && b < 0xf0 && cont(1) && cont(2)) {
      uint32_t v = (uint32_t(b & 0x0f) << 12) | (c(1) << 6) | c(2);
      if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) r = v, n = 3, invalid = false;
    } else if (b >= 0xf0 && b < 0xf5 && cont(1) && cont(2) && cont(3)) {
      uint32_t v = (uint32_t(b & 0x07) << 18) | (c(1) << 12) | (c(2) << 6) | c(3);
      if (v >= 0x10000 && v <= 0x10ffff) r = v, n = 4, invalid = false;
    }
    if (invalid && go_minor >= 27) {
      out += "\\x";
      hex(out, b, 2);
    } else if (r == '\n') {
      out += "\\n";
    } else if (r == '\r') {
      out += "\\r";
    } else if (r == '\t') {
      out += "\\t";
    } else if (r == '\\' || r == '"') {
      out += '\\';
      out += char(r);
    } else if (r >= ' ' && r <= '~') {
      out += char(r);
    } else if (r < 127) {
      out += "\\x";
      hex(out, r, 2);
    } else if (r < 0x10000) {
      out += "\\u";
      hex(out, r, 4);
    } else {
      out += "\\U";
      hex(out, r, 8);
    }
    i += n;
  }
  out += '"';
  return out;
}

std::string format_labels(const LabelList &labels, int go_minor) {
  bool v127 = go_minor >= 27;
  auto needs_quoting = [](std::string_view s) {
    for (char ch : s)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
            ch == '/' || ch == '_'))
        return true;
    return false;
  };
  auto q = [&](std::string_view s) {
    return v127 && !needs_quoting(s) ? std::string(s) : go_runtime_quote(s, go_minor);
  };
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ", ";
    out += q(labels[i].first);
    out += ": ";
    out += q(labels[i].second);
  }
  return out;
}

NanotimeEstimate estimate_nanotime(const Memory &mem, const binary::GoProgram &exe, uint64_t bias,
                                   int64_t newest_waitsince) {
  NanotimeEstimate best;
  auto consider = [&](int64_t ns, const char *source) {
    if (ns > best.ns) best = {ns, source};
  };
  consider(newest_waitsince, "g.waitsince");
  if (auto init = exe.global_address("runtime.runtimeInitTime"))
    if (auto v = mem.u64(*init + bias)) consider(int64_t(*v), "runtime.runtimeInitTime");
  if (auto sched = exe.global_address("runtime.sched")) {
    for (const char *f : {"lastpoll", "procresizetime"}) {
      Off o = field_offset(exe, "runtime.schedt", f);
      if (o.ok)
        if (auto v = mem.u64(*sched + bias + o.at))
          consider(int64_t(*v), f[0] == 'l' ? "sched.lastpoll" : "sched.procresizetime");
    }
  }
  if (auto allp = exe.global_address("runtime.allp")) {
    auto ptr = mem.u64(*allp + bias), len = mem.u64(*allp + bias + 8);
    Off schedwhen = field_offset(exe, "runtime.p", "sysmontick.schedwhen"),
        syscallwhen = field_offset(exe, "runtime.p", "sysmontick.syscallwhen"),
        gcstop = field_offset(exe, "runtime.p", "gcStopTime");
    for (uint64_t i = 0; ptr && len && i < std::min<uint64_t>(*len, 4096); ++i) {
      auto pp = mem.u64(*ptr + 8 * i);
      if (!pp || !*pp) continue;
      auto at = [&](const Off &o, const char *name) {
        if (o.ok)
          if (auto v = mem.u64(*pp + o.at)) consider(int64_t(*v), name);
      };
      at(schedwhen, "p.sysmontick.schedwhen");
      at(syscallwhen, "p.sysmontick.syscallwhen");
      at(gcstop, "p.gcStopTime");
    }
  }
  return best;
}

}  // namespace crashctl::core
