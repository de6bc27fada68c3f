// Old and odd forms that real users paste: text cut at the top, a compiler's
// panic, traces interrupted by comments, gutters, quotes and prompts, escape
// sequences inside frame lines. Inputs are real fixtures (testdata/fixtures)
// changed the way pastes and pipelines change them.
#include "pipeline/analyze.h"
#include "render/render.h"

#include "io/input.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

using namespace crashctl;

namespace {

std::string fixture_text(const std::string &rel) {
  auto in = open_input(std::string(CRASHCTL_SOURCE_DIR) + "/testdata/" + rel, /*detect_kind=*/false);
  REQUIRE(bool(in));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    auto n = in->source->read(buf, sizeof buf);
    REQUIRE(bool(n));
    if (*n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

std::vector<std::string> split_lines(const std::string &s) {
  std::vector<std::string> lines;
  std::istringstream is(s);
  for (std::string l; std::getline(is, l);) lines.push_back(l);
  return lines;
}

std::string join_lines(const std::vector<std::string> &lines) {
  std::string out;
  for (const std::string &l : lines) out += l + "\n";
  return out;
}

Input analyze(const std::string &text) {
  return analyze_bytes(text, "paste.txt", AnalysisOptions{});
}

const Report &only_report(const Input &in) {
  REQUIRE(in.reports.size() == 1);
  return in.reports.front();
}

std::string culprit(const Report &r) {
  return r.verdict.culprit ? r.verdict.culprit->frame.function : "-";
}

}  // namespace

TEST_CASE("text cut at its signal line or its runtime stack is still a crash, with low confidence", "[odd]") {
  // nil-deref without its "panic:" line: starts at "[signal SIGSEGV ... addr=0x18]".
  auto lines = split_lines(fixture_text("fixtures/go1.26.8/nil-deref.txt.zst"));
  REQUIRE(lines.front().rfind("panic: ", 0) == 0);
  lines.erase(lines.begin());
  Input in_a = analyze(join_lines(lines));
  const Report &a = only_report(in_a);
  CHECK(a.kind == ReportKind::Crash);
  CHECK(a.verdict.cls == VerdictClass::NilPointerDereference);
  CHECK(culprit(a) == "main.(*Cache).lookup");
  CHECK(a.verdict.low_confidence);
  // stack-overflow without "runtime: goroutine stack exceeds", "runtime: sp=" and "fatal error:".
  lines = split_lines(fixture_text("fixtures/go1.26.8/stack-overflow.txt.zst"));
  REQUIRE(lines[2] == "fatal error: stack overflow");
  lines.erase(lines.begin(), lines.begin() + 3);
  Input in_b = analyze(join_lines(lines));
  const Report &b = only_report(in_b);
  CHECK(b.kind == ReportKind::Crash);
  CHECK(b.verdict.cls == VerdictClass::StackOverflow);
  REQUIRE(b.verdict.culprit);
  CHECK(b.verdict.culprit->cycle.size() == 2);
  CHECK(b.verdict.low_confidence);
  // The whole text: the same class, with confidence.
  Input in_c = analyze(fixture_text("fixtures/go1.26.8/stack-overflow.txt.zst"));
  const Report &c = only_report(in_c);
  CHECK(c.verdict.cls == VerdictClass::StackOverflow);
  CHECK_FALSE(c.verdict.low_confidence);
}

TEST_CASE("a Go traceback inside the compiler's internal compiler error is a report", "[odd]") {
  // Published in golang/go#29215 (a devel compiler, which prints the stack).
  const char *ice =
      ".\\crash.go:11:8: internal compiler error: 'f': panic during lower while compiling f:\n"
      "\n"
      "runtime error: index out of range\n"
      "\n"
      "goroutine 21 [running]:\n"
      "cmd/compile/internal/ssa.Compile.func1(0xc0003ef108, 0xc0000be6e0)\n"
      "        go/src/cmd/compile/internal/ssa/compile.go:45 +0xac\n"
      "panic(0xd7d140, 0x15551c0)\n"
      "        go/src/runtime/panic.go:513 +0x1c5\n"
      "cmd/compile/internal/ssa.rewriteValueAMD64_OpAMD64MOVQstore_0(0xc000a4b7d0, 0xc000bd3a58)\n"
      "        go/src/cmd/compile/internal/ssa/rewriteAMD64.go:16090 +0x1fdb\n"
      "cmd/compile/internal/ssa.rewriteValueAMD64(0xc000a4b7d0, 0x0)\n"
      "        go/src/cmd/compile/internal/ssa/rewriteAMD64.go:551 +0x2b2\n";
  Input in_r = analyze(ice);
  const Report &r = only_report(in_r);
  CHECK(r.kind == ReportKind::Crash);
  CHECK(r.verdict.cls == VerdictClass::IndexOutOfRange);
  // Below the panic frame: ssa.Compile.func1 only recovered it.
  CHECK(culprit(r) == "cmd/compile/internal/ssa.rewriteValueAMD64_OpAMD64MOVQstore_0");
  CHECK_FALSE(r.process.tool_failure.empty());
  CHECK(r.verdict.explanation.find("compiler") != std::string::npos);
}

TEST_CASE("lines that interrupt a trace in real pastes are skipped or reported, never silently cut", "[odd]") {
  std::string text = fixture_text("fixtures/go1.26.8/panic-in-goroutine.all.txt.zst");
  Input in_orig = analyze(text);
  const Report &orig = only_report(in_orig);
  auto frame_count = [](const Report &r) {
    size_t n = 0;
    for (const Goroutine &g : r.process.goroutines) n += g.stack ? g.stack->frames.size() : 0;
    return n;
  };
  auto same_verdict = [&](const Input &in, const char *what) {
    INFO(what);
    REQUIRE(in.reports.size() == 1);
    const Report &r = in.reports.front();
    CHECK(r.verdict.cls == orig.verdict.cls);
    CHECK(culprit(r) == culprit(orig));
    CHECK(r.process.goroutines.size() == orig.process.goroutines.size());
    CHECK(frame_count(r) == frame_count(orig));
  };
  auto lines = split_lines(text);
  // A comment typed into the middle of the first goroutine's frames.
  size_t header = 0;
  while (lines[header].rfind("goroutine ", 0) != 0) ++header;
  auto commented = lines;
  commented.insert(commented.begin() + header + 2, "# <- this is where it blew up");
  Input c = analyze(join_lines(commented));
  same_verdict(c, "comment line");
  bool noted = false;
  for (const Diagnostic &d : c.diagnostics) noted |= d.message.find("this is where it blew up") != std::string::npos;
  CHECK(noted);
  // Markdown quotes, line-number gutters and a shell prompt around it.
  std::vector<std::string> quoted, gutter;
  for (size_t i = 0; i < lines.size(); ++i) {
    quoted.push_back("> " + lines[i]);
    std::string n = std::to_string(i + 1);
    gutter.push_back(std::string(4 - n.size(), ' ') + n + " | " + lines[i]);
  }
  same_verdict(analyze(join_lines(quoted)), "markdown quote");
  same_verdict(analyze(join_lines(gutter)), "line-number gutter");
  same_verdict(analyze("$ ./scenarios panic-in-goroutine\n" + text + "$ echo $?\n2\n"), "shell prompt");
  // A blank line (not a log record) in a docker json-file stream.
  std::string docker;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string esc;
    for (char ch : lines[i]) {
      if (ch == '"' || ch == '\\') esc += '\\';
      if (ch == '\t')
        esc += "\\t";
      else
        esc += ch;
    }
    docker += "{\"log\":\"" + esc + "\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-06T10:00:00Z\"}\n";
    if (i == header + 2) docker += "\n";
  }
  same_verdict(analyze(docker), "blank line in a docker stream");
  // A goroutine whose frames stop at a line that is not traceback text says so.
  auto cut = lines;
  cut.insert(cut.begin() + header + 3, "---- log rotated ----");
  cut.resize(header + 4);
  Input k = analyze(join_lines(cut));
  REQUIRE(k.reports.size() == 1);
  bool said = false;
  for (const Diagnostic &d : k.diagnostics) said |= d.message.find("goroutine") != std::string::npos;
  CHECK(said);
}

TEST_CASE("terminal escapes inside frame lines are removed; control characters never reach the terminal", "[odd]") {
  auto lines = split_lines(fixture_text("fixtures/go1.26.8/nil-deref.txt.zst"));
  Input in_orig = analyze(join_lines(lines));
  const Report &orig = only_report(in_orig);
  // SGR colours around function names and an OSC 8 hyperlink around each file path.
  std::vector<std::string> coloured;
  for (const std::string &l : lines) {
    if (!l.empty() && l[0] == '\t')
      coloured.push_back("\t\x1b]8;;file://" + l.substr(1, l.find(' ') - 1) + "\x1b\\" + l.substr(1) +
                         "\x1b]8;;\x1b\\");
    else if (!l.empty() && l.find('(') != std::string::npos)
      coloured.push_back("\x1b[1;35m" + l.substr(0, l.find('(')) + "\x1b[0m" + l.substr(l.find('(')));
    else
      coloured.push_back(l);
  }
  Input in_r = analyze(join_lines(coloured));
  const Report &r = only_report(in_r);
  CHECK(r.verdict.cls == orig.verdict.cls);
  CHECK(culprit(r) == culprit(orig));
  CHECK(r.verdict.culprit->frame.file == orig.verdict.culprit->frame.file);
  CHECK(r.verdict.culprit->frame.line == orig.verdict.culprit->frame.line);
  // A panic value carrying escape sequences (removed before parsing) and
  // other control characters (kept, and shown escaped, never raw).
  Input evil =
      analyze(std::string("panic: pwned\x1b]0;owned\x07\x1b[2J\rdone\x07\x08!\n\ngoroutine 1 [running]:\n"
                          "main.main()\n\t/a/main.go:3 +0x1d\n"));
  REQUIRE(evil.reports.size() == 1);
  CHECK(evil.reports[0].process.panics.at(0).message == "pwned\rdone\x07\x08!");
  std::string out;
  llvm::raw_string_ostream os(out);
  render_text(os, {evil}, RenderOptions{});
  os.flush();
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\x07') == std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
  CHECK(out.find('\x08') == std::string::npos);
  CHECK(out.find("pwned\\rdone\\x07\\x08!") != std::string::npos);
}

TEST_CASE("JSON log records: surrogate pairs, byte arrays, escapes", "[odd][logs]") {
  // A docker line whose text uses a surrogate pair for U+1F4A5 and \u0009 for the tab.
  std::string docker =
      "{\"log\":\"panic: boom \\ud83d\\udca5 caf\\u00e9\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\n"
      "{\"log\":\"\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\n"
      "{\"log\":\"goroutine 1 [running]:\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\n"
      "{\"log\":\"main.main()\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\n"
      "{\"log\":\"\\u0009/a/main.go:3 +0x1d\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\n";
  Input in_r = analyze(docker);
  const Report &r = only_report(in_r);
  REQUIRE_FALSE(r.process.panics.empty());
  CHECK(r.process.panics.front().message == "boom \xf0\x9f\x92\xa5 caf\xc3\xa9");
  CHECK(culprit(r) == "main.main");
  // journalctl -o json: MESSAGE as an array of bytes (it held ESC).
  std::string journal =
      "{\"__CURSOR\":\"s=1\",\"_PID\":\"7\",\"MESSAGE\":[112,97,110,105,99,58,32,27,91,51,49,109,120,27,91,48,109]}\n"
      "{\"__CURSOR\":\"s=2\",\"_PID\":\"7\",\"MESSAGE\":\"goroutine 1 [running]:\"}\n"
      "{\"__CURSOR\":\"s=3\",\"_PID\":\"7\",\"MESSAGE\":\"main.main()\"}\n"
      "{\"__CURSOR\":\"s=4\",\"_PID\":\"7\",\"MESSAGE\":\"\\t/a/main.go:3 +0x1d\"}\n";
  Input in_j = analyze(journal);
  const Report &j = only_report(in_j);
  REQUIRE_FALSE(j.process.panics.empty());
  CHECK(j.process.panics.front().message == "x");
  // Not JSON after all: a line that starts with '{' is text.
  Input t = analyze("{not json} panic: x\n");
  REQUIRE(t.reports.size() == 1);
  CHECK(t.reports[0].process.panics.at(0).message == "x");
}

TEST_CASE("generated code and cut file lines are not blamed as the program's own by default", "[odd]") {
  for (const char *release : {"go1.22.12", "go1.24.13", "go1.26.8"}) {
    INFO(release);
    std::string text = fixture_text(std::string("fixtures-odd/") + release + "/line-directive.txt.zst");
    // main.parseExpr's file line is "grammar/expr.y:58" (a //line directive).
    Input in_r = analyze(text);
    const Report &r = only_report(in_r);
    CHECK(r.verdict.cls == VerdictClass::NilPointerDereference);
    CHECK(culprit(r) == "main.(*Evaluator).eval");
    // --in-app makes it the program's own again.
    AnalysisOptions opts;
    opts.in_app = {"*.parseExpr"};
    Input in_o = analyze_bytes(text, "paste.txt", opts);
    CHECK(culprit(only_report(in_o)) == "main.parseExpr");
    // A paste that lost eval's file line: eval is no longer blamed, main.main is.
    auto lines = split_lines(text);
    auto cut = std::find(lines.begin(), lines.end(), "\t/work/main/testdata/scenarios-odd/main.go:15");
    REQUIRE(cut != lines.end());
    lines.erase(cut);
    Input in_c = analyze(join_lines(lines));
    CHECK(culprit(only_report(in_c)) == "main.main");
  }
}

TEST_CASE("a test's panic that testing re-panics is a crash, also when its panic lines are cut", "[odd]") {
  for (const char *v : {"go1.22.12", "go1.24.13", "go1.26.8"}) {
    INFO(v);
    std::string text = fixture_text(std::string("fixtures-odd/") + v + "/test-panic.txt.zst");
    Input in_whole = analyze(text);
    const Report &whole = only_report(in_whole);
    CHECK(whole.kind == ReportKind::Crash);
    CHECK(whole.verdict.cls == VerdictClass::NilMapAssignment);
    CHECK(culprit(whole) == "example.com/ledger.(*Ledger).credit");
    CHECK_FALSE(whole.verdict.low_confidence);
    // A paste that starts at the goroutine header: the same frames as a
    // stack printed by a deferred call that recovered, but testing re-panics.
    auto lines = split_lines(text);
    auto header =
        std::find_if(lines.begin(), lines.end(), [](const std::string &l) { return l.rfind("goroutine ", 0) == 0; });
    REQUIRE(header != lines.end());
    lines.erase(lines.begin(), header);
    Input in_cut = analyze(join_lines(lines));
    const Report &cut = only_report(in_cut);
    CHECK(cut.kind == ReportKind::Crash);
    CHECK(cut.verdict.cls == VerdictClass::Unknown);
    CHECK(culprit(cut) == "example.com/ledger.(*Ledger).credit");
    CHECK(cut.verdict.low_confidence);
  }
}

TEST_CASE("a log line about an earlier panic does not make a later dump a recovered one", "[odd][logs]") {
  // zap's stackless line about a recovered panic, then unrelated lines, then
  // a SIGQUIT dump: the line lapsed long before the dump began.
  auto zap = split_lines(fixture_text("logs/go1.26.8/zap-nostack-then-crash.log.zst"));
  REQUIRE(zap.front().find("panic recovered") != std::string::npos);
  std::string text = zap.front() + "\n";
  for (int i = 0; i < 20; ++i) text += "worker.restarted\n";
  text += fixture_text("fixtures/go1.26.8/sigquit.txt.zst");
  Input in = analyze(text);
  for (const Report &r : in.reports) CHECK(r.kind != ReportKind::Recovered);
  REQUIRE_FALSE(in.reports.empty());
  CHECK(in.reports.back().kind == ReportKind::Crash);
  CHECK(in.reports.back().process.recovery == std::nullopt);
}

TEST_CASE("a pipeline's prefix on every line of a recovered panic's log is learned from its first line",
          "[odd][logs]") {
  // docker compose: "app-1  | " before every line of gin's Recovery output.
  std::string gin;
  for (const std::string &l : split_lines(fixture_text("logs/go1.26.8/gin-recovery.log.zst")))
    gin += "app-1  | " + l + "\n";
  Input in = analyze(gin);
  const Report *rec = nullptr;
  for (const Report &r : in.reports)
    if (r.kind == ReportKind::Recovered) rec = &r;
  REQUIRE(rec != nullptr);
  CHECK(rec->verdict.cls == VerdictClass::IndexOutOfRange);
  REQUIRE_FALSE(rec->process.panics.empty());
  CHECK(rec->process.panics.front().message == "runtime error: index out of range [3] with length 3");
  REQUIRE(rec->verdict.culprit);
  CHECK(rec->verdict.culprit->frame.function == "(*Cart).itemAt");
  for (const Goroutine &g : rec->process.goroutines)
    if (g.stack)
      for (const Frame &f : g.stack->frames) CHECK(f.file.rfind("app-1", 0) == std::string::npos);
}

TEST_CASE("a record whose message is the panic line keeps its stack as the stack", "[odd][logs]") {
  // zap's production record, with the value in its message instead of a field.
  std::string rec = split_lines(fixture_text("logs/go1.26.8/zap-production.log.zst")).front();
  const std::string from = R"("msg":"panic recovered","panic":"assignment to entry in nil map",)";
  size_t at = rec.find(from);
  REQUIRE(at != std::string::npos);
  rec.replace(at, from.size(), R"("msg":"panic: assignment to entry in nil map",)");
  Input in = analyze(rec + "\n");
  const Report &r = only_report(in);
  CHECK(r.kind == ReportKind::Recovered);
  CHECK(r.verdict.cls == VerdictClass::NilMapAssignment);
  CHECK(culprit(r) == "main.(*SessionCache).put");
  REQUIRE(r.process.goroutines.size() == 1);
  CHECK(r.process.goroutines.front().stack->frames.size() > 3);
}

TEST_CASE("JSON records after a panic line in a log are not read into its value forever", "[odd][logs]") {
  // A stackless record whose message is a panic line, then 20000 records: the
  // value stops growing at its limit, with a warning (linear, not quadratic).
  std::string text = R"({"level":"error","ts":1796551048.4,"msg":"panic: boom"})"
                     "\n";
  for (int i = 0; i < 20000; ++i)
    text += R"({"level":"info","ts":1796551049.1,"msg":"request served","status":200,"n":)" + std::to_string(i) + "}\n";
  Input in = analyze(text);
  REQUIRE_FALSE(in.reports.empty());
  const Report &r = in.reports.front();
  REQUIRE_FALSE(r.process.panics.empty());
  CHECK(r.process.panics.front().message.rfind("boom", 0) == 0);
  CHECK(r.process.panics.front().message.size() <= 64 * 1024);
  bool warned = false;
  for (const Diagnostic &d : in.diagnostics) warned |= d.message.find("panic value goes on") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("goroutine profile counts expand within one budget per input, with a warning past it", "[odd][profile]") {
  // The real debug=1 profile, its first count raised to 2^24 and the whole
  // profile three times: a few hundred bytes that count 50 million goroutines.
  std::string text = fixture_text("logs/go1.26.8/profile-debug1.a.txt.zst");
  auto lines = split_lines(text);
  REQUIRE(lines[1].rfind("20 @ ", 0) == 0);
  lines[1].replace(0, 2, "16777216");
  std::string one = join_lines(lines) + "\n";
  Input in = analyze(one + one + one);
  REQUIRE(in.reports.size() == 3);
  size_t listed = 0;
  for (const Report &r : in.reports) listed += r.process.goroutines.size();
  // The budget, then each of the other stacks once: 4 in the first profile, 5 in the others.
  CHECK(listed == (size_t(1) << 21) + 4 + 5 + 5);
  size_t warnings = 0;
  for (const Diagnostic &d : in.diagnostics)
    warnings += d.severity == Severity::Warning && d.message.find("are not listed") != std::string::npos;
  CHECK(warnings == 3);
  // The real profile as it is: every goroutine listed, no warning.
  Input whole = analyze(text);
  REQUIRE(whole.reports.size() == 1);
  CHECK(whole.reports.front().process.goroutines.size() == 51);
  for (const Diagnostic &d : whole.diagnostics) CHECK(d.message.find("not listed") == std::string::npos);
}

TEST_CASE("klog's empty value line under journalctl's short format (8 spaces) keeps its block open", "[odd][logs]") {
  // Real journald short-iso output of klog's "Observed a panic" block; klog
  // writes an empty line of a value as "\t", which journalctl shows as 8
  // spaces. A second goroutine after one (runtime.Stack with all=true):
  auto lines = split_lines(fixture_text("logs/wrapped/journald/rp-klog.short-iso.zst"));
  auto end = std::find_if(lines.begin(), lines.end(),
                          [](const std::string &l) { return l.size() >= 2 && l.compare(l.size() - 2, 2, " >") == 0; });
  REQUIRE(end != lines.end());
  const std::string prefix = lines[1].substr(0, lines[1].find("        goroutine "));
  REQUIRE(prefix.size() > 10);
  std::vector<std::string> more = {prefix + "        ",
                                   prefix + "        goroutine 99 [chan receive]:", prefix + "        main.idle()",
                                   prefix + "                /app/main.go:20 +0x1d"};
  lines.insert(end, more.begin(), more.end());
  Input in = analyze(join_lines(lines));
  const Report &r = only_report(in);
  CHECK(r.kind == ReportKind::Recovered);
  CHECK(r.process.goroutines.size() == 2);
}
