// Goroutine state the runtime keeps beside the stack, read from a core:
// pprof labels (g.labels), and the runtime's nanotime at the crash, which
// turns g.waitsince into the ", N minutes" of the goroutine header
// (formats/core.md, "Labels, ancestors and wait minutes").
#pragma once

#include "binary/executable.h"
#include "core/memory.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crashctl::core {

using LabelList = std::vector<std::pair<std::string, std::string>>;

// The labels at g.labels (a *runtime/pprof.labelMap), sorted by key. The
// layout comes from the executable's DWARF: a map[string]string (Go <= 1.23,
// read through the linker's hash<K,V> and bucket<K,V> types) or a struct
// holding a slice of {key, value string} (Go 1.24+). nullopt, with PROBLEM
// set, when the type is unknown or the memory does not hold a label set.
std::optional<LabelList> read_pprof_labels(const Memory &mem, const binary::GoProgram &exe, uint64_t labels,
                                           std::string &problem);

// The labels as the runtime's goroutine header prints them, without the
// braces: Go 1.27+ (GO_MINOR >= 27) quotes a key or value only when it holds
// more than [A-Za-z0-9./_]; earlier releases (1.26 with
// GODEBUG=tracebacklabels=1, and the form used for releases that print no
// labels) quote every one.
std::string format_labels(const LabelList &labels, int go_minor);

// The runtime's printquoted: "..." with \n \r \t \\ \" escaped, printable
// ASCII as is, other code points as \xNN, \uNNNN or \UNNNNNNNN. An invalid
// UTF-8 byte is \xNN from Go 1.27 and U+FFFD (\ufffd) before.
std::string go_runtime_quote(std::string_view s, int go_minor);

// A lower bound of the runtime's nanotime() when the core was written: the
// newest of the timestamps the scheduler stores with nanotime() (see
// formats/core.md), and where it came from.
struct NanotimeEstimate {
  int64_t ns = 0;      // 0: none found
  std::string source;  // "sched.lastpoll", "p.sysmontick.schedwhen", ...
};
// NEWEST_WAITSINCE: the largest g.waitsince of the goroutines (also a lower
// bound); BIAS the PIE load bias of the runtime's globals.
NanotimeEstimate estimate_nanotime(const Memory &mem, const binary::GoProgram &exe, uint64_t bias,
                                   int64_t newest_waitsince);

}  // namespace crashctl::core
