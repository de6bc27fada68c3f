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
  // Threads that decode one input, the caller's included; the report is
  // the same with any number. 0, each decoder's default: crash text, one
  // per CPU this process may use (a large uncompressed file is cut between
  // goroutines); cores, the caller's alone (their parallel stack walk was
  // measured slower on a shared 2-core machine: README "Cores"). 1, the
  // caller's alone.
  unsigned threads = 0;
};

// A decoder: reads IN (its path is out.path) into OUT's reports and diagnostics.
using DecodeFn = void (*)(OpenedInput &in, Input &out, const DecodeOptions &opts);

}  // namespace crashctl
