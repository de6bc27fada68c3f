// libFuzzer target for the core decoder: a real core, damaged where the
// fuzzer says (byte patches and a truncation), read with its real
// executable. Decoding must not crash, and every goroutine keeps a stack.
//   CRASHCTL_FUZZ_CORE=testdata/cores/go1.26.8/open-coded-defers.core.zst \
//   CRASHCTL_FUZZ_EXE=testdata/cores/go1.26.8/scenarios-core.exe.zst \
//   build-fuzz/fuzz/fuzz_core -max_total_time=120
// Both may be compressed. The executable is decompressed to a temporary file.
#include "core/decoder.h"
#include "io/input.h"

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {
std::string core_bytes;
crashctl::DecodeOptions opts;

std::string slurp(const char *path) {
  auto in = crashctl::open_input(path, /*detect_kind=*/false);
  if (!in) {
    fprintf(stderr, "fuzz_core: %s\n", llvm::toString(in.takeError()).c_str());
    std::exit(1);
  }
  std::string out, buf(1 << 16, '\0');
  for (;;) {
    auto n = in->source->read(buf.data(), buf.size());
    if (!n || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *core = std::getenv("CRASHCTL_FUZZ_CORE"), *exe = std::getenv("CRASHCTL_FUZZ_EXE");
  if (!core || !exe) {
    fprintf(stderr, "fuzz_core: set CRASHCTL_FUZZ_CORE and CRASHCTL_FUZZ_EXE\n");
    std::exit(1);
  }
  core_bytes = slurp(core);
  std::string exe_bytes = slurp(exe);
  char tmpl[] = "/tmp/crashctl-fuzz-exe-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0 || write(fd, exe_bytes.data(), exe_bytes.size()) != ssize_t(exe_bytes.size())) std::exit(1);
  close(fd);
  opts.exe = tmpl;
  std::atexit([] { unlink(opts.exe.c_str()); });
  opts.progress = false;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  uint32_t keep;
  std::memcpy(&keep, data, 4);
  size_t len = core_bytes.size();
  if (keep & 1) len = size_t(uint64_t(keep >> 1) * core_bytes.size() >> 31);
  // Patches: 5 bytes each, offset and xor; even offsets aim at the headers
  // and notes at the start of the file, odd ones anywhere.
  std::vector<std::pair<size_t, char>> undo;
  for (size_t i = 4; i + 5 <= size; i += 5) {
    uint32_t off;
    std::memcpy(&off, data + i, 4);
    size_t at = (off & 1) ? off % core_bytes.size() : off % 65536 % core_bytes.size();
    undo.emplace_back(at, core_bytes[at]);
    core_bytes[at] = char(core_bytes[at] ^ (data[i + 4] | 1));
  }
  crashctl::Input in;
  in.path = "fuzz-core";
  crashctl::decode_core_bytes(llvm::StringRef(core_bytes.data(), std::min(len, core_bytes.size())), "fuzz-core", in,
                              opts);
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) core_bytes[it->first] = it->second;
  for (const crashctl::Report &r : in.reports)
    for (const crashctl::Goroutine &g : r.process.goroutines)
      if (!g.stack) std::abort();
  return 0;
}
