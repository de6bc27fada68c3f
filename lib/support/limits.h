// The resource policy (formats/resources.md): every limit on what one input
// may cost, in one place. Each is overridable by name (`--limit NAME=VALUE`).
// Set the limits before analysis starts; they are read, never written, while
// inputs are analyzed (on any thread).
#pragma once

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crashctl {

struct ResourceLimits {
  // Longest line of text; longer lines are cut, with a warning.
  uint64_t line_bytes = uint64_t(16) << 20;
  // A panic or fatal-error message kept per report; the rest is dropped, with a warning.
  uint64_t panic_message_bytes = uint64_t(64) << 10;
  // Goroutines listed per goroutine profile (pprof proto).
  uint64_t profile_goroutines = uint64_t(1) << 21;
  // Warnings and errors kept per input; later ones are counted, not kept.
  uint64_t diagnostics_per_input = 1000;
  // An executable after decompression: at most this many bytes, and at most
  // executable_ratio times its compressed size.
  uint64_t executable_bytes = uint64_t(4) << 30;
  uint64_t executable_ratio = 16;
  // The window of a zstd frame (what --long=N asks of the reader): the
  // decompressor's memory; a frame that needs more is refused.
  uint64_t zstd_window_bytes = uint64_t(2) << 30;
  // Temporary disk for one compressed core, decompressed to be mapped
  // (all-zero pages are holes and cost nothing); the core is read up to here.
  uint64_t temp_file_bytes = uint64_t(32) << 30;
  // Nesting of JSON documents crashctl reads (triage tables).
  uint64_t json_depth = 64;
  // Triage JSON tables (--merge, --baseline): at most this many bytes each.
  uint64_t table_bytes = uint64_t(1) << 30;
  // Process address space (RLIMIT_AS), 0 for none. Running out of memory on
  // one input fails that input (exit 2), not the run.
  uint64_t memory_bytes = 0;
};

// The limits in force (defaults until set_resource_limits is called).
const ResourceLimits &resource_limits();
void set_resource_limits(const ResourceLimits &limits);

struct ResourceLimitInfo {
  const char *name;
  uint64_t ResourceLimits::*field;
  const char *unit;  // "bytes", "count", "ratio"
  const char *meaning;
};
// Every limit, in the order formats/resources.md lists them.
const std::vector<ResourceLimitInfo> &resource_limit_table();

// Applies "NAME=VALUE" to LIMITS. VALUE is a decimal number, for byte limits
// optionally with a K, M, G or T suffix (powers of 1024). Errors name the
// limit or list the known names.
llvm::Error apply_resource_limit(ResourceLimits &limits, std::string_view assignment);

}  // namespace crashctl
