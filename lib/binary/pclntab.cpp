// The Go function table (.gopclntab): layout from src/runtime/symtab.go,
// runtime2.go (_func) and symtabinl.go (inline tree) of Go 1.18 to 1.27.
#include "binary/executable_impl.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/LEB128.h"

#include <algorithm>

namespace crashctl::binary {

namespace {

constexpr uint32_t kMagicGo118 = 0xfffffff0;  // Go 1.18, 1.19
constexpr uint32_t kMagicGo120 = 0xfffffff1;  // Go 1.20+
constexpr size_t kHeaderSize = 8 + 8 * 8;
constexpr unsigned kPcdataInlTreeIndex = 2;
constexpr unsigned kFuncdataInlTree = 3;

std::string_view cstring_at(std::string_view table, uint64_t off) {
  if (off >= table.size()) return {};
  std::string_view s = table.substr(off);
  return s.substr(0, s.find('\0'));
}

// The runtime's readvarint: at most 5 bytes, the value truncated to 32 bits.
// Most pc-value deltas fit one byte: those are read inline (unwinding a
// 100,000-goroutine core spends 8% of its instructions here otherwise).
inline bool read_uvarint32(std::string_view table, size_t &pos, uint32_t &out) {
  if (pos < table.size() && !(uint8_t(table[pos]) & 0x80)) {
    out = uint8_t(table[pos++]);
    return true;
  }
  const auto *p = reinterpret_cast<const uint8_t *>(table.data()) + pos;
  const uint8_t *end = p + std::min<size_t>(table.size() - pos, 5);
  unsigned n = 0;
  const char *error = nullptr;
  out = uint32_t(llvm::decodeULEB128(p, &n, end, &error));
  if (error) return false;
  pos += n;
  return true;
}

}  // namespace

const Pclntab &Executable::Impl::pclntab(const Executable &self) {
  std::call_once(pclntab_once, [&] {
    Pclntab &t = pcln;
    // PIE binaries of Go <= 1.25 keep it in .data.rel.ro.gopclntab.
    std::string_view data = section_bytes(".gopclntab");
    if (data.empty()) data = section_bytes(".data.rel.ro.gopclntab");
    if (data.empty()) {
      auto start = self.symbol("runtime.pclntab"), end = self.symbol("runtime.epclntab");
      if (start && end && end->first > start->first) data = bytes_at(start->first, end->first - start->first);
    }
    if (data.empty()) {
      t.error = "no .gopclntab section";
      return;
    }
    if (data.size() < kHeaderSize) {
      t.error = ".gopclntab is truncated";
      return;
    }
    t.magic = load_u32(data.data());
    if (t.magic != kMagicGo118 && t.magic != kMagicGo120) {
      char buf[96];
      snprintf(buf, sizeof buf, "unsupported pclntab magic 0x%08x (Go 1.18 or later is needed)", t.magic);
      t.error = buf;
      return;
    }
    t.go118 = t.magic == kMagicGo118;
    if (uint8_t(data[7]) != 8) {
      t.error = "pclntab pointer size is not 8";
      return;
    }
    uint8_t min_lc = uint8_t(data[6]);
    t.quantum = (min_lc == 1 || min_lc == 2 || min_lc == 4) ? min_lc : (machine == llvm::ELF::EM_AARCH64 ? 4 : 1);
    const char *h = data.data();
    uint64_t nfunc = load_u64(h + 8);
    uint64_t text_start = load_u64(h + 24);
    auto view = [&](uint64_t off) { return off <= data.size() ? data.substr(off) : std::string_view(); };
    t.funcnametab = view(load_u64(h + 32));
    t.cutab = view(load_u64(h + 40));
    t.filetab = view(load_u64(h + 48));
    t.pctab = view(load_u64(h + 56));
    t.pclntable = view(load_u64(h + 64));
    // Go 1.26 stopped storing textStart; in PIE binaries of earlier releases it
    // is a dynamic relocation and reads 0 in the file.
    if (text_start == 0) {
      if (auto s = self.symbol("runtime.text"))
        text_start = s->first;
      else if (const SectionInfo *text = section(".text"))
        text_start = text->addr;
    }
    t.text_start = text_start;
    for (const char *name : {"go:func.*", "go.func.*"})
      if (auto s = self.symbol(name)) {
        t.gofunc = s->first;
        break;
      }

    const size_t func_header = t.go118 ? 40 : 44;
    const uint64_t max_entries = t.pclntable.size() / 8;
    if (nfunc >= max_entries) {
      t.error = "functab is truncated";
      nfunc = max_entries ? max_entries - 1 : 0;
    }
    t.funcs.reserve(nfunc);
    const char *ftab = t.pclntable.data();
    for (uint64_t i = 0; i < nfunc; ++i) {
      uint32_t entry_off = load_u32(ftab + i * 8), func_off = load_u32(ftab + i * 8 + 4);
      uint32_t end_off = load_u32(ftab + (i + 1) * 8);
      if (func_off > t.pclntable.size() || t.pclntable.size() - func_off < func_header) continue;
      const char *p = t.pclntable.data() + func_off;
      Func f;
      f.entry = text_start + entry_off;
      f.end = text_start + std::max(end_off, entry_off);
      f.name = std::string(cstring_at(t.funcnametab, load_u32(p + 4)));
      f.args = int32_t(load_u32(p + 8));
      f.deferreturn = load_u32(p + 12);
      f.pcsp = load_u32(p + 16);
      f.pcfile = load_u32(p + 20);
      f.pcln = load_u32(p + 24);
      uint32_t npcdata = load_u32(p + 28);
      f.cu_offset = load_u32(p + 32);
      const size_t tail = t.go118 ? 36 : 40;  // funcID, flag, pad, nfuncdata
      if (!t.go118) f.start_line = int32_t(load_u32(p + 36));
      f.func_id = uint8_t(p[tail]);
      f.flag = uint8_t(p[tail + 1]);
      uint8_t nfuncdata = uint8_t(p[tail + 3]);
      uint64_t room = (t.pclntable.size() - func_off - func_header) / 4;
      if (uint64_t(npcdata) + nfuncdata > room) npcdata = nfuncdata = 0;  // damaged record
      const char *arrays = p + func_header;
      for (uint32_t k = 0; k < npcdata; ++k) f.pcdata.push_back(load_u32(arrays + 4 * k));
      for (uint32_t k = 0; k < nfuncdata; ++k) {
        uint32_t off = load_u32(arrays + 4 * (npcdata + k));
        f.funcdata.push_back(off == ~uint32_t(0) || !t.gofunc ? 0 : *t.gofunc + off);
      }
      t.funcs.push_back(std::move(f));
    }
    std::stable_sort(t.funcs.begin(), t.funcs.end(), [](const Func &a, const Func &b) { return a.entry < b.entry; });
    for (size_t i = 0; i < t.funcs.size(); ++i) t.by_name.emplace(t.funcs[i].name, i);
  });
  return pcln;
}

const Func *Executable::func_at(uint64_t pc) const {
  const auto &funcs = impl_->pclntab(*this).funcs;
  auto it = std::upper_bound(funcs.begin(), funcs.end(), pc, [](uint64_t v, const Func &f) { return v < f.entry; });
  if (it == funcs.begin()) return nullptr;
  --it;
  return pc < it->end ? &*it : nullptr;
}

const Func *Executable::func_named(std::string_view name) const {
  const Pclntab &t = impl_->pclntab(*this);
  auto it = t.by_name.find(name);
  return it == t.by_name.end() ? nullptr : &t.funcs[it->second];
}

std::optional<uint64_t> Executable::gofunc_base() const {
  return impl_->pclntab(*this).gofunc;
}
std::string Executable::pclntab_error() const {
  return impl_->pclntab(*this).error;
}

// The runtime's pcvalue: a sequence of (zig-zag value delta, pc delta) varint
// pairs starting at the entry with value -1; a zero value delta after the
// first pair ends the table.
std::optional<int32_t> Executable::pc_value(const Func &f, uint32_t table_offset, uint64_t pc) const {
  const Pclntab &t = impl_->pclntab(*this);
  if (table_offset == 0) return -1;
  if (pc < f.entry || pc >= f.end || table_offset >= t.pctab.size()) return std::nullopt;
  size_t pos = table_offset;
  uint64_t cur = f.entry;
  int32_t value = -1;
  for (bool first = true;; first = false) {
    uint32_t uv, pcdelta;
    if (pos >= t.pctab.size()) return std::nullopt;
    if (t.pctab[pos] == 0 && !first) return std::nullopt;  // end of table before PC
    if (!read_uvarint32(t.pctab, pos, uv)) return std::nullopt;
    value += int32_t(-(uv & 1) ^ (uv >> 1));
    if (!read_uvarint32(t.pctab, pos, pcdelta)) return std::nullopt;
    cur += uint64_t(pcdelta) * t.quantum;
    if (pc < cur) return value;
  }
}

std::optional<int32_t> Executable::sp_delta(const Func &f, uint64_t pc) const {
  return pc_value(f, f.pcsp, pc);
}

std::optional<std::pair<std::string, int>> Executable::pcln_line(const Func &f, uint64_t pc) const {
  const Pclntab &t = impl_->pclntab(*this);
  auto fileno = pc_value(f, f.pcfile, pc);
  auto line = pc_value(f, f.pcln, pc);
  if (!fileno || !line || *fileno < 0 || *line < 0) return std::nullopt;
  uint64_t slot = (uint64_t(f.cu_offset) + uint32_t(*fileno)) * 4;
  if (slot + 4 > t.cutab.size()) return std::nullopt;
  uint32_t file_off = load_u32(t.cutab.data() + slot);
  if (file_off == ~uint32_t(0) || file_off >= t.filetab.size()) return std::nullopt;
  return std::make_pair(std::string(cstring_at(t.filetab, file_off)), int(*line));
}

// The logical frames at PC from the pclntab alone (symtabinl.go's inlineUnwinder).
std::vector<SymbolizedFrame> pclntab_frames(const Executable &exe, const Pclntab &t, uint64_t pc) {
  std::vector<SymbolizedFrame> frames;
  const Func *f = exe.func_at(pc);
  if (!f) return frames;
  uint64_t tree = f->funcdata.size() > kFuncdataInlTree ? f->funcdata[kFuncdataInlTree] : 0;
  uint32_t index_table = f->pcdata.size() > kPcdataInlTreeIndex ? f->pcdata[kPcdataInlTreeIndex] : 0;
  uint64_t cur = pc;
  for (int depth = 0; depth < 256; ++depth) {
    SymbolizedFrame fr;
    if (auto fl = exe.pcln_line(*f, cur)) {
      fr.file = fl->first;
      fr.line = fl->second;
    }
    std::optional<int32_t> ix = (tree && index_table) ? exe.pc_value(*f, index_table, cur) : std::optional<int32_t>(-1);
    if (ix && *ix >= 0) {
      // Go 1.20+: {funcID u8, pad[3], nameOff i32, parentPc i32, startLine i32};
      // Go 1.18-19: {parent i16, funcID u8, pad, file i32, line i32, func i32, parentPc i32}.
      size_t size = t.go118 ? 20 : 16;
      char rec[20];
      if (!exe.read(tree + uint64_t(*ix) * size, rec, size)) break;
      uint32_t name_off = load_u32(rec + (t.go118 ? 12 : 4));
      int32_t parent_pc = int32_t(load_u32(rec + (t.go118 ? 16 : 8)));
      fr.function = std::string(cstring_at(t.funcnametab, name_off));
      fr.inlined = true;
      frames.push_back(std::move(fr));
      uint64_t next = f->entry + uint64_t(int64_t(parent_pc));
      if (next < f->entry || next >= f->end) break;
      cur = next;
      continue;
    }
    fr.function = f->name;
    frames.push_back(std::move(fr));
    return frames;
  }
  // A damaged tree: end with the physical function so callers still see it.
  SymbolizedFrame fr;
  fr.function = f->name;
  frames.push_back(std::move(fr));
  return frames;
}

std::optional<std::vector<Executable::CallSite>> Executable::direct_call_sites(const Func &f) const {
  uint64_t len = f.end - f.entry;
  if (f.end <= f.entry || len > (64u << 20)) return std::nullopt;
  std::string code(len, '\0');
  if (!read(f.entry, code.data(), len)) return std::nullopt;
  std::vector<CallSite> out;
  if (machine() == llvm::ELF::EM_X86_64) {
    for (uint64_t i = 0; i + 5 <= len; ++i) {
      if (uint8_t(code[i]) != 0xE8) continue;
      int32_t rel = int32_t(load_u32(code.data() + i + 1));
      out.push_back({f.entry + i, f.entry + i + 5 + uint64_t(int64_t(rel))});
    }
    return out;
  }
  if (machine() == llvm::ELF::EM_AARCH64) {
    for (uint64_t i = 0; i + 4 <= len; i += 4) {
      uint32_t insn = load_u32(code.data() + i);
      if ((insn & 0xFC000000u) != 0x94000000u) continue;  // BL imm26
      int64_t imm = int64_t(insn & 0x03FFFFFFu);
      if (imm & 0x02000000) imm -= 0x04000000;
      out.push_back({f.entry + i, f.entry + i + uint64_t(imm * 4)});
    }
    return out;
  }
  return std::nullopt;
}

std::optional<bool> Executable::calls(const Func &f, std::string_view target) const {
  const Func *callee = func_named(target);
  if (!callee) return std::nullopt;
  auto sites = direct_call_sites(f);
  if (!sites) return std::nullopt;
  uint32_t index_table = f.pcdata.size() > kPcdataInlTreeIndex ? f.pcdata[kPcdataInlTreeIndex] : 0;
  for (const CallSite &c : *sites) {
    if (c.target != callee->entry) continue;
    auto ix = index_table ? pc_value(f, index_table, c.pc) : std::nullopt;
    if (!ix || *ix < 0) return true;  // the function's own code, not an inlined body
  }
  return false;
}

}  // namespace crashctl::binary
