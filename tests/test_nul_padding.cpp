// NUL padding in text (issue 11, fault 9): logrotate's copytruncate leaves
// a hole of NULs before the new text, a power loss leaves NULs after the
// last write. Runs of NULs are read as line breaks, with one warning each;
// binary formats are still told from text.
#include "cli_runner.h"
#include "io/input.h"
#include "pipeline/analyze.h"
#include "test_support.h"

#include "llvm/Support/FileSystem.h"

#include <catch2/catch.hpp>

#include <zstd.h>

#include <fstream>
#include <string>
#include <vector>

using namespace crashctl;

namespace {

const std::string kCrash = "panic: x\n\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n";
const std::string kNuls(4096, '\0');

// The kind open_source() detects, or "error: ..." when it refuses the bytes.
std::string kind_of(const std::string &bytes) {
  auto in = open_source(memory_source(bytes, "in"), "in");
  if (!in) return "error: " + llvm::toString(in.takeError());
  return to_string(in->format);
}

using crashctl::test::Lines;

Lines read_lines_cleanly(ByteSource &src) {
  Lines out = crashctl::test::read_lines(src);
  REQUIRE(out.error.empty());
  return out;
}

Input analyze(const std::string &bytes) {
  return analyze_bytes(bytes, "nul.txt", AnalysisOptions{});
}

bool has_nul_warning(const Input &in, uint64_t offset, size_t length) {
  for (const Diagnostic &d : in.diagnostics)
    if (d.severity == Severity::Warning && d.offset == offset &&
        d.message.find(std::to_string(length) + " NUL bytes (zero padding") == 0)
      return true;
  return false;
}

}  // namespace

TEST_CASE("NUL padding: text with NUL runs is text; binary formats are not", "[io][nul]") {
  const std::string traceback = to_string(InputFormat::Traceback);
  CHECK(kind_of(kCrash + kNuls) == traceback);                         // power loss
  CHECK(kind_of(kNuls + kCrash) == traceback);                         // copytruncate's hole
  CHECK(kind_of(std::string(100 << 10, '\0') + kCrash) == traceback);  // a hole longer than what is sniffed
  CHECK(kind_of("panic: x\n" + std::string(7, '\0') + kCrash.substr(9)) == traceback);
  CHECK(kind_of(crashctl::test::zstd_frame(kNuls + kCrash)) == traceback);
  // Still refused: UTF-16 (a NUL every other byte) and binary junk with NULs.
  std::string utf16;
  for (char c : kCrash) utf16 += std::string(1, c) + '\0';
  CHECK(kind_of(utf16).find("error: in: unsupported input") == 0);
  CHECK(kind_of("\xff\xfe" + utf16).find("UTF-16") != std::string::npos);
  std::string junk;
  uint32_t x = 7;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1664525u + 1013904223u;
    junk += (x >> 28) < 4 ? '\0' : char(x >> 24);
  }
  CHECK(kind_of(junk).find("error: in: unsupported input") == 0);
  // Magic numbers still win over text with NULs.
  CHECK(kind_of(std::string("go1.7 heap dump\n") + kNuls) == to_string(InputFormat::HeapDump));
}

TEST_CASE("NUL padding: LineReader reads a NUL run as line breaks, with one warning", "[io][nul][lines]") {
  const std::string text =
      "a\n" + std::string(5000, '\0') + "b\nc" + std::string(3, '\0') + "d\n" + std::string(2, '\0');
  auto check = [&](const Lines &l) {
    REQUIRE(l.lines.size() == 1 + 5000 + 1 + 3 + 1 + 2);
    CHECK(l.lines.front() == "a");
    CHECK(l.lines[1].empty());
    CHECK(l.lines[5000] == "");
    CHECK(l.lines[5001] == "b");
    CHECK(l.offsets[5001] == 5002);
    CHECK(l.lines[5002] == "c");
    CHECK(l.lines[5005] == "d");
    CHECK(l.offsets[5005] == 5008);
    REQUIRE(l.diags.size() == 3);
    CHECK(l.diags[0].severity == Severity::Warning);
    CHECK(l.diags[0].offset == 2);
    CHECK(l.diags[0].message.find("5000 NUL bytes") == 0);
    CHECK(l.diags[1].offset == 5005);
    CHECK(l.diags[1].message.find("3 NUL bytes") == 0);
    CHECK(l.diags[2].offset == 5010);  // at the end: reported too
  };
  SECTION("in memory") {
    auto src = memory_source(text, "in");
    check(read_lines_cleanly(*src));
  }
  SECTION("a few bytes at a time: one run across reads is one warning") {
    test::TrickleSource src(text, 7);
    check(read_lines_cleanly(src));
  }
  SECTION("journalctl -o export keeps its NULs: they are binary fields' lengths") {
    std::string exported = "__CURSOR=s=1\nMESSAGE\n" + std::string(
                                                           "\x03\0\0\0\0\0\0\0"
                                                           "a\0b\n\n",
                                                           13);
    test::TrickleSource src(exported, 5);
    Lines l = read_lines(src);
    CHECK(l.diags.empty());
    REQUIRE(l.lines.size() == 4);
    CHECK(l.lines[2] == std::string("\x03\0\0\0\0\0\0\0"
                                    "a\0b",
                                    11));
  }
}

TEST_CASE("NUL padding: a crash before, after or around NULs is analyzed", "[io][nul]") {
  SECTION("after the crash (power loss)") {
    Input in = analyze(kCrash + kNuls);
    CHECK_FALSE(in.failed);
    REQUIRE(in.reports.size() == 1);
    CHECK(in.reports[0].verdict.cls == VerdictClass::ExplicitPanic);
    CHECK(has_nul_warning(in, kCrash.size(), 4096));
  }
  SECTION("before the crash (copytruncate)") {
    Input in = analyze(kNuls + kCrash);
    CHECK_FALSE(in.failed);
    REQUIRE(in.reports.size() == 1);
    CHECK(in.reports[0].offset == 4096);
    CHECK(has_nul_warning(in, 0, 4096));
  }
  SECTION("a hole larger than kind detection looks at") {
    Input in = analyze(std::string(200 << 10, '\0') + kCrash);
    REQUIRE(in.reports.size() == 1);
    CHECK(has_nul_warning(in, 0, 200 << 10));
  }
  SECTION("between two crashes, compressed") {
    std::string log = kCrash + "\n" + kNuls + kCrash;
    Input in = analyze(crashctl::test::zstd_frame(log));
    CHECK_FALSE(in.failed);
    CHECK(in.reports.size() == 2);
    CHECK(has_nul_warning(in, kCrash.size() + 1, 4096));
  }
}

TEST_CASE("NUL padding: the issue's repro exits 0 with a warning", "[io][nul][cli]") {
  llvm::SmallString<128> tmp;
  REQUIRE_FALSE(llvm::sys::fs::createTemporaryFile("crashctl-nul", "txt", tmp));
  std::string path(tmp);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << kCrash << kNuls;
  std::string out;
  int rc = crashctl::testing::run_crashctl("analyze " + path, out, /*merge_stderr=*/true);
  INFO(out);
  CHECK(rc == 0);
  CHECK(out.find("explicit-panic") != std::string::npos);
  CHECK(out.find("at byte " + std::to_string(kCrash.size()) + ": 4096 NUL bytes (zero padding") != std::string::npos);
  std::remove(path.c_str());
}
