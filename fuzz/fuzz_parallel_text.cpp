// libFuzzer target for parallel crash-text decoding: any bytes cut into
// parts between goroutines, decoded at once and absorbed, must give exactly
// what one thread gives (model/describe.h compares the two).
#include "io/input.h"
#include "model/describe.h"
#include "traceback/decoder.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  auto decode = [&](unsigned threads) {
    auto src = crashctl::memory_source(bytes, "fuzz-input");
    crashctl::Input in;
    in.path = "fuzz-input";
    crashctl::decode_traceback(*src, in, false, threads, /*min_part=*/1);
    return crashctl::describe_decoded(in);
  };
  std::string one = decode(1);
  if (decode(3) != one || decode(16) != one) std::abort();
  return 0;
}
