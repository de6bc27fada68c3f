// Reports are streamed: analyze hands each to a sink as soon as it is done,
// renderers write it and let it go, triage keeps a few strings of it
// (issue 11, fault 1: memory grew with the number of reports).
#include "cli_runner.h"
#include "pipeline/analyze.h"
#include "render/render.h"
#include "support/limits.h"
#include "test_support.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

using namespace crashctl;

namespace {

const char kCrash[] = "panic: x\n\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n\n";

std::string crashes(size_t n) {
  std::string s;
  s.reserve(n * (sizeof kCrash - 1));
  for (size_t i = 0; i < n; ++i) s += kCrash;
  return s;
}

// A zstd file of N crashes in a temporary directory; removed with the object.
struct CrashFile {
  explicit CrashFile(size_t n) {
    llvm::SmallString<128> p;
    REQUIRE_FALSE(llvm::sys::fs::createTemporaryFile("crashctl-many", "zst", p));
    path = std::string(p);
    std::string z = test::zstd_frame(crashes(n), 19);
    std::ofstream(path, std::ios::binary).write(z.data(), std::streamsize(z.size()));
  }
  ~CrashFile() { llvm::sys::fs::remove(path); }
  std::string path;
};

struct CountingSink final : ReportSink {
  void begin_input(const Input &in) override {
    ++begun;
    CHECK(in.report_count == 0);
  }
  void report(const Input &in, Report &&r, size_t index, bool last) override {
    CHECK(index == reports);
    CHECK(in.report_count >= index + 1);  // handed on one report late, at most
    CHECK(r.kind == ReportKind::Crash);
    CHECK(r.verdict.cls.has_value());  // analyzed before it arrives
    if (last) ++lasts;
    offsets.push_back(r.offset);
    ++reports;
  }
  void end_input(const Input &in) override {
    ++ended;
    CHECK(in.report_count == reports);
  }
  size_t begun = 0, ended = 0, reports = 0, lasts = 0;
  std::vector<uint64_t> offsets;
};

}  // namespace

TEST_CASE("analyze hands each report to the sink and keeps none", "[streaming]") {
  const size_t n = 2000;
  std::string text = crashes(n);
  CountingSink sink;
  auto attr = load_attribution(AnalysisOptions{});
  REQUIRE(bool(attr));
  Input in = analyze_bytes(text, "many.txt", AnalysisOptions{}, **attr, sink);
  CHECK(in.reports.empty());
  CHECK(in.report_count == n);
  CHECK(sink.begun == 1);
  CHECK(sink.ended == 1);
  CHECK(sink.reports == n);
  CHECK(sink.lasts == 1);
  REQUIRE(sink.offsets.size() == n);
  for (size_t i = 0; i < n; ++i) CHECK(sink.offsets[i] == i * (sizeof kCrash - 1));
  CHECK(exit_status({in}) == 0);
}

TEST_CASE("the streaming renderers write what the whole-input renderers write", "[streaming]") {
  std::string text = crashes(3) + "goroutine 7 [chan receive]:\nmain.g()\n\t/b.go:2 +0x2\n";
  auto attr = load_attribution(AnalysisOptions{});
  REQUIRE(bool(attr));
  for (OutputFormat f : {OutputFormat::Text, OutputFormat::Json, OutputFormat::Editor}) {
    std::vector<Input> whole{analyze_bytes(text, "a.txt", AnalysisOptions{}, **attr),
                             analyze_bytes("no crash here\n", "b.txt", AnalysisOptions{}, **attr)};
    std::string want, got;
    llvm::raw_string_ostream want_os(want), got_os(got);
    RenderOptions ropts;
    ropts.tool_version = "test";
    render_all(*make_renderer(f, want_os, ropts), whole);
    {
      auto r = make_renderer(f, got_os, ropts);
      analyze_bytes(text, "a.txt", AnalysisOptions{}, **attr, *r);
      analyze_bytes("no crash here\n", "b.txt", AnalysisOptions{}, **attr, *r);
      r->finish();
    }
    CHECK(got_os.str() == want_os.str());
    CHECK_FALSE(want.empty());
  }
}

TEST_CASE("a wrapped log's reports are mapped to input offsets in batches", "[streaming][logs]") {
  // 600 crashes as CRI lines: more than one batch of 256 reports.
  const size_t n = 600;
  std::string log;
  std::string crash = crashes(1);
  for (size_t i = 0; i < n; ++i) {
    size_t start = 0;
    while (start < crash.size()) {
      size_t end = crash.find('\n', start);
      log += "2026-12-06T10:00:00.000000001Z stderr F " + crash.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }
  CountingSink sink;
  auto attr = load_attribution(AnalysisOptions{});
  REQUIRE(bool(attr));
  Input in = analyze_bytes(log, "pod.log", AnalysisOptions{}, **attr, sink);
  CHECK(in.report_count == n);
  REQUIRE(sink.offsets.size() == n);
  // Each offset is where its "panic: x" stands in the raw log.
  for (uint64_t off : sink.offsets) {
    REQUIRE(off < log.size());
    CHECK(log.compare(off, 8, "panic: x") == 0);
  }
}

TEST_CASE("diagnostics per input are capped and the rest counted", "[streaming][limits]") {
  ResourceLimits saved = resource_limits();
  ResourceLimits small = saved;
  small.diagnostics_per_input = 5;
  set_resource_limits(small);
  // Each line cut at line-bytes gives a warning.
  small.line_bytes = 64;
  set_resource_limits(small);
  std::string text = crashes(1);
  for (int i = 0; i < 50; ++i) text += std::string(100, 'x') + "\n";
  Input in = analyze_bytes(text, "long.txt", AnalysisOptions{});
  set_resource_limits(saved);
  CHECK(in.diagnostics_dropped > 0);
  CHECK(in.diagnostics.size() <= 5 + 1);
  REQUIRE_FALSE(in.diagnostics.empty());
  CHECK(in.diagnostics.back().message.find("more warnings were dropped") != std::string::npos);
}

// The CLI under an address-space limit that one report per crash would
// exceed many times over (100,000 crashes held at once took ~800 MB).
TEST_CASE("analyze and triage of 100,000 crashes fit in a fixed address space", "[streaming][cli]") {
  if (crashctl::test::kAddressSanitizer) {
    WARN("skipped: ASan reserves terabytes of address space");
    return;
  }
  CrashFile file(100000);
  std::string out, rendered = file.path + ".out";
  for (const char *format : {"json", "text", "editor"}) {
    INFO(format);
    int rc = testing::run_crashctl(
        std::string("analyze --limit memory-bytes=192M -f ") + format + " " + file.path + " > " + rendered, out);
    CHECK(rc == 0);
    std::ifstream in(rendered);
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) lines += 1;
    CHECK(lines >= 100000);  // every report written
  }
  llvm::sys::fs::remove(rendered);
  int rc = testing::run_crashctl("triage -j1 --limit memory-bytes=192M -f csv " + file.path, out);
  CHECK(rc == 0);
  CHECK(out.find(",100000,explicit-panic,") != std::string::npos);
}
