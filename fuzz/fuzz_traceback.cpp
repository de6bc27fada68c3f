// libFuzzer target for the crash-text decoder and verdict: any bytes must
// decode without crashing, and every report must be self-consistent.
#include "pipeline/analyze.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  crashctl::Input in = crashctl::analyze_bytes(bytes, "fuzz-input", crashctl::AnalysisOptions{});
  for (const crashctl::Report &r : in.reports) {
    if (r.end_offset < r.offset) std::abort();
    if (!r.verdict.cls) std::abort();
    for (const crashctl::Goroutine &g : r.process.goroutines)
      if (!g.stack) std::abort();
  }
  for (const crashctl::Diagnostic &d : in.diagnostics)
    if (d.message.empty()) std::abort();
  return 0;
}
