// Running out of memory on one input (issue 11, smaller faults): under an
// address-space limit (--limit memory-bytes, RLIMIT_AS) that input fails
// with a message naming it, exit 2, and the other inputs are analyzed.
#include "cli_runner.h"
#include "io/input.h"
#include "test_support.h"

#include "llvm/Support/FileSystem.h"

#include <catch2/catch.hpp>

#include <zstd.h>

#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <vector>

namespace {

const char kCrash[] = "panic: x\n\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n";

// A 200 MB line, compressed to a few kilobytes: reading it needs a 256 MiB buffer.
std::string long_line_zst() {
  ZSTD_CStream *c = ZSTD_createCStream();
  ZSTD_initCStream(c, 1);
  std::string out, block(1 << 20, 'a');
  std::vector<char> chunk(ZSTD_CStreamOutSize());
  for (int i = 0; i < 200; ++i) {
    ZSTD_inBuffer in{block.data(), block.size(), 0};
    while (in.pos < in.size) {
      ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
      REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream(c, &o, &in)));
      out.append(chunk.data(), o.pos);
    }
  }
  for (;;) {
    ZSTD_outBuffer o{chunk.data(), chunk.size(), 0};
    size_t left = ZSTD_endStream(c, &o);
    REQUIRE_FALSE(ZSTD_isError(left));
    out.append(chunk.data(), o.pos);
    if (left == 0) break;
  }
  ZSTD_freeCStream(c);
  return out;
}

}  // namespace

TEST_CASE("out of memory on one input fails that input, names it, and the others are analyzed", "[cli][memory]") {
  if (crashctl::test::kAddressSanitizer) {
    WARN("skipped: ASan reserves terabytes of address space");
    return;
  }
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("crashctl-oom", dir));
  const std::string big = std::string(dir) + "/long-line.log.zst", small = std::string(dir) + "/crash.txt";
  std::ofstream(big, std::ios::binary) << long_line_zst();
  std::ofstream(small, std::ios::binary) << kCrash;
  const std::string limits = "--limit memory-bytes=160M --limit line-bytes=1G -- ";

  SECTION("analyze") {
    std::string out;
    int rc = crashctl::testing::run_crashctl("analyze " + limits + big + " " + small, out, /*merge_stderr=*/true);
    INFO(out);
    CHECK(rc == 2);
    CHECK(out.find(": out of memory while reading " + big + " at byte ") != std::string::npos);
    CHECK(out.find("explicit-panic") != std::string::npos);  // the other input
  }
  SECTION("triage") {
    std::string out;
    int rc = crashctl::testing::run_crashctl("triage -j2 -f json " + limits + big + " " + small, out);
    INFO(out);
    CHECK(rc >= 0);  // not killed
    CHECK(out.find("\"files\": 2") != std::string::npos);
    CHECK(out.find("out of memory while reading " + big) != std::string::npos);
    CHECK(out.find("\"class\": \"explicit-panic\"") != std::string::npos);
  }
  llvm::sys::fs::remove_directories(dir);
}

namespace {
// Yields 1 MiB, then throws std::bad_alloc as an allocation deep in a
// decoder would.
class ThrowingSource : public crashctl::ByteSource {
public:
  llvm::Expected<size_t> read(char *buf, size_t n) override {
    if (pos_ >= (1 << 20)) throw std::bad_alloc();
    size_t k = std::min<size_t>(n, (1 << 20) - pos_);
    std::memset(buf, 'x', k);
    pos_ += k;
    return k;
  }
  uint64_t raw_position() const override { return pos_; }
  uint64_t raw_size() const override { return 0; }

private:
  size_t pos_ = 0;
};
}  // namespace

TEST_CASE("out of memory on the read-ahead thread is a read error, not std::terminate", "[io][memory]") {
  auto ahead = crashctl::make_read_ahead_source(std::make_unique<ThrowingSource>(), /*sync_bytes=*/0);
  std::vector<char> buf(1 << 16);
  uint64_t total = 0;
  std::string error;
  for (;;) {
    auto r = ahead->read(buf.data(), buf.size());
    if (!r) {
      error = llvm::toString(r.takeError());
      break;
    }
    if (*r == 0) break;
    total += *r;
  }
  CHECK(total == (1 << 20));
  CHECK(error == "out of memory while reading at byte 1048576");
}
