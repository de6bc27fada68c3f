// Fuzzes decompression, kind detection and line splitting: open the data as
// an input (zstd, gzip or plain) and drain it through LineReader.
#include "io/input.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace crashctl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  auto opened = open_source(memory_source(bytes, "fuzz"), "fuzz");
  if (!opened) {
    std::string msg = llvm::toString(opened.takeError());
    if (msg.rfind("fuzz: ", 0) != 0) std::abort();  // errors name the input
    return 0;
  }
  // A small max_line so that cutting long lines is exercised too.
  constexpr size_t kMaxLine = 300;
  LineReader reader(*opened->source, "fuzz", kMaxLine);
  size_t diags = 0;
  reader.on_diagnostic = [&](Diagnostic d) {
    if (d.message.empty()) std::abort();
    ++diags;
  };
  std::string_view line;
  uint64_t offset = 0, last = 0;
  bool first = true;
  // Decompression can expand: stop after 64 MiB so one input stays quick.
  while (reader.next(line, offset)) {
    if (line.size() > kMaxLine) std::abort();
    if (!first && offset <= last) std::abort();  // offsets strictly increase
    if (offset + line.size() > reader.bytes_read()) std::abort();
    first = false;
    last = offset;
    if (reader.bytes_read() > (64u << 20)) break;
  }
  if (!reader.error().empty() && reader.error().rfind("fuzz: ", 0) != 0) std::abort();
  return 0;
}
