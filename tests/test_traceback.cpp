// Decoder unit tests on small texts; each mirrors a form the runtime prints
// (formats/traceback.md) or a case a fuzzer found.
#include "gosyntax/parse.h"
#include "pipeline/analyze.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include <zlib.h>

using namespace crashctl;

static Input analyze(const std::string &text) {
  return analyze_bytes(text, "t.txt", AnalysisOptions{});
}

TEST_CASE("header forms from Go 1.17 to 1.27", "[traceback]") {
  Goroutine g;
  REQUIRE(parse_goroutine_header(
      "goroutine 7 gp=0xc000007 m=3 mp=0xc0000 [chan receive (scan), 5 minutes, locked to thread]:", g));
  CHECK(g.id == 7);
  CHECK(g.status == GoroutineStatus::Waiting);
  CHECK(g.wait_reason == "chan receive");
  CHECK(g.scan);
  CHECK(g.wait_minutes == 5);
  CHECK(g.locked_to_thread);
  CHECK(g.extras().m == 3);
  Goroutine l26;
  REQUIRE(parse_goroutine_header("goroutine 20 [running labels:{\"handler\": \"upload\"}]:", l26));
  CHECK(l26.status == GoroutineStatus::Running);
  CHECK(l26.details().labels == "\"handler\": \"upload\"");
  Goroutine l27;
  REQUIRE(parse_goroutine_header("goroutine 5 [chan receive] {handler: upload, id: \"x]y\"}:", l27));
  CHECK(l27.wait_reason == "chan receive");
  CHECK(l27.details().labels == "handler: upload, id: \"x]y\"");
  Goroutine leak;
  REQUIRE(parse_goroutine_header("goroutine 2 [chan receive (leaked)]:", leak));
  CHECK(leak.status == GoroutineStatus::Leaked);
  CHECK(leak.wait_reason == "chan receive");
  Goroutine bubble;
  REQUIRE(parse_goroutine_header("goroutine 9 [select (durable), synctest bubble 4]:", bubble));
  CHECK(bubble.durable);
  CHECK(bubble.details().synctest_bubble == 4);
  Goroutine nil;
  REQUIRE(parse_goroutine_header("goroutine 38 gp=0x1 m=nil [GC worker (idle)]:", nil));
  CHECK(nil.extras().m == -1);
  CHECK(nil.wait_reason == "GC worker (idle)");
  Goroutine bad;
  CHECK_FALSE(parse_goroutine_header("goroutine x [running]:", bad));
}

TEST_CASE("file lines: offsets, fp/sp/pc, Windows paths", "[traceback]") {
  Frame f;
  FrameAddresses a;
  bool has = false;
  REQUIRE(parse_file_line("\t/usr/local/go/src/runtime/panic.go:987 +0x3ba fp=0xc000088eb8 sp=0xc000088df8 pc=0x42f3ba",
                          f, &a, &has));
  CHECK(f.file == "/usr/local/go/src/runtime/panic.go");
  CHECK(f.line == 987);
  CHECK(*f.pc_offset == 0x3ba);
  CHECK(*f.pc == 0x42f3ba);
  CHECK(has);
  CHECK(a.sp == 0xc000088df8);
  Frame w;
  REQUIRE(parse_file_line("        C:/Program Files/Go/src/runtime/proc.go:250 +0x1fe", w));
  CHECK(w.file == "C:/Program Files/Go/src/runtime/proc.go");
  CHECK(w.line == 250);
  CHECK(package_of("gopkg.in/yaml%2ev3.(*decoder).unmarshal") == "gopkg.in/yaml.v3");
  CHECK(package_of("main.(*T).m") == "main");
  CHECK(package_of("net/http.(*conn).serve") == "net/http");
}

TEST_CASE("inlined frames, elision and creators", "[traceback]") {
  Input in = analyze(
      "panic: boom\n\ngoroutine 6 [running]:\nmain.inl(...)\n\t/a/main.go:11\n"
      "main.f({0x0?, 0x1})\n\t/a/main.go:15 +0x36\n...12 frames elided...\nmain.g()\n\t/a/main.go:20 +0x1\n"
      "created by main.main in goroutine 1\n\t/a/main.go:30 +0x25\n");
  REQUIRE(in.reports.size() == 1);
  const Goroutine &g = in.reports[0].process.goroutines.at(0);
  REQUIRE(g.stack->frames.size() == 3);
  CHECK(g.stack->frames[0].inlined);
  CHECK_FALSE(g.stack->frames[1].inlined);
  CHECK(g.stack->frames[1].args == "{0x0?, 0x1}");
  CHECK(*g.stack->elided_at == 2);
  CHECK(g.stack->elided_count == 12);
  CHECK(g.parent_goid == 1);
  CHECK(g.created_by->function == "main.main");
  CHECK(g.created_by->line == 30);
  CHECK(in.reports[0].process.go_version.min_release == "1.21");
}

TEST_CASE("crash text inside logs: journald prefix, docker JSON, CRLF", "[traceback]") {
  std::string journald =
      "Nov 27 22:35:15 host app[123]: starting\n"
      "Nov 27 22:35:16 host app[123]: panic: runtime error: index out of range [5] with length 3\n"
      "Nov 27 22:35:16 host app[123]: \n"
      "Nov 27 22:35:16 host app[123]: goroutine 1 [running]:\n"
      "Nov 27 22:35:16 host other[9]: unrelated line\n"
      "Nov 27 22:35:16 host app[123]: main.main()\n"
      "Nov 27 22:35:16 host app[123]: \t/src/app/main.go:9 +0x1d\n";
  Input a = analyze(journald);
  REQUIRE(a.reports.size() == 1);
  CHECK(a.reports[0].verdict.cls == VerdictClass::IndexOutOfRange);
  CHECK(a.reports[0].verdict.culprit->frame.line == 9);
  std::string docker =
      "{\"log\":\"panic: assignment to entry in nil map\\n\",\"stream\":\"stderr\"}\r\n"
      "{\"log\":\"\\n\",\"stream\":\"stderr\"}\r\n"
      "{\"log\":\"goroutine 1 [running]:\\n\",\"stream\":\"stderr\"}\r\n"
      "{\"log\":\"main.main()\\n\",\"stream\":\"stderr\"}\r\n"
      "{\"log\":\"\\t/src/app/main.go:7 +0x2e\\n\",\"stream\":\"stderr\"}\r\n";
  Input b = analyze(docker);
  REQUIRE(b.reports.size() == 1);
  CHECK(b.reports[0].verdict.cls == VerdictClass::NilMapAssignment);
  CHECK(b.reports[0].verdict.culprit->frame.file == "/src/app/main.go");
}

TEST_CASE("several crashes in one file keep their byte offsets", "[traceback]") {
  std::string one = "panic: first\n\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\nexit status 2\n";
  std::string two =
      "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t/a.go:2 "
      "+0x1\n";
  Input in = analyze(one + "some log line\n" + two);
  REQUIRE(in.reports.size() == 2);
  CHECK(in.reports[0].offset == 0);
  CHECK(in.reports[1].offset == one.size() + 14);
  CHECK(in.reports[1].verdict.cls == VerdictClass::Deadlock);
}

TEST_CASE("truncated and garbled text gives partial results with diagnostics", "[traceback]") {
  Input in = analyze("panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\nmain.f(\n");
  REQUIRE(in.reports.size() == 1);
  CHECK(in.reports[0].process.goroutines.size() == 1);
  CHECK_FALSE(in.diagnostics.empty());
}

TEST_CASE("fuzz regression: a chained 'test timed out' panic is not a test timeout", "[traceback]") {
  Input in = analyze(
      "panic: x [recovered]\n\tpanic: test timed out after rd\n\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:1 "
      "+0x1\n");
  REQUIRE(in.reports.size() == 1);
  CHECK(in.reports[0].verdict.cls == VerdictClass::ExplicitPanic);
}

TEST_CASE("a truncated gzip stream keeps the reports before the cut and fails once", "[traceback][io]") {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "panic: p" + std::to_string(i * 7919 % 10007) +
            "\n\ngoroutine 1 [running]:\nmain.main()\n\t/a.go:" + std::to_string(i + 1) + " +0x1\n\n";
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string gz(deflateBound(&zs, text.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef *>(text.data());
  zs.avail_in = unsigned(text.size());
  zs.next_out = reinterpret_cast<Bytef *>(gz.data());
  zs.avail_out = unsigned(gz.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  Input in = analyze_bytes(std::string_view(gz).substr(0, gz.size() / 2), "cut.gz", AnalysisOptions{});
  CHECK(in.failed);
  CHECK(exit_status({in}) == 2);
  CHECK(in.reports.size() > 100);
  CHECK(in.reports.size() < 2000);
  size_t errors = 0;
  for (const Diagnostic &d : in.diagnostics) errors += d.severity == Severity::Error;
  CHECK(errors == 1);
}

TEST_CASE("goroutines share a stack but keep their own argument values", "[traceback]") {
  Input in = analyze(
      "goroutine 7 [chan receive]:\nmain.worker(0xc000010000, {0x1, 0x2})\n\t/a/w.go:10 +0x1d\n"
      "main.run(...)\n\t/a/w.go:20\n\n"
      "goroutine 8 [chan receive]:\nmain.worker(0xc000020000, {0x1, 0x2})\n\t/a/w.go:10 +0x1d\n"
      "main.run(...)\n\t/a/w.go:20\n\n"
      "goroutine 9 [chan receive]:\nmain.worker(0xc000010000, {0x1, 0x2})\n\t/a/w.go:10 +0x1d\n"
      "main.run(...)\n\t/a/w.go:20\n");
  REQUIRE(in.reports.size() == 1);
  const auto &gs = in.reports[0].process.goroutines;
  REQUIRE(gs.size() == 3);
  CHECK(gs[0].stack == gs[1].stack);
  CHECK(gs[1].stack == gs[2].stack);
  CHECK(frame_args(gs[0], 0) == "0xc000010000, {0x1, 0x2}");
  CHECK(frame_args(gs[1], 0) == "0xc000020000, {0x1, 0x2}");
  CHECK(frame_args(gs[2], 0) == "0xc000010000, {0x1, 0x2}");
  CHECK(!gs[2].frame_args);  // same values as the first: nothing stored
  CHECK(frame_args(gs[1], 1) == "...");
  CHECK(gs[1].stack->frames[1].inlined);
}
