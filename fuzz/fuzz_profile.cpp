// libFuzzer target for the profile.proto goroutine-profile decoder: any bytes
// must decode without crashing, straight (decode_profile_proto) and through
// the pipeline's detection (analyze_bytes), with self-consistent reports.
//   ninja -C build-fuzz fuzz_profile
//   build-fuzz/fuzz/fuzz_profile -max_total_time=600 corpus/ fuzz/corpus/profile
#include "io/input.h"
#include "pipeline/analyze.h"
#include "profile/goroutine_profile.h"

#include <cstdint>
#include <string_view>

namespace {

using namespace crashctl;

void check(const Input &in) {
  for (const Report &r : in.reports) {
    if (r.end_offset < r.offset) __builtin_trap();
    for (const Goroutine &g : r.process.goroutines)
      if (!g.stack) __builtin_trap();
  }
  for (const Diagnostic &d : in.diagnostics)
    if (d.message.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  Input direct;
  direct.path = "fuzz-input";
  std::unique_ptr<ByteSource> src = memory_source(bytes, "fuzz-input");
  profile::decode_profile_proto(*src, direct);
  check(direct);
  if (direct.size != size) __builtin_trap();
  if (!direct.failed && direct.reports.size() != 1) __builtin_trap();

  Input piped = analyze_bytes(bytes, "fuzz-input", AnalysisOptions{});
  check(piped);
  return 0;
}
