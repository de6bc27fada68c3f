// Internal state of binary::Executable, shared by its source files.
#pragma once

#include "binary/executable.h"

#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugFrame.h"
#include "llvm/DebugInfo/DWARF/DWARFDie.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace crashctl::binary {

struct SectionInfo {
  uint64_t addr = 0, offset = 0, size = 0;
  bool in_file = false;  // not SHT_NOBITS and inside the file
};

struct SymbolEntry {
  uint64_t addr = 0, size = 0;
  std::string_view name;  // points into the mapped file
};

// Names and values gathered by one pass over the top-level DIEs of every unit.
struct DwarfIndex {
  struct TypeEntry {
    llvm::DWARFDie die;
    uint8_t rank = 0;  // 0 Go type, 1 Go typedef, 2 from a non-Go unit: lower wins
  };
  std::unordered_map<std::string_view, TypeEntry> types;  // Go type name -> DIE
  std::unordered_map<uint64_t, llvm::DWARFDie> by_runtime_type;
  std::unordered_map<std::string_view, uint64_t> globals;
  std::vector<std::pair<uint64_t, llvm::DWARFDie>> global_dies;  // static-address variables
  std::map<std::string, int64_t, std::less<>> constants;
};

// The parsed .gopclntab.
struct Pclntab {
  std::string error;  // why it is unusable, "" when fine
  uint32_t magic = 0;
  bool go118 = false;  // 0xfffffff0: no startLine, old inline tree entries
  unsigned quantum = 1;
  uint64_t text_start = 0;
  std::string_view funcnametab, cutab, filetab, pctab, pclntable;
  std::optional<uint64_t> gofunc;
  std::vector<Func> funcs;  // sorted by entry
  std::unordered_map<std::string_view, size_t> by_name;
};

struct Executable::Impl {
  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::unique_ptr<llvm::object::ELF64LEObjectFile> object;
  uint16_t machine = 0;
  bool pie = false;
  uint64_t entry = 0;
  std::vector<Segment> segments;
  std::string gnu_build_id, go_build_id;
  std::map<std::string, SectionInfo, std::less<>> sections;

  std::unordered_map<std::string_view, std::pair<uint64_t, uint64_t>> symbols_by_name;
  std::vector<SymbolEntry> symbols_by_addr;  // sorted by addr, sized symbols

  std::string_view file() const { return buffer->getBuffer(); }
  const SectionInfo *section(std::string_view name) const;
  std::string_view section_bytes(std::string_view name) const;
  bool read(uint64_t vaddr, void *out, size_t n) const;
  std::string_view bytes_at(uint64_t vaddr, uint64_t n) const;  // "" unless fully file-backed

  // What LLVM's DWARF parser reported (damaged line tables, ...), each once.
  // Declared before `dwarf`, whose error handlers write here: destroyed after it.
  std::mutex dwarf_problems_mutex;
  std::vector<std::string> dwarf_problems;
  void dwarf_problem(llvm::Error e);
  // DWARF, created at open, indexed on first use.
  std::unique_ptr<llvm::DWARFContext> dwarf;
  bool dwarf_present = false;
  std::once_flag dwarf_index_once;
  DwarfIndex dwarf_index;
  const DwarfIndex &index();
  std::mutex dwarf_mutex;  // serializes DWARF queries and guards the caches below
  std::unordered_map<uint64_t, std::vector<SymbolizedFrame>> symbolize_cache;
  std::unordered_map<std::string, std::unique_ptr<TypeInfo>> type_cache;
  std::unordered_map<uint64_t, const TypeInfo *> type_by_offset_cache;
  std::once_flag globals_once;
  std::vector<GlobalVariable> globals_list;                                   // sorted by address
  std::unordered_map<uint64_t, std::vector<FrameVariable>> frame_vars_cache;  // by pc
  std::unique_ptr<TypeInfo> build_type(llvm::DWARFDie die);                   // dwarf_mutex held
  const TypeInfo *type_locked(std::string_view name);                         // dwarf_mutex held

  // Call frame information (call_frames.cpp): FDEs by address, and each
  // FDE's rows once computed.
  struct FdeRange {
    uint64_t begin = 0, end = 0;
    const llvm::dwarf::FDE *fde = nullptr;
  };
  std::once_flag cfi_once;
  std::unique_ptr<llvm::DWARFContext> cfi_context;  // when `dwarf` is absent
  std::vector<FdeRange> fdes;                       // sorted by begin; .eh_frame before .debug_frame
  std::mutex cfi_mutex;
  std::map<const llvm::dwarf::FDE *, std::optional<llvm::dwarf::UnwindTable>> unwind_tables;

  std::once_flag pclntab_once;
  Pclntab pcln;
  const Pclntab &pclntab(const Executable &self);
};

// Little-endian loads from a byte view, bounds-checked by the caller.
inline uint32_t load_u32(const char *p) {
  return llvm::support::endian::read32le(p);
}
inline uint64_t load_u64(const char *p) {
  return llvm::support::endian::read64le(p);
}

// Logical frames at PC from the pclntab and its inline tree, innermost first.
std::vector<SymbolizedFrame> pclntab_frames(const Executable &exe, const Pclntab &t, uint64_t pc);

// Parses the modinfo text of .go.buildinfo (runtime/debug.ParseBuildInfo).
void parse_modinfo(std::string_view text, BuildInfo &out);

}  // namespace crashctl::binary
