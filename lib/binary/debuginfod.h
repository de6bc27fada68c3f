// Executables by GNU build id from debuginfod servers, through LLVM's
// debuginfod client and its cache (GET URL/buildid/ID/executable). The
// environment configures it, as it does gdb, elfutils and LLVM's tools:
//   DEBUGINFOD_URLS        the servers, separated by spaces, asked in order;
//   DEBUGINFOD_CACHE_PATH  the cache (default LLVM's: ~/.cache/llvm-debuginfod/client);
//   DEBUGINFOD_TIMEOUT     seconds one request may take, a positive integer
//                          (otherwise, and by default, 30; LLVM's own is 90).
#pragma once

#include "llvm/Support/Error.h"

#include <chrono>
#include <string>
#include <vector>

namespace crashctl::binary {

inline constexpr std::chrono::seconds kDefaultDebuginfodTimeout{30};

struct DebuginfodConfig {
  std::vector<std::string> urls;
  std::chrono::milliseconds timeout = kDefaultDebuginfodTimeout;
  // Read from the environment at each call (tests and long-lived programs
  // may change it).
  static DebuginfodConfig from_environment();
};

// The executable with BUILD_ID (lowercase hex) in the cache, downloaded
// there first unless OFFLINE. Each server is asked in turn; one that failed
// to answer (refused, timed out) is not asked again in this process. The
// error names the build id and, for each server, why it gave nothing; with
// OFFLINE, that none was asked. Thread-safe: lookups are serialized.
llvm::Expected<std::string> debuginfod_executable(const DebuginfodConfig &config, const std::string &build_id,
                                                  bool offline);

}  // namespace crashctl::binary
