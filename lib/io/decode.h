// What every decoder takes: the opened input, the Input it fills, and the
// options that belong to decoding. lib/pipeline dispatches on the input kind.
#pragma once

#include "io/input.h"

#include <string>
#include <vector>

namespace crashctl {

struct DecodeOptions {
  // Cores and heap dumps: --exe (the executable; else found from the input),
  // --debug-dir (directories searched by build id) and --offline (debuginfod
  // servers are not asked; its cache is still read). binary/locate.h.
  std::string exe;
  std::vector<std::string> debug_dirs;
  bool offline = false;
  // --sysroot: the crashed machine's root (a copy), where a core's shared
  // libraries are read for their C frames; "" reads them from this machine.
  std::string sysroot;
  // Per-input progress on stderr (a TTY only); triage turns it off.
  bool progress = true;
  // --memory / --no-memory: whether cores and heap dumps compute what holds
  // the heap (lib/memory). Auto: heap dumps and out-of-memory cores.
  enum class Memory { Auto, On, Off } memory = Memory::Auto;
  // Cores: threads that walk goroutine stacks, the caller's included; 0 or
  // 1, the caller's alone (measured faster on a shared 2-core machine:
  // README "Cores"). The report is the same.
  unsigned threads = 0;
};

// A decoder: reads IN (its path is out.path) into OUT's reports and diagnostics.
using DecodeFn = void (*)(OpenedInput &in, Input &out, const DecodeOptions &opts);

}  // namespace crashctl
