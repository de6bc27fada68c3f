// The core-dump decoder: rebuilds the goroutines, their stacks, defers and
// panics, and the threads of a Go process from an ELF core and its
// executable. Struct layouts, constants and strings come from the
// executable's DWARF, not from per-release tables.
#pragma once

#include "core/heap.h"
#include "io/decode.h"
#include "io/input.h"
#include "model/report.h"

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>

namespace crashctl {

// Decodes the core at out.path (already opened as IN) into one Report in OUT.
// The executable is found by binary::locate_executable (opts.exe, the path
// the core records, opts.debug_dirs, debuginfod) and kept in out.executable.
// Problems become diagnostics; a mismatching executable fails the input.
void decode_core(OpenedInput &in, Input &out, const DecodeOptions &opts);

// The same for a core already in memory (tests, fuzzing); BYTES must outlive OUT's use.
void decode_core_bytes(llvm::StringRef bytes, const std::string &name, Input &out, const DecodeOptions &opts);

// For tests: decode_core_bytes with the heap read whatever opts.memory says,
// handing over the object graph and the walk's own figures (core/heap.h).
struct HeapCapture {
  std::unique_ptr<memory::HeapGraph> graph;
  core::HeapWalkStats stats;
};
void decode_core_heap(llvm::StringRef bytes, const std::string &name, Input &out, const DecodeOptions &opts,
                      HeapCapture &capture);

}  // namespace crashctl
