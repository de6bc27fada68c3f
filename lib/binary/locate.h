// Finding the executable of a core or heap dump and checking that it is the
// one that ran (formats/core.md, "Finding the executable" and "Matching"). A
// wrong executable gives garbage goroutines and invented verdicts, so an
// input is read only with an executable its own evidence confirms. Build ids
// are looked up under --debug-dir (an llvm::object::BuildIDFetcher) and on
// debuginfod servers (binary/debuginfod.h).
#pragma once

#include "binary/executable.h"
#include "io/decode.h"

#include "llvm/Object/BuildID.h"
#include "llvm/Object/ELFTypes.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace crashctl::binary {

// The build ids of an ELF file's notes, the first of each kind: GNU
// (NT_GNU_BUILD_ID, in hex) and Go's (type 4, as written). Read for an
// executable and for the program header page a core keeps.
struct BuildIds {
  std::string gnu, go;
  void read(const llvm::object::ELF64LE::Note &note);
  bool complete() const { return !gnu.empty() && !go.empty(); }
};

// A file mapped into the process (NT_FILE).
struct MappedFile {
  uint64_t start = 0, end = 0, file_offset = 0;
  std::string path;
};

// What a process image (an ELF core) records of its program.
class ProcessImage {
public:
  virtual ~ProcessImage() = default;
  virtual uint16_t machine() const = 0;                          // ELF e_machine
  virtual const std::map<uint64_t, uint64_t> &auxv() const = 0;  // NT_AUXV, type -> value
  virtual const std::vector<MappedFile> &files() const = 0;      // NT_FILE, the executable first
  // Copies N bytes at VADDR; returns how many leading bytes it had.
  virtual size_t read(uint64_t vaddr, void *out, size_t n) const = 0;
  // The bytes held at VADDR and after it, up to the end of that stretch (a
  // core segment's file contents), starting at address START: for readers
  // that keep the stretch and copy from it directly. Empty when the image
  // does not hold VADDR or keeps no such bytes.
  struct Span {
    uint64_t start = 0;
    llvm::StringRef bytes;
  };
  virtual Span span_at(uint64_t vaddr) const {
    (void)vaddr;
    return {};
  }
};

// The build id lookup of --debug-dir: DIR/ID, DIR/.build-id/xx/rest and
// DIR/.build-id/xx/rest.debug, regular files only (never a FIFO or device).
class DebugDirFetcher : public llvm::object::BuildIDFetcher {
public:
  explicit DebugDirFetcher(std::vector<std::string> dirs)
      : llvm::object::BuildIDFetcher(dirs), dirs_(std::move(dirs)) {}
  std::optional<std::string> fetch(llvm::object::BuildIDRef id) const override;

private:
  std::vector<std::string> dirs_;
};

// The regular files directly in each of DIRS and in their .build-id/xx/
// directories, at most LIMIT: candidates for inputs that record no build id
// (heap dumps), each to be checked against the input.
std::vector<std::string> debug_dir_files(const std::vector<std::string> &dirs, size_t limit = 256);

// The program's executable as the image records it: the first NT_FILE path,
// else the AT_EXECFN string; "" when it records neither.
std::string recorded_executable(const ProcessImage &image);

// The one search for an executable, for cores and heap dumps alike:
//   1. --exe, and nothing else when it is given;
//   2. the path the input records (cores: NT_FILE, AT_EXECFN);
//   3. --debug-dir: the file named by the build id, or every file there for
//      an input that records no build id (heap dumps);
//   4. debuginfod (DEBUGINFOD_URLS) by build id; only its cache with --offline.
// CHECK is the input's own evidence that a candidate is the executable that
// ran; the first candidate it accepts is used. The error of --exe is the
// file's or CHECK's; otherwise it lists, step by step, what each step found
// (nothing, or a file CHECK refused and why), or is empty when no step
// applied.
struct ExecutableQuery {
  std::string recorded_path;  // "" when the input records none
  std::string build_id;       // GNU build id of the program that ran, hex; "" when unknown
};
struct FoundExecutable {
  std::shared_ptr<const Executable> exe;
  InputExecutable origin;
};
using ExecutableCheck = std::function<llvm::Error(const Executable &exe, const std::string &path)>;
llvm::Expected<FoundExecutable> find_executable(const ExecutableQuery &query, const DecodeOptions &opts,
                                                const ExecutableCheck &check);

// The executable to read IMAGE with, found by find_executable, checked
// against it (machine, load bias, check_executable), and where it was
// loaded. The error names the image, the build id and what each step of the
// search found.
struct LocatedExecutable {
  std::shared_ptr<const Executable> exe;
  InputExecutable origin;
  uint64_t bias = 0;
};
llvm::Expected<LocatedExecutable> locate_executable(const ProcessImage &image, const std::string &image_name,
                                                    const DecodeOptions &opts);

// What the core itself keeps of its program's ELF header: the kernel dumps
// the first page of every ELF mapping, which holds the build id notes.
struct CoreProgramHeader {
  uint64_t address = 0;                   // where the header was mapped
  uint16_t type = 0;                      // ET_EXEC or ET_DYN
  uint64_t entry = 0;                     // e_entry (link-time)
  std::string gnu_build_id, go_build_id;  // hex; Go's as written
};
// The header page of the core's main executable (the first NT_FILE path at
// file offset 0, else the page of AT_PHDR); nullopt when the core lacks it.
std::optional<CoreProgramHeader> core_program_header(const ProcessImage &core);
// The ELF header page the core holds at ADDRESS (where a file mapped at
// offset 0 starts: the program, or a shared library); nullopt when the core
// lacks it or it is no ELF header.
std::optional<CoreProgramHeader> core_elf_header(const ProcessImage &core, uint64_t address);

// Where EXE was loaded: 0 unless it is position-independent, then AT_ENTRY
// (NT_AUXV) minus e_entry; nullopt for a PIE when the core has no AT_ENTRY.
std::optional<uint64_t> load_bias(const ProcessImage &core, const Executable &exe);

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
llvm::Expected<std::string> check_executable(const ProcessImage &core, const Executable &exe, uint64_t bias,
                                             const std::string &core_name, const std::string &exe_name);

}  // namespace crashctl::binary
