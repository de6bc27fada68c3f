// Whether an executable is the one that produced a core (formats/core.md,
// "Matching"). A wrong executable gives garbage goroutines and invented
// verdicts, so a core is read only with an executable the core confirms.
#pragma once

#include "binary/executable.h"
#include "core/core_file.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace crashctl::core {

// What the core itself keeps of its program's ELF header: the kernel dumps
// the first page of every ELF mapping, which holds the build id notes.
struct CoreProgramHeader {
  uint64_t address = 0;  // where the header was mapped
  uint16_t type = 0;     // ET_EXEC or ET_DYN
  uint64_t entry = 0;    // e_entry (link-time)
  std::string gnu_build_id, go_build_id;
};
// The header page of the core's main executable (the first NT_FILE path at
// file offset 0, else the page of AT_PHDR); nullopt when the core lacks it.
std::optional<CoreProgramHeader> core_program_header(const CoreFile &core);

// Where EXE was loaded: 0 unless it is position-independent, then AT_ENTRY
// (NT_AUXV) minus e_entry; nullopt for a PIE when the core has no AT_ENTRY.
std::optional<uint64_t> load_bias(const CoreFile &core, const binary::Executable &exe);

// Checks EXE, loaded at BIAS, against CORE. Every piece of evidence the core
// holds must agree:
//  - AT_ENTRY: the entry point (exactly, or page-aligned for a PIE);
//  - the program's ELF header page: PIE or not, entry, GNU and Go build ids;
//  - the executable's read-only bytes, wherever the core holds them;
//  - runtime.firstmoduledata in the core's memory: its pointers to the
//    pclntab header and the text, data and type sections must be the
//    executable's addresses.
// Returns what agreed ("GNU build id ..., runtime.firstmoduledata"), or an
// error naming both files: on any disagreement, and when the core holds
// none of this evidence (nothing read from it could be trusted).
llvm::Expected<std::string> check_executable(const CoreFile &core, const binary::Executable &exe, uint64_t bias,
                                             const std::string &core_name, const std::string &exe_name);

}  // namespace crashctl::core
