// Inputs that fuzz/fuzz_unwrap.cpp found breaking the LineSink contract
// (logs/unwrap.h): lines without a trailing '\r' or a null view, records that
// begin, show their stack and end without nesting, offsets inside the input,
// a diagnostic not repeated on every line, nothing held after finish(); and
// one that made the decoder read a line the unwrapper had freed.
#include "io/input.h"
#include "logs/unwrap.h"
#include "pipeline/analyze.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace crashctl;

namespace {

// Records what the unwrapper says, one string an event.
class RecordingSink final : public logs::LineSink {
public:
  std::vector<std::string> events;
  std::vector<Diagnostic> diagnostics;
  void line(std::string_view text, uint64_t) override { events.push_back("line " + std::string(text)); }
  void record_begin(const logs::LogRecord &r) override { events.push_back(std::string("begin ") + r.format); }
  void stack_begin(logs::StackForm, uint64_t) override { events.push_back("stack"); }
  void record_end(uint64_t) override { events.push_back("end"); }
  void diagnostic(Severity s, uint64_t offset, std::string message) override {
    diagnostics.push_back({s, offset, std::move(message)});
  }
  void missing_line(uint64_t, std::string why) override { events.push_back("missing " + why); }
};

// Feeds INPUT line by line as the decoder does, then finishes.
void unwrap(const std::string &input, RecordingSink &sink, logs::LogUnwrapper &u) {
  std::unique_ptr<ByteSource> src = memory_source(input, "test");
  LineReader reader(*src, "test");
  std::string_view line;
  uint64_t offset = 0;
  while (reader.next(line, offset)) u.line(line, offset);
  u.finish(reader.bytes_read());
}

const std::string kStamp = "2026-12-06T10:11:12.123456789Z";
const std::string kKlogOpener =
    "E1206 10:11:12.123456   12345 runtime.go:79] \"Observed a panic\" panic=\"boom\" stacktrace=<";

}  // namespace

TEST_CASE("a wrapper's text that ends in \"\\r\\n\" (a tty) gives lines without the '\\r'", "[logs][fuzz]") {
  RecordingSink sink;
  logs::LogUnwrapper u(sink);
  unwrap("{\"log\":\"goroutine 1 [running]:\\r\\n\",\"stream\":\"stdout\",\"time\":\"" + kStamp + "\"}\n" +
             "{\"log\":\"\\r\",\"stream\":\"stdout\",\"time\":\"" + kStamp + "\"}\n" + "main.main()\r\r\n",
         sink, u);
  // The last docker chunk ("\r" without "\n") is a partial line given out at the end.
  CHECK(sink.events == std::vector<std::string>{"line goroutine 1 [running]:", "line main.main()", "line "});
}

TEST_CASE("journalctl -o verbose cut after a record header: nothing is held after finish()", "[logs][fuzz]") {
  RecordingSink sink;
  logs::LogUnwrapper u(sink);
  unwrap("Sun 2026-12-06 09:55:16.419890 UTC [s=abc;i=3;b=x;m=1;t=2;x=3]\n    MESSAGE=panic: boom\n", sink, u);
  CHECK(sink.events == std::vector<std::string>{"line panic: boom"});
  CHECK(u.idle());
}

TEST_CASE("a klog block opened by a partial line given out at the end is closed", "[logs][fuzz]") {
  RecordingSink sink;
  logs::LogUnwrapper u(sink);
  unwrap(kStamp + " stderr P " + kKlogOpener + "\n", sink, u);
  CHECK(sink.events == std::vector<std::string>{"begin klog", "line Observed a panic", "stack", "end"});
  CHECK(u.idle());
}

TEST_CASE("a JSON record with a stack inside a klog block ends the block before it begins", "[logs][fuzz]") {
  RecordingSink sink;
  logs::LogUnwrapper u(sink);
  unwrap(kKlogOpener + "\n\tgoroutine 1 [running]:\n" +
             "{\"msg\":\"x\",\"stack\":\"goroutine 2 [running]:\\nmain.f()\\n\\t/a.go:1 +0x1\\n\"}\n",
         sink, u);
  CHECK(sink.events == std::vector<std::string>{"begin klog", "line Observed a panic", "stack",
                                                "line goroutine 1 [running]:", "end", "begin json", "line x", "stack",
                                                "line goroutine 2 [running]:", "line main.f()", "line \t/a.go:1 +0x1",
                                                "end"});
  CHECK(u.idle());
}

TEST_CASE("a klog block inside docker json-file lines goes on across them", "[logs][fuzz]") {
  RecordingSink sink;
  logs::LogUnwrapper u(sink);
  auto docker = [](const std::string &json_text) {
    return "{\"log\":\"" + json_text + "\\n\",\"stream\":\"stderr\",\"time\":\"" + kStamp + "\"}\n";
  };
  std::string opener = kKlogOpener;
  for (size_t at = 0; (at = opener.find('"', at)) != std::string::npos; at += 2) opener.insert(at, "\\");
  unwrap(docker(opener) + docker("\\tgoroutine 1 [running]:") + docker("\\tmain.main()") + docker(" >"), sink, u);
  CHECK(sink.events == std::vector<std::string>{"begin klog", "line Observed a panic", "stack",
                                                "line goroutine 1 [running]:", "line main.main()", "end"});
  CHECK(u.idle());
}

TEST_CASE("journal export: a cut binary field is reported inside the input, once", "[logs][fuzz]") {
  SECTION("the input ends inside the field") {
    RecordingSink sink;
    logs::LogUnwrapper u(sink);
    std::string input = "__CURSOR=s=1\nMESSAGE\nab";
    unwrap(input, sink, u);
    REQUIRE(sink.diagnostics.size() == 1);
    CHECK(sink.diagnostics[0].message == "journal export: input ends inside a binary field");
    CHECK(sink.diagnostics[0].offset == 21);  // its length, after "MESSAGE\n"
    CHECK(u.idle());
  }
  SECTION("a length over the limit, then many lines") {
    RecordingSink sink;
    logs::LogUnwrapper u(sink);
    std::string input = "__CURSOR=s=1\nMESSAGE\n" + std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
    for (int i = 0; i < 100; ++i) input += "\ntext";
    unwrap(input, sink, u);
    size_t oversized = 0;
    for (const Diagnostic &d : sink.diagnostics) {
      CHECK(d.offset <= input.size());
      oversized += d.message.find("a binary field of") != std::string::npos;
    }
    CHECK(oversized == 1);
  }
  SECTION("a field over 16 MiB: its first 16 MiB are read, the rest passed over, the next field read") {
    RecordingSink sink;
    logs::LogUnwrapper u(sink);
    const uint64_t len = (uint64_t(16) << 20) + 100;
    std::string field;
    for (int i = 0; i < 8; ++i) field.push_back(char((len >> (8 * i)) & 0xff));
    std::string body(len, 'x');
    for (size_t i = 4095; i < body.size(); i += 4096) body[i] = '\n';  // lines of 4 KiB
    std::string input = "__CURSOR=s=1\nMESSAGE\n" + field + body + "\nPRIORITY=6\n\n__CURSOR=s=2\nMESSAGE=after\n";
    unwrap(input, sink, u);
    size_t oversized = 0;
    for (const Diagnostic &d : sink.diagnostics) {
      oversized += d.message.find("only its first 16 MiB are read") != std::string::npos;
      CHECK(d.message.find("does not match") == std::string::npos);
    }
    CHECK(oversized == 1);
    REQUIRE_FALSE(sink.events.empty());
    CHECK(sink.events.back() == "line after");
    size_t text = 0;
    for (const std::string &e : sink.events) text += e.size() - 5 + 1;  // "line " and the '\n' each took
    CHECK(text < (uint64_t(16) << 20) + 4096 + 16);
    CHECK(u.idle());
  }
  SECTION("a length cut by the end of the input") {
    RecordingSink sink;
    logs::LogUnwrapper u(sink);
    std::string input = "__CURSOR=s=1\nMESSAGE\n" + std::string("\xff\xff\xff\xff\xff\xff\xff", 7);
    unwrap(input, sink, u);
    REQUIRE_FALSE(sink.diagnostics.empty());
    for (const Diagnostic &d : sink.diagnostics) CHECK(d.offset <= input.size());
  }
}

TEST_CASE("a CRI line without text is an empty line at its end, not a null view", "[logs][fuzz]") {
  // UnwrappedText copies lines with memcpy, which a null pointer must not reach.
  struct Sink final : logs::LineSink {
    std::vector<std::string_view> lines;
    void line(std::string_view text, uint64_t) override { lines.push_back(text); }
    void record_begin(const logs::LogRecord &) override {}
    void stack_begin(logs::StackForm, uint64_t) override {}
    void record_end(uint64_t) override {}
    void diagnostic(Severity, uint64_t, std::string) override {}
    void missing_line(uint64_t, std::string) override {}
  } sink;
  logs::LogUnwrapper u(sink);
  const std::string raw = "2026-12-06T10:11:12Z stderr F";  // too short for UnwrappedText's own fast path
  u.line(raw, 0);
  REQUIRE(sink.lines.size() == 1);
  CHECK(sink.lines[0].empty());
  CHECK(sink.lines[0].data() == raw.data() + raw.size());
}

TEST_CASE("a record after a line the unwrapper rewrote: the decoder keeps no view of that line", "[logs][fuzz]") {
  // The first line's text (escapes stripped) lived in the unwrapper's scratch;
  // the record that followed copied it from a dangling view (ASan:
  // heap-use-after-free in set_pending_recovery).
  std::string input =
      "\x1b[1mserver starting on :8080, a line long enough to live on the heap\x1b[0m\n"
      "level=error msg=\"panic recovered\" panic=boom "
      "stack=\"goroutine 7 [running]:\\nmain.handler()\\n\\t/src/app/main.go:21 +0x45\\n\"\n";
  Input in = analyze_bytes(input, "test", AnalysisOptions{});
  REQUIRE(in.reports.size() == 1);
  CHECK(in.reports[0].kind == ReportKind::Recovered);
  REQUIRE(in.reports[0].process.panics.size() == 1);
  CHECK(in.reports[0].process.panics[0].message == "boom");
}

TEST_CASE("a report whose last text line came from an earlier input line ends after it starts", "[logs][fuzz]") {
  // go test -json output carrying docker lines cut before their "\n": the two
  // partial lines are given out at the end, after the goroutine, and the
  // first (empty) one ends it; it maps to input offset 0, before the report.
  std::string input;
  for (const char *out : {R"({\"log\":\"\",\"stream\":\"a\"}\n)", R"({\"log\":\"\",\"stream\":\"b\"}\n)",
                          R"(goroutine 1 [running]:\n)", R"(main.main()\n)", R"(\t/a.go:1 +0x1\n)"})
    input += std::string(R"({"Action":"output","Test":"T","Output":")") + out + "\"}\n";
  Input in = analyze_bytes(input, "test", AnalysisOptions{});
  REQUIRE(in.reports.size() == 1);
  CHECK(in.reports[0].offset == input.rfind('\n', input.find("goroutine")) + 1);  // its input line
  CHECK(in.reports[0].end_offset >= in.reports[0].offset);
}
