// bench_json_scan FILE: reads every line of FILE (one JSON object a line,
// e.g. journalctl -o json) twice in this process, with llvm::json::parse and
// with crashctl's JsonObjectScanner, taking the MESSAGE (or msg/log/Output)
// string of each; prints MB/s of both, their ratio, and fails if the two
// disagree on any line. Built by bench/wrapped_logs.sh (target bench_json_scan).
#include "logs/json_scan.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <chrono>
#include <cstdio>
#include <string>

using namespace crashctl;

namespace {

const char *const kKeys[] = {"MESSAGE", "msg", "log", "Output"};

template <class F>
double seconds(F &&f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_json_scan FILE\n");
    return 2;
  }
  auto buf = llvm::MemoryBuffer::getFile(argv[1]);
  if (!buf) {
    std::fprintf(stderr, "bench_json_scan: %s: %s\n", argv[1], buf.getError().message().c_str());
    return 2;
  }
  llvm::StringRef all = (*buf)->getBuffer();
  uint64_t llvm_lines = 0, scan_lines = 0;
  std::string message;
  // Message lengths and a checksum per parser: the two must agree.
  uint64_t llvm_sum = 0, scan_sum = 0;
  auto each_line = [&](auto &&fn) {
    for (llvm::StringRef rest = all; !rest.empty();) {
      auto [line, tail] = rest.split('\n');
      rest = tail;
      if (!line.empty()) fn(std::string_view(line.data(), line.size()));
    }
  };
  double t_llvm = seconds([&] {
    each_line([&](std::string_view line) {
      auto v = llvm::json::parse(llvm::StringRef(line.data(), line.size()));
      if (!v) {
        llvm::consumeError(v.takeError());
        return;
      }
      ++llvm_lines;
      if (const llvm::json::Object *o = v->getAsObject())
        for (const char *k : kKeys)
          if (auto s = o->getString(k)) {
            llvm_sum += s->size() * 31 + (s->empty() ? 0 : uint8_t(s->back()));
            break;
          }
    });
  });
  double t_scan = seconds([&] {
    each_line([&](std::string_view line) {
      std::string_view raw;
      bool escaped = false, found = false;
      int rank = 99;
      logs::JsonObjectScanner scanner(line);
      bool ok = scanner.scan([&](const logs::JsonMember &m) {
        if (m.kind != logs::JsonKind::String) return true;
        for (int i = 0; i < rank && i < 4; ++i)
          if (logs::json_key_is(m, kKeys[i])) {
            raw = m.raw, escaped = m.value_escaped, found = true, rank = i;
            break;
          }
        return true;
      });
      if (!ok) return;
      ++scan_lines;
      if (found) {
        message.clear();
        logs::decode_json_string(raw, escaped, message);
        scan_sum += message.size() * 31 + (message.empty() ? 0 : uint8_t(message.back()));
      }
    });
  });
  double mb = double(all.size()) / 1e6;
  std::printf("bytes %zu lines %llu\n", all.size(), (unsigned long long)scan_lines);
  std::printf("llvm::json::parse %.3f s %.0f MB/s\n", t_llvm, mb / t_llvm);
  std::printf("JsonObjectScanner %.3f s %.0f MB/s\n", t_scan, mb / t_scan);
  std::printf("ratio %.2f\n", t_llvm / t_scan);
  if (llvm_lines != scan_lines || llvm_sum != scan_sum) {
    std::fprintf(stderr, "bench_json_scan: the parsers disagree (lines %llu vs %llu)\n", (unsigned long long)llvm_lines,
                 (unsigned long long)scan_lines);
    return 1;
  }
  return 0;
}
