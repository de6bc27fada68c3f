// libFuzzer target for the heap-dump decoder: any bytes after the
// "go1.7 heap dump\n" header must decode without crashing, including the
// extra pass that reads panic values and the object graph with its
// dominator tree (lib/memory), and every diagnostic names an offset inside
// the input.
#include "heapdump/decoder.h"
#include "io/input.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Half the inputs get the header, so the fuzzer reaches the records.
  std::string bytes(reinterpret_cast<const char *>(data), size);
  if (size && (data[0] & 1)) bytes = "go1.7 heap dump\n" + bytes.substr(1);
  crashctl::Input in;
  in.path = "fuzz-input";
  crashctl::HeapDumpOptions opts;
  opts.show_progress = false;
  opts.memory = true;
  opts.reopen = [&bytes]() { return crashctl::memory_source(bytes, "fuzz-input"); };
  auto src = crashctl::memory_source(bytes, "fuzz-input");
  crashctl::decode_heapdump(*src, in, opts);
  for (const crashctl::Diagnostic &d : in.diagnostics)
    if (d.message.empty() || d.offset > bytes.size()) std::abort();
  for (const crashctl::Report &r : in.reports) {
    for (const crashctl::Goroutine &g : r.process.goroutines)
      if (!g.stack) std::abort();
    if (r.memory && r.memory->reachable_bytes + r.memory->unreachable_bytes != r.memory->live_bytes) std::abort();
  }
  return 0;
}
