// A Go executable: its ELF segments and symbols, build info, DWARF (symbols,
// inlining, types, constants) and the Go function table (pclntab). Shared by
// the core and heap-dump decoders. All addresses are link-time addresses;
// callers subtract the load bias (PIE) first.
#pragma once

#include "model/process.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crashctl::binary {

// One logical frame for a pc: physical or inlined.
struct SymbolizedFrame {
  std::string function;  // Go's name: "main.(*T).m", "runtime.gopanic"
  std::string file;
  int line = 0;
  bool inlined = false;  // inlined into the next frame of the same pc
};

// A DWARF type, read lazily by name. Go names its types in Go syntax:
// "runtime.g", "*runtime._defer", "[]*runtime.g", "string", "uint8".
struct TypeField {
  std::string name;
  uint64_t offset = 0;
  std::string type;  // the field's type name
  uint64_t size = 0;
};
struct TypeInfo {
  std::string name;
  uint64_t size = 0;
  uint16_t tag = 0;               // DW_TAG_structure_type, DW_TAG_pointer_type, DW_TAG_base_type, ...
  uint8_t go_kind = 0;            // DW_AT_go_kind (reflect.Kind), 0 when absent
  std::string elem;               // pointer/array/slice element type name, typedef target
  std::string target;             // the DW_AT_type's name: a map or chan typedef's "*map<K,V>", "*hchan<T>"
  uint64_t count = 0;             // array length
  uint8_t encoding = 0;           // base types: DW_ATE_*
  std::vector<TypeField> fields;  // structs, in order
  const TypeField *field(std::string_view n) const;
};

// One function of the pclntab.
struct Func {
  uint64_t entry = 0, end = 0;  // [entry, end) link-time
  std::string name;
  uint32_t pcsp = 0, pcfile = 0, pcln = 0;  // offsets into the pc-value tables
  std::vector<uint32_t> pcdata;             // PCDATA_* table offsets
  std::vector<uint64_t> funcdata;           // FUNCDATA_* link-time addresses, 0 = none
  uint8_t func_id = 0;                      // abi.FuncID
  uint8_t flag = 0;                         // abi.FuncFlag (TopFrame 1, SPWrite 2, Asm 4)
  int32_t args = 0;
  uint32_t deferreturn = 0;  // offset of the deferreturn call, 0 = none
  int32_t start_line = 0;    // 0 before Go 1.20
  uint32_t cu_offset = 0;    // index of the function's CU in the cutab
};

struct GoModuleInfo;  // internal

// A package-level variable of the DWARF (DW_TAG_variable at DW_OP_addr).
struct GlobalVariable {
  std::string name;             // "main.cache"
  uint64_t addr = 0, size = 0;  // link-time address; size of its type, 0 unknown
  std::string type;             // Go syntax ("map[string][]uint8"), "" unknown
};

// Where part of a local variable or parameter lives in its function's stack
// frame at one pc: bytes [var_offset, var_offset+size) of the variable are at
// CFA + cfa_offset (the CFA is the caller's sp before the call: the unwinder's
// frame fp on amd64). Go describes them with DW_OP_call_frame_cfa and
// DW_OP_fbreg (frame base = CFA), in location lists with DW_OP_piece.
struct FrameVariable {
  std::string name, type;
  int64_t cfa_offset = 0;
  uint64_t var_offset = 0, size = 0;
  bool param = false;
};

// What the core decoder's unwinder, value reader and runtime layout read of a
// Go program: its function table (pclntab) and its DWARF. Executable answers
// from the file; unit tests answer from tables.
class GoProgram {
public:
  virtual ~GoProgram() = default;
  virtual const Func *func_at(uint64_t pc) const = 0;
  virtual const Func *func_named(std::string_view name) const = 0;
  virtual std::optional<int32_t> sp_delta(const Func &f, uint64_t pc) const = 0;
  virtual const TypeInfo *type(std::string_view name) const = 0;
  virtual std::optional<int64_t> constant(std::string_view name) const = 0;
  virtual std::optional<uint64_t> global_address(std::string_view name) const = 0;
};

class Executable final : public GoProgram {
public:
  // Maps PATH and reads its headers; an error names the file and what is wrong.
  // A zstd- or gzip-compressed executable is decompressed into memory.
  static llvm::Expected<std::unique_ptr<Executable>> open(const std::string &path);
  // The same, shared: the last few executables opened stay open (keyed by
  // path, size and modification time), so that many cores or heap dumps of
  // one program index its DWARF once. Thread-safe.
  static llvm::Expected<std::shared_ptr<const Executable>> open_shared(const std::string &path);
  ~Executable() override;

  const std::string &path() const;
  uint16_t machine() const;          // ELF e_machine (EM_X86_64 62, EM_AARCH64 183)
  unsigned pointer_size() const;     // 8 (only 64-bit ELF is read)
  bool is_pie() const;               // ET_DYN
  uint64_t entry() const;            // e_entry
  std::string gnu_build_id() const;  // hex of NT_GNU_BUILD_ID, "" if none
  std::string go_build_id() const;   // Go's build id note, "" if none

  struct Segment {
    uint64_t vaddr = 0, memsz = 0, offset = 0, filesz = 0;
    uint32_t flags = 0;  // PF_R/PF_W/PF_X
  };
  const std::vector<Segment> &load_segments() const;
  // Copies N bytes at link-time VADDR from the file's PT_LOAD contents.
  // False if any byte lies outside the file-backed part of a segment.
  bool read(uint64_t vaddr, void *out, size_t n) const;

  // .symtab (then .dynsym) lookup: address and size of a symbol by name.
  std::optional<std::pair<uint64_t, uint64_t>> symbol(std::string_view name) const;
  // The symbol containing ADDR (name, start), e.g. for a C function in a cgo binary.
  std::optional<std::pair<std::string, uint64_t>> symbol_at(uint64_t addr) const;

  // .go.buildinfo (both the pointer and the pointer-free format).
  std::optional<BuildInfo> build_info() const;

  // --- DWARF ---
  bool has_dwarf() const;
  // Problems met in the DWARF so far, each once, e.g. a damaged line table
  // ("parsing line table prologue at offset 0x... ..."): the frames it
  // covers then have no file:line. Callers report them as warnings.
  std::vector<std::string> dwarf_problems() const;
  // Logical frames at PC, innermost first; inlined frames flagged. When the
  // pc is a return address the caller passes pc-1 (the call instruction);
  // the result reports the lines of the call. Falls back to the pclntab
  // (function, file, line and its inline tree) without DWARF.
  std::vector<SymbolizedFrame> symbolize(uint64_t pc) const;
  // The same from the pclntab and its inline tree alone, ignoring DWARF.
  std::vector<SymbolizedFrame> symbolize_pclntab(uint64_t pc) const;

  // The caller's registers at PC in code with DWARF call frame information
  // (.eh_frame, then .debug_frame): C code linked in by cgo. Registers are
  // DWARF numbers (amd64: rbp 6, rsp 7, return address 16; arm64: x0-x30,
  // sp 31).
  struct RegisterRule {
    enum Kind { Unknown, Same, AtCfa, IsCfa, IsRegister } kind = Unknown;
    int64_t offset = 0;  // AtCfa: the value is at CFA + offset; IsCfa: CFA + offset
    uint32_t reg = 0;    // IsRegister: the value is in reg + offset
  };
  struct CallFrameRow {
    uint32_t cfa_reg = 0;  // the canonical frame address is cfa_reg + cfa_offset
    int64_t cfa_offset = 0;
    uint32_t return_address_reg = 0;
    std::vector<std::pair<uint32_t, RegisterRule>> regs;  // registers with a rule
  };
  // nullopt when no FDE covers PC or its rule is not a register plus an
  // offset (a DWARF expression).
  std::optional<CallFrameRow> call_frame_row(uint64_t pc) const;
  // A package-level variable's address (DW_TAG_variable with DW_OP_addr),
  // falling back to the symbol table.
  std::optional<uint64_t> global_address(std::string_view name) const override;
  // Every global variable at a static address, sorted by address.
  const std::vector<GlobalVariable> &globals() const;
  // The global variable whose bytes hold link-time ADDR, or nullptr.
  const GlobalVariable *global_at(uint64_t addr) const;
  // The stack-resident pieces of the locals and parameters of the function
  // (and the functions inlined into it) at link-time PC: those whose
  // location at PC is in the frame. Empty without DWARF. Cached by pc.
  std::vector<FrameVariable> frame_variables(uint64_t pc) const;
  // An integer DW_TAG_constant ("runtime._Gscan", "internal/abi.FUNCDATA_OpenCodedDeferInfo").
  std::optional<int64_t> constant(std::string_view name) const override;
  // Every constant whose name starts with PREFIX ("runtime.waitReason"), name -> value.
  std::vector<std::pair<std::string, int64_t>> constants_with_prefix(std::string_view prefix) const;
  // A type by its Go name; nullptr when the DWARF has no such type.
  const TypeInfo *type(std::string_view name) const override;
  // The type whose DW_AT_go_runtime_type equals OFFSET (the runtime *_type
  // minus moduledata.types), for decoding interface values.
  const TypeInfo *type_by_runtime_offset(uint64_t offset) const;

  // --- pclntab (.gopclntab) ---
  // The function containing PC, or nullptr.
  const Func *func_at(uint64_t pc) const override;
  const Func *func_named(std::string_view name) const override;
  // The value of the pc-value table at TABLE_OFFSET for PC inside F
  // (pcvalue in the runtime's symtab.go); nullopt if the table is damaged.
  std::optional<int32_t> pc_value(const Func &f, uint32_t table_offset, uint64_t pc) const;
  // The frame size at PC (pcsp), the basis of unwinding.
  std::optional<int32_t> sp_delta(const Func &f, uint64_t pc) const override;
  // File and line for PC in F from the pclntab (pcfile/pcln), physical only.
  std::optional<std::pair<std::string, int>> pcln_line(const Func &f, uint64_t pc) const;
  // Whether the code of F itself (not code inlined into it) contains a call
  // to the function TARGET (e.g. "runtime.gorecover"). nullopt if unknown.
  std::optional<bool> calls(const Func &f, std::string_view target) const;
  struct CallSite {
    uint64_t pc = 0, target = 0;  // link addresses of the call and its destination
  };
  // The direct calls in F's code, in code order: CALL rel32 on amd64 (a stray
  // E8 byte inside another instruction may decode as one), BL imm26 on
  // arm64. nullopt when the code is unreadable or the machine unknown.
  std::optional<std::vector<CallSite>> direct_call_sites(const Func &f) const;
  // moduledata.gofunc: the base that FUNCDATA offsets are relative to.
  std::optional<uint64_t> gofunc_base() const;
  // Why the pclntab is unusable or incomplete ("" when it was read fully),
  // e.g. an unsupported magic. DWARF keeps working without it.
  std::string pclntab_error() const;

private:
  Executable();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crashctl::binary
