// Symbolizing a heap dump with its executable (--exe): file:line and inlined
// frames, goroutine creators, deferred functions, type names and read-only
// data for panic values.
#pragma once

#include "heapdump/decoder.h"

#include <vector>

namespace crashctl {
namespace binary {
class Executable;
}

// Sets opts.symbolize, opts.read_static and opts.type_name to use EXE, which
// must outlive the decoding. A PIE's load bias is found from the dump's frames.
void use_executable(HeapDumpOptions &opts, const binary::Executable &exe);
// The same with the first of CANDIDATES (--debug-dir) whose function entries
// match the dump's frames; none matching is a note, not a warning.
void use_first_matching(HeapDumpOptions &opts, std::vector<const binary::Executable *> candidates);

}  // namespace crashctl
