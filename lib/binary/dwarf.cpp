// DWARF: symbolization with inlining, globals, constants and types. One pass
// over the top-level DIEs of every unit builds the name indexes on first use.
#include "binary/executable_impl.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/DebugInfo/DWARF/DWARFCompileUnit.h"
#include "llvm/DebugInfo/DWARF/DWARFFormValue.h"
#include "llvm/DebugInfo/DWARF/DWARFLocationExpression.h"
#include "llvm/DebugInfo/DWARF/DWARFUnit.h"
#include "llvm/Support/LEB128.h"

namespace crashctl::binary {

using namespace llvm;

namespace {

constexpr auto kGoKind = dwarf::Attribute(0x2900);
constexpr auto kGoElem = dwarf::Attribute(0x2902);
constexpr auto kGoRuntimeType = dwarf::Attribute(0x2904);
constexpr uint16_t kLangGo = 0x16;

bool is_type_tag(dwarf::Tag tag) {
  switch (tag) {
    case dwarf::DW_TAG_base_type:
    case dwarf::DW_TAG_pointer_type:
    case dwarf::DW_TAG_structure_type:
    case dwarf::DW_TAG_typedef:
    case dwarf::DW_TAG_array_type:
    case dwarf::DW_TAG_subroutine_type:
    case dwarf::DW_TAG_unspecified_type:
    case dwarf::DW_TAG_union_type:
    case dwarf::DW_TAG_enumeration_type:
    case dwarf::DW_TAG_class_type:
    case dwarf::DW_TAG_const_type:
    case dwarf::DW_TAG_volatile_type: return true;
    default: return false;
  }
}

// The ULEB128 operand at B[POS], POS moved past it; false (OUT 0) when it is
// cut short or overflows 64 bits.
bool read_uleb(ArrayRef<uint8_t> b, size_t &pos, uint64_t &out) {
  unsigned n = 0;
  const char *error = nullptr;
  out = decodeULEB128(b.data() + pos, &n, b.data() + b.size(), &error);
  pos += n;
  return error == nullptr;
}

// A location that is a single static address: DW_OP_addr or DW_OP_addrx.
std::optional<uint64_t> static_address(const DWARFDie &die) {
  auto loc = die.find(dwarf::DW_AT_location);
  if (!loc) return std::nullopt;
  auto block = loc->getAsBlock();
  if (!block || block->empty()) return std::nullopt;
  const ArrayRef<uint8_t> b = *block;
  if (b[0] == dwarf::DW_OP_addr && b.size() == 9) {
    bool little = die.getDwarfUnit()->getContext().isLittleEndian();
    return support::endian::read64(b.data() + 1, little ? endianness::little : endianness::big);
  }
  if (b[0] == dwarf::DW_OP_addrx || b[0] == dwarf::DW_OP_GNU_addr_index) {
    size_t pos = 1;
    uint64_t index;
    if (!read_uleb(b, pos, index) || pos != b.size() || index > UINT32_MAX) return std::nullopt;
    if (auto a = die.getDwarfUnit()->getAddrOffsetSectionItem(uint32_t(index))) return a->Address;
  }
  return std::nullopt;
}

std::optional<int64_t> const_value(const DWARFDie &die) {
  auto v = die.find(dwarf::DW_AT_const_value);
  if (!v) return std::nullopt;
  if (v->getForm() == dwarf::DW_FORM_udata) {
    if (auto u = v->getAsUnsignedConstant()) return int64_t(*u);
    return std::nullopt;
  }
  return v->getAsSignedConstant();
}

std::string name_of(const DWARFDie &die) {
  const char *n = die ? die.getShortName() : nullptr;
  return n ? n : "";
}

}  // namespace

const DwarfIndex &Executable::Impl::index() {
  std::call_once(dwarf_index_once, [&] {
    if (!dwarf_present) return;
    std::lock_guard<std::mutex> lock(dwarf_mutex);
    DwarfIndex &ix = dwarf_index;
    for (const auto &cu : dwarf->compile_units()) {
      DWARFDie root = cu->getUnitDIE(/*ExtractUnitDIEOnly=*/false);
      if (!root) continue;
      const bool go_unit = dwarf::toUnsigned(root.find(dwarf::DW_AT_language), 0) == kLangGo;
      for (DWARFDie die : root.children()) {
        const dwarf::Tag tag = die.getTag();
        if (tag == dwarf::DW_TAG_variable) {
          const char *n = dwarf::toString(die.find(dwarf::DW_AT_name), nullptr);
          if (!n) continue;
          if (auto addr = static_address(die)) {
            ix.globals.emplace(n, *addr);
            if (go_unit) ix.global_dies.emplace_back(*addr, die);
          }
        } else if (tag == dwarf::DW_TAG_constant) {
          const char *n = dwarf::toString(die.find(dwarf::DW_AT_name), nullptr);
          if (!n) continue;
          if (auto v = const_value(die)) ix.constants.emplace(n, *v);
        } else if (is_type_tag(tag)) {
          const char *n = dwarf::toString(die.find(dwarf::DW_AT_name), nullptr);
          if (!n) continue;
          uint8_t rank = !go_unit ? 2 : tag == dwarf::DW_TAG_typedef ? 1 : 0;
          auto [it, inserted] = ix.types.try_emplace(n, DwarfIndex::TypeEntry{die, rank});
          if (!inserted && rank < it->second.rank) it->second = {die, rank};
          if (go_unit) {
            if (auto rt = die.find(kGoRuntimeType)) {
              uint64_t off = rt->getAsAddress().value_or(rt->getAsUnsignedConstant().value_or(0));
              if (off) ix.by_runtime_type.emplace(off, die);
            }
          }
        }
      }
    }
  });
  return dwarf_index;
}

std::unique_ptr<TypeInfo> Executable::Impl::build_type(DWARFDie die) {
  auto t = std::make_unique<TypeInfo>();
  t->name = name_of(die);
  t->tag = uint16_t(die.getTag());
  t->go_kind = uint8_t(dwarf::toUnsigned(die.find(kGoKind), 0));
  t->encoding = uint8_t(dwarf::toUnsigned(die.find(dwarf::DW_AT_encoding), 0));
  t->size = die.getTypeSize(8).value_or(0);
  DWARFDie elem = die.getAttributeValueAsReferencedDie(kGoElem);
  if (!elem) elem = die.getAttributeValueAsReferencedDie(dwarf::DW_AT_type);
  if (elem) t->elem = name_of(elem);
  if (DWARFDie target = die.getAttributeValueAsReferencedDie(dwarf::DW_AT_type)) t->target = name_of(target);
  for (DWARFDie child : die.children()) {
    if (child.getTag() == dwarf::DW_TAG_subrange_type && die.getTag() == dwarf::DW_TAG_array_type) {
      if (auto c = dwarf::toUnsigned(child.find(dwarf::DW_AT_count)))
        t->count = *c;
      else if (auto ub = dwarf::toUnsigned(child.find(dwarf::DW_AT_upper_bound)))
        t->count = *ub + 1;
    } else if (child.getTag() == dwarf::DW_TAG_member) {
      TypeField f;
      f.name = name_of(child);
      if (auto loc = child.find(dwarf::DW_AT_data_member_location)) {
        if (auto c = loc->getAsUnsignedConstant()) {
          f.offset = *c;
        } else if (auto b = loc->getAsBlock(); b && !b->empty() && (*b)[0] == dwarf::DW_OP_plus_uconst) {
          size_t pos = 1;
          read_uleb(*b, pos, f.offset);
        }
      }
      DWARFDie ft = child.getAttributeValueAsReferencedDie(dwarf::DW_AT_type);
      f.type = name_of(ft);
      if (ft) f.size = ft.getTypeSize(8).value_or(0);
      t->fields.push_back(std::move(f));
    }
  }
  return t;
}

const TypeInfo *Executable::Impl::type_locked(std::string_view name) {
  std::string key(name);
  if (auto it = type_cache.find(key); it != type_cache.end()) return it->second.get();
  std::unique_ptr<TypeInfo> t;
  if (auto it = dwarf_index.types.find(name); it != dwarf_index.types.end()) {
    t = build_type(it->second.die);
    t->name = key;
  }
  return type_cache.emplace(std::move(key), std::move(t)).first->second.get();
}

const TypeInfo *Executable::type(std::string_view name) const {
  Impl &im = *impl_;
  if (!im.dwarf_present) return nullptr;
  im.index();
  std::lock_guard<std::mutex> lock(im.dwarf_mutex);
  return im.type_locked(name);
}

const TypeInfo *Executable::type_by_runtime_offset(uint64_t offset) const {
  Impl &im = *impl_;
  if (!im.dwarf_present) return nullptr;
  const DwarfIndex &ix = im.index();
  auto it = ix.by_runtime_type.find(offset);
  if (it == ix.by_runtime_type.end()) return nullptr;
  std::lock_guard<std::mutex> lock(im.dwarf_mutex);
  if (auto c = im.type_by_offset_cache.find(offset); c != im.type_by_offset_cache.end()) return c->second;
  const TypeInfo *t;
  std::string name = name_of(it->second);
  auto named = ix.types.find(name);
  if (!name.empty() && named != ix.types.end() && named->second.die == it->second) {
    t = im.type_locked(name);  // the by-name entry is this very DIE: share it
  } else {
    auto built = im.build_type(it->second);
    t = built.get();
    im.type_cache.emplace("#runtime-type:" + std::to_string(offset), std::move(built));
  }
  im.type_by_offset_cache.emplace(offset, t);
  return t;
}

std::optional<uint64_t> Executable::global_address(std::string_view name) const {
  if (impl_->dwarf_present) {
    const DwarfIndex &ix = impl_->index();
    if (auto it = ix.globals.find(name); it != ix.globals.end()) return it->second;
  }
  if (auto s = symbol(name)) return s->first;
  return std::nullopt;
}

const std::vector<GlobalVariable> &Executable::globals() const {
  Impl &im = *impl_;
  std::call_once(im.globals_once, [&] {
    if (!im.dwarf_present) return;
    const DwarfIndex &ix = im.index();
    std::lock_guard<std::mutex> lock(im.dwarf_mutex);
    im.globals_list.reserve(ix.global_dies.size());
    for (const auto &[addr, die] : ix.global_dies) {
      GlobalVariable g;
      g.name = name_of(die);
      g.addr = addr;
      if (DWARFDie t = die.getAttributeValueAsReferencedDie(dwarf::DW_AT_type)) {
        g.type = name_of(t);
        g.size = t.getTypeSize(8).value_or(0);
      }
      im.globals_list.push_back(std::move(g));
    }
    std::sort(im.globals_list.begin(), im.globals_list.end(),
              [](const GlobalVariable &a, const GlobalVariable &b) { return a.addr < b.addr; });
  });
  return im.globals_list;
}

const GlobalVariable *Executable::global_at(uint64_t addr) const {
  const std::vector<GlobalVariable> &v = globals();
  auto it = std::upper_bound(v.begin(), v.end(), addr, [](uint64_t a, const GlobalVariable &g) { return a < g.addr; });
  // Zero-sized variables share addresses with the next one: look back a few.
  for (int steps = 0; it != v.begin() && steps < 4; ++steps) {
    --it;
    if (addr < it->addr + std::max<uint64_t>(it->size, 1)) return &*it;
  }
  return nullptr;
}

namespace {

// The stack pieces of one location expression: Go writes DW_OP_call_frame_cfa
// (the CFA itself), DW_OP_fbreg N (frame base = CFA), registers, and
// DW_OP_piece between the parts of a multi-word value. Anything else (a
// computed location) is not a frame slot and ends the reading.
void stack_pieces(ArrayRef<uint8_t> b, uint64_t whole_size, const FrameVariable &proto,
                  std::vector<FrameVariable> &out) {
  size_t pos = 0;
  uint64_t var_offset = 0;
  enum { None, Stack, Reg } cur = None;
  int64_t cfa_offset = 0;
  bool any_piece = false;
  auto emit = [&](uint64_t size) {
    if (cur == Stack && size) {
      FrameVariable f = proto;
      f.cfa_offset = cfa_offset;
      f.var_offset = var_offset;
      f.size = size;
      out.push_back(std::move(f));
    }
  };
  while (pos < b.size()) {
    uint8_t op = b[pos++];
    uint64_t u = 0;
    int64_t sv = 0;
    unsigned n = 0;
    const char *error = nullptr;
    auto sleb = [&] {
      sv = decodeSLEB128(b.data() + pos, &n, b.data() + b.size(), &error);
      pos += n;
      return error == nullptr;
    };
    if (op == dwarf::DW_OP_call_frame_cfa) {
      cur = Stack;
      cfa_offset = 0;
    } else if (op == dwarf::DW_OP_fbreg) {
      if (!sleb()) return;
      cur = Stack;
      cfa_offset = sv;
    } else if (op == dwarf::DW_OP_consts) {
      if (!sleb() || pos >= b.size() || cur != Stack) return;
      uint8_t next = b[pos++];
      if (next == dwarf::DW_OP_plus)
        cfa_offset += sv;
      else if (next == dwarf::DW_OP_minus)
        cfa_offset -= sv;
      else
        return;
    } else if (op == dwarf::DW_OP_plus_uconst) {
      if (!read_uleb(b, pos, u) || cur != Stack) return;
      cfa_offset += int64_t(u);
    } else if (op >= dwarf::DW_OP_reg0 && op <= dwarf::DW_OP_reg31) {
      cur = Reg;
    } else if (op == dwarf::DW_OP_regx) {
      if (!read_uleb(b, pos, u)) return;
      cur = Reg;
    } else if (op == dwarf::DW_OP_piece) {
      if (!read_uleb(b, pos, u)) return;
      emit(u);
      any_piece = true;
      var_offset += u;
      cur = None;
    } else {
      return;
    }
  }
  if (!any_piece) emit(whole_size ? whole_size : 8);
}

// The part suffix of a variable the compiler split into parts and spilled
// one of ("batch.ptr" of slice batch: Go 1.27 names such spills), or "".
std::string_view decomposed_part(std::string_view name) {
  for (std::string_view part : {".ptr", ".len", ".cap", ".data", ".itab", ".type", ".real", ".imag"})
    if (name.size() > part.size() && name.substr(name.size() - part.size()) == part) return part;
  return {};
}

void collect_frame_vars(const DWARFDie &scope, uint64_t pc, std::vector<FrameVariable> &out, int depth,
                        std::map<std::string, std::string> *types_by_name = nullptr) {
  if (depth > 64) return;
  for (DWARFDie child : scope.children()) {
    dwarf::Tag tag = child.getTag();
    if (tag == dwarf::DW_TAG_lexical_block || tag == dwarf::DW_TAG_inlined_subroutine) {
      if (child.addressRangeContainsAddress(pc)) collect_frame_vars(child, pc, out, depth + 1, types_by_name);
      continue;
    }
    if (tag != dwarf::DW_TAG_variable && tag != dwarf::DW_TAG_formal_parameter) continue;
    if (types_by_name)
      if (auto t = child.findRecursively({dwarf::DW_AT_type}))
        if (DWARFDie td = child.getAttributeValueAsReferencedDie(*t))
          types_by_name->emplace(name_of(child), name_of(td));
    auto locs = child.getLocations(dwarf::DW_AT_location);
    if (!locs) {
      consumeError(locs.takeError());
      continue;
    }
    FrameVariable proto;
    proto.name = name_of(child);
    proto.param = tag == dwarf::DW_TAG_formal_parameter;
    uint64_t size = 0;
    if (auto t = child.findRecursively({dwarf::DW_AT_type}))
      if (DWARFDie td = child.getAttributeValueAsReferencedDie(*t)) {
        proto.type = name_of(td);
        size = td.getTypeSize(8).value_or(0);
      }
    // The entry covering PC; a default entry (no range) only when none does.
    const DWARFLocationExpression *pick = nullptr;
    for (const DWARFLocationExpression &e : *locs) {
      if (e.Range && e.Range->LowPC <= pc && pc < e.Range->HighPC) {
        pick = &e;
        break;
      }
      if (!e.Range && !pick) pick = &e;
    }
    if (pick) stack_pieces(pick->Expr, size, proto, out);
  }
}

}  // namespace

std::vector<FrameVariable> Executable::frame_variables(uint64_t pc) const {
  Impl &im = *impl_;
  if (!im.dwarf_present) return {};
  im.index();
  std::lock_guard<std::mutex> lock(im.dwarf_mutex);
  if (auto it = im.frame_vars_cache.find(pc); it != im.frame_vars_cache.end()) return it->second;
  std::vector<FrameVariable> out;
  std::map<std::string, std::string> types_by_name;
  if (DWARFCompileUnit *cu = im.dwarf->getCompileUnitForCodeAddress(pc))
    if (DWARFDie sub = cu->getSubroutineForAddress(pc)) collect_frame_vars(sub, pc, out, 0, &types_by_name);
  // A spilled part of a split variable is named as the variable the source
  // declares ("batch.ptr" -> "batch", [][]uint8), when the function has it.
  for (FrameVariable &v : out) {
    std::string_view part = decomposed_part(v.name);
    if (part.empty()) continue;
    std::string whole = v.name.substr(0, v.name.size() - part.size());
    auto it = types_by_name.find(whole);
    if (it == types_by_name.end()) continue;
    v.name = whole;
    v.type = it->second;
  }
  if (im.frame_vars_cache.size() > 100000) im.frame_vars_cache.clear();
  im.frame_vars_cache.emplace(pc, out);
  return out;
}

std::optional<int64_t> Executable::constant(std::string_view name) const {
  if (!impl_->dwarf_present) return std::nullopt;
  const DwarfIndex &ix = impl_->index();
  auto it = ix.constants.find(name);
  if (it == ix.constants.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, int64_t>> Executable::constants_with_prefix(std::string_view prefix) const {
  std::vector<std::pair<std::string, int64_t>> out;
  if (!impl_->dwarf_present) return out;
  const DwarfIndex &ix = impl_->index();
  for (auto it = ix.constants.lower_bound(prefix); it != ix.constants.end(); ++it) {
    if (std::string_view(it->first).substr(0, prefix.size()) != prefix) break;
    out.emplace_back(it->first, it->second);
  }
  return out;
}

std::vector<SymbolizedFrame> Executable::symbolize_pclntab(uint64_t pc) const {
  auto frames = pclntab_frames(*this, impl_->pclntab(*this), pc);
  for (size_t i = 0; i < frames.size(); ++i) frames[i].inlined = i + 1 < frames.size();
  return frames;
}

std::vector<SymbolizedFrame> Executable::symbolize(uint64_t pc) const {
  Impl &im = *impl_;
  std::lock_guard<std::mutex> lock(im.dwarf_mutex);
  if (auto it = im.symbolize_cache.find(pc); it != im.symbolize_cache.end()) return it->second;
  std::vector<SymbolizedFrame> frames;
  if (im.dwarf_present) {
    DILineInfoSpecifier spec(DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath, DINameKind::LinkageName);
    DIInliningInfo info = im.dwarf->getInliningInfoForAddress({pc, object::SectionedAddress::UndefSection}, spec);
    for (uint32_t i = 0; i < info.getNumberOfFrames(); ++i) {
      const DILineInfo &li = info.getFrame(i);
      if (li.FunctionName == DILineInfo::BadString) continue;
      SymbolizedFrame f;
      f.function = li.FunctionName;
      if (li.FileName != DILineInfo::BadString) f.file = li.FileName;
      // Go's comp_dir is ".": "./<autogenerated>" is the runtime's "<autogenerated>".
      if (f.file.compare(0, 2, "./") == 0) f.file.erase(0, 2);
      f.line = int(li.Line);
      frames.push_back(std::move(f));
    }
  }
  if (frames.empty()) {
    frames = pclntab_frames(*this, im.pclntab(*this), pc);
  } else if (frames.back().line == 0) {
    // Generated code ("<autogenerated>") has no DWARF line; the pclntab has one.
    if (const Func *f = func_at(pc))
      if (auto fl = pcln_line(*f, pc)) {
        frames.back().file = fl->first;
        frames.back().line = fl->second;
      }
  }
  if (frames.empty()) {
    if (auto s = symbol_at(pc)) {
      SymbolizedFrame f;
      f.function = s->first;
      frames.push_back(std::move(f));
    }
  }
  for (size_t i = 0; i < frames.size(); ++i) frames[i].inlined = i + 1 < frames.size();
  im.symbolize_cache.emplace(pc, frames);
  return frames;
}

}  // namespace crashctl::binary
