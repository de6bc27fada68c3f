// Renderers (text, json, editor), the JSON schema and its validator, and
// source path mapping. Models are built by hand; no decoder is involved.
#include "cli_runner.h"
#include "json_schema_check.h"
#include "test_support.h"

#include "analysis/groups.h"
#include "analysis/source_paths.h"
#include "analysis/taxonomy.h"
#include "analysis/verdict.h"
#include "gosyntax/parse.h"
#include "render/escaping_stream.h"
#include "render/html_util.h"
#include "render/render.h"
#include "render/render_util.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

#include <unistd.h>
#include <map>
#include <regex>

#include <filesystem>
#include <fstream>
#include <set>

using namespace crashctl;
namespace json = llvm::json;

namespace {

Frame frame(std::string function, std::string file, int line, std::optional<uint64_t> off = {}, bool inlined = false) {
  Frame f;
  f.function = std::move(function);
  f.package = package_of(f.function);  // as the decoders fill it
  f.file = std::move(file);
  f.line = line;
  f.pc_offset = off;
  f.inlined = inlined;
  f.args = inlined ? "..." : "";
  return f;
}

StackRef stack(std::vector<Frame> frames) {
  auto s = make_ref<Stack>();
  s->frames = std::move(frames);
  return s;
}

Goroutine goroutine(int64_t id, GoroutineStatus status, std::string wait_reason, StackRef s) {
  Goroutine g;
  g.id = id;
  g.status = status;
  g.wait_reason = std::move(wait_reason);
  g.stack = std::move(s);
  g.offset = 100 * static_cast<uint64_t>(id);
  return g;
}

// A nil pointer dereference in goroutine 7 with the usual cast around it.
Report nil_deref_report() {
  Report r;
  r.kind = ReportKind::Crash;
  r.offset = 0;
  r.end_offset = 3900;
  Process &p = r.process;
  p.go_version = {"go1.21.13", "1.21", "runtime path"};
  PanicRecord panic;
  panic.message = "runtime error: invalid memory address or nil pointer dereference";
  panic.goroutine = 7;
  p.panics.push_back(panic);
  SignalInfo sig;
  sig.name = "SIGSEGV";
  sig.description = "segmentation violation";
  sig.code = 1;
  sig.addr = 0;
  sig.pc = 0xffffffffffff1234ull;  // above 2^53: must survive as a string
  p.signal = sig;
  Thread t;
  t.m = 0;
  t.registers = {{"rax", 0x0}, {"rip", 0x48f3d6}};
  p.threads.push_back(t);

  Frame cgo;
  cgo.non_go = true;
  cgo.pc = 0x7f0000001000;
  auto crash_stack = stack({
      frame("panic", "/usr/local/go/src/runtime/panic.go", 914, 0x21f),
      frame("main.(*Cache).lookup", "/src/app/cache.go", 42, {}, /*inlined=*/true),
      frame("main.handleRequest", "/src/app/server.go", 120, 0x1d),
      cgo,
      frame("runtime.goexit", "/usr/local/go/src/runtime/asm_amd64.s", 1650, 0x1),
  });
  Goroutine g7 = goroutine(7, GoroutineStatus::Running, "", crash_stack);
  g7.created_by = make_ref<Frame>(frame("main.serve", "/src/app/server.go", 88, 0x5a));
  g7.parent_goid = 1;

  Goroutine g1 = goroutine(1, GoroutineStatus::Waiting, "chan receive",
                           stack({frame("runtime.gopark", "/usr/local/go/src/runtime/proc.go", 398, 0xce),
                                  frame("runtime.chanrecv1", "/usr/local/go/src/runtime/chan.go", 442, 0x12),
                                  frame("main.main", "/src/app/main.go", 30, 0x85)}));
  g1.wait_minutes = 3;

  auto worker = stack({frame("runtime.gopark", "/usr/local/go/src/runtime/proc.go", 398, 0xce),
                       frame("runtime.selectgo", "/usr/local/go/src/runtime/select.go", 327, 0x7be),
                       frame("main.worker", "/src/app/worker.go", 12, 0x9c)});

  auto deep = make_ref<Stack>();
  deep->frames = {frame("main.recurse", "/src/app/deep.go", 5, 0x10),
                  frame("main.recurse", "/src/app/deep.go", 5, 0x10),
                  frame("main.recurse", "/src/app/deep.go", 5, 0x10)};
  deep->elided_at = 2;
  deep->elided_count = 120;

  p.goroutines.push_back(g1);
  p.goroutines.push_back(g7);
  for (int64_t id : {10, 11, 12}) p.goroutines.push_back(goroutine(id, GoroutineStatus::Waiting, "select", worker));
  p.goroutines.push_back(goroutine(13, GoroutineStatus::Runnable, "", deep));

  Verdict &v = r.verdict;
  v.cls = VerdictClass::NilPointerDereference;
  v.recoverable = true;
  v.summary = "nil pointer dereference in main.(*Cache).lookup";
  v.explanation =
      "The program read through a nil pointer. A deferred recover() in the goroutine could "
      "have caught this runtime error, but no function on goroutine 7's stack recovered it, "
      "so the runtime ended the whole process.";
  v.why = "Goroutine 7 panicked and no deferred call in it recovered.";
  v.goroutine = 7;
  Culprit c;
  c.frame = crash_stack->frames[1];
  c.frame_index = 1;
  v.culprit = c;
  v.signature = "5f0c2a9e41d3b7a8";
  v.signature_text =
      "nil-pointer-dereference | runtime error: invalid memory address or nil pointer dereference | "
      "main.(*Cache).lookup";
  return r;
}

Input crash_input() {
  Input in;
  in.path = "crash.txt";
  in.format = InputFormat::Traceback;
  in.size = 4096;
  in.reports.push_back(nil_deref_report());
  group_goroutines(in.reports.back(), InAppRules{AnalysisOptions{}});  // as the pipeline does
  in.diagnostics.push_back({Severity::Warning, 1234, "line longer than 16 MiB cut"});
  return in;
}

Input race_input() {
  Input in;
  in.path = "race.txt";
  in.format = InputFormat::Traceback;
  in.compression = Compression::Gzip;
  in.size = 2000;
  Report r;
  r.kind = ReportKind::Race;
  r.end_offset = 2000;
  RaceReport race;
  RaceAccess write;
  write.operation = "Write";
  write.address = 0xc0000b4010;
  write.goroutine = 7;
  write.stack = stack(
      {frame("main.inc", "/src/app/counter.go", 10, 0x44), frame("main.main.func1", "/src/app/main.go", 20, 0x2c)});
  RaceAccess read;
  read.operation = "Previous read";
  read.address = 0xc0000b4010;
  read.main_goroutine = true;
  read.stack = stack({frame("main.main", "/src/app/main.go", 23, 0x1a4)});
  race.accesses = {write, read};
  RaceGoroutine g;
  g.goroutine = 7;
  g.state = "running";
  g.created_at = stack({frame("main.main", "/src/app/main.go", 19, 0x18b)});
  race.goroutines = {g};
  r.process.races.push_back(race);
  r.verdict.cls = VerdictClass::DataRace;
  r.verdict.signature = "0123456789abcdef";
  r.verdict.summary = "data race on 0xc0000b4010 between goroutine 7 and the main goroutine";
  Culprit c;
  c.frame = write.stack->frames[0];
  r.verdict.culprit = c;
  in.reports.push_back(r);
  return in;
}

// A report with every optional part empty, and a fatal error and test timeout.
Input sparse_input() {
  Input in;
  in.path = "-";
  in.compression = Compression::Zstd;
  Report r;
  r.process.fatal = FatalError{"all goroutines are asleep - deadlock!", {"runtime: note"}, 0};
  r.process.test_timeout = TestTimeout{"2s", {{"TestSlow", "2s"}}};
  Goroutine g;
  g.id = 1;
  g.stack_unavailable = true;  // and no stack at all
  g.wait_minutes = -1;
  Ancestor a;
  a.goid = 3;
  g.mutable_details().ancestors.push_back(a);
  r.process.goroutines.push_back(g);
  in.reports.push_back(r);
  in.reports.emplace_back();
  // Analysis always signs a report; these are built by hand.
  for (Report &x : in.reports) x.verdict.signature = "00000000000000ff";
  return in;
}

std::string render(void (*fn)(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &),
                   const std::vector<Input> &inputs, const RenderOptions &opts = {}) {
  std::string out;
  llvm::raw_string_ostream os(out);
  fn(os, inputs, opts);
  os.flush();
  return out;
}

json::Value load_schema() {
  auto buf = llvm::MemoryBuffer::getFile(CRASHCTL_SOURCE_DIR "/formats/output.schema.json");
  REQUIRE(buf);
  auto schema = json::parse((*buf)->getBuffer());
  if (!schema) FAIL(llvm::toString(schema.takeError()));
  return std::move(*schema);
}

json::Value parse(const std::string &text) {
  auto v = json::parse(text);
  if (!v) FAIL(llvm::toString(v.takeError()));
  return std::move(*v);
}

// Follows a JSON pointer such as "/inputs/0/path".
const json::Value *at(const json::Value &root, llvm::StringRef pointer) {
  const json::Value *v = &root;
  llvm::SmallVector<llvm::StringRef, 8> tokens;
  pointer.split(tokens, '/', -1, false);
  for (llvm::StringRef t : tokens) {
    std::string key = t.str();  // RFC 6901: "~1" is '/', "~0" is '~'
    for (size_t at; (at = key.find("~1")) != std::string::npos;) key.replace(at, 2, "/");
    for (size_t at; (at = key.find("~0")) != std::string::npos;) key.replace(at, 2, "~");
    if (auto *o = v->getAsObject())
      v = o->get(key);
    else if (auto *a = v->getAsArray()) {
      size_t i = 0;
      if (t.getAsInteger(10, i) || i >= a->size()) return nullptr;
      v = &(*a)[i];
    } else
      return nullptr;
    if (!v) return nullptr;
  }
  return v;
}

std::string at_string(const json::Value &root, llvm::StringRef pointer) {
  const json::Value *v = at(root, pointer);
  REQUIRE(v);
  REQUIRE(v->getAsString());
  return v->getAsString()->str();
}

std::string joined(const std::vector<std::string> &errors) {
  std::string s;
  for (const auto &e : errors) s += e + "\n";
  return s;
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  llvm::SmallVector<llvm::StringRef, 16> parts;
  llvm::StringRef(text).split(parts, '\n', -1, false);
  for (auto p : parts) lines.push_back(p.str());
  return lines;
}

}  // namespace

TEST_CASE("json schema validator accepts and rejects", "[schema]") {
  json::Value schema = parse(R"({
    "$defs": {"kind": {"enum": ["a", "b"]}},
    "type": "object",
    "required": ["name", "kind", "n"],
    "additionalProperties": false,
    "properties": {
      "name": {"type": "string"},
      "kind": {"$ref": "#/$defs/kind"},
      "n": {"type": ["integer", "null"], "minimum": 0},
      "hex": {"type": "string", "pattern": "^0x[0-9a-f]+$"},
      "list": {"type": "array", "items": {"anyOf": [{"type": "null"}, {"const": 1}]}}
    }})");
  auto check = [&](const char *doc) { return schema_check::validate(schema, parse(doc)); };

  CHECK(check(R"({"name": "x", "kind": "a", "n": 3, "hex": "0x1f", "list": [null, 1]})").empty());
  CHECK(check(R"({"name": "x", "kind": "b", "n": null})").empty());

  auto missing = check(R"({"name": "x", "kind": "a"})");
  REQUIRE(missing.size() == 1);
  CHECK(missing[0] == "(root): missing required property 'n'");

  auto wrong_type = check(R"({"name": 5, "kind": "a", "n": 1.5})");
  CHECK(wrong_type.size() == 2);
  CHECK_THAT(joined(wrong_type), Catch::Contains("/name: expected string, got integer"));
  CHECK_THAT(joined(wrong_type), Catch::Contains("/n: expected integer or null, got number"));

  auto unknown = check(R"({"name": "x", "kind": "a", "n": 0, "extra": true})");
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0] == "(root): unknown property 'extra'");

  auto bad_enum = check(R"({"name": "x", "kind": "c", "n": 0})");
  REQUIRE(bad_enum.size() == 1);
  CHECK(bad_enum[0] == "/kind: value \"c\" is not in the enum");

  CHECK(check(R"({"name": "x", "kind": "a", "n": -1})").size() == 1);
  CHECK(check(R"({"name": "x", "kind": "a", "n": 0, "hex": "12"})").size() == 1);
  CHECK_THAT(joined(check(R"({"name": "x", "kind": "a", "n": 0, "list": [2]})")),
             Catch::Contains("/list/0: matches no branch of anyOf"));

  // Keywords it does not implement are errors, not silently ignored.
  json::Value unsupported = parse(R"({"uniqueItems": true})");
  CHECK(schema_check::validate(unsupported, parse("[]")).size() == 1);
}

TEST_CASE("json output validates against formats/output.schema.json", "[render][json]") {
  json::Value schema = load_schema();
  std::vector<Input> inputs = {crash_input(), race_input(), sparse_input(), Input{}};
  inputs[3].path = "empty.txt";
  std::string text = render(render_json, inputs);
  json::Value doc = parse(text);
  INFO(text);
  CHECK(joined(schema_check::validate(schema, doc)) == "");

  SECTION("the schema rejects broken documents") {
    auto broken = [&](auto mutate) {
      json::Value copy = doc;
      mutate(*copy.getAsObject());
      return schema_check::validate(schema, copy);
    };
    auto report0 = [](json::Object &o) {
      return (*o.getArray("inputs"))[0].getAsObject()->getArray("reports")->front().getAsObject();
    };
    CHECK_THAT(joined(broken([&](json::Object &o) { report0(o)->erase("kind"); })),
               Catch::Contains("/inputs/0/reports/0: missing required property 'kind'"));
    CHECK_THAT(joined(broken([&](json::Object &o) { (*report0(o))["offset"] = "12"; })),
               Catch::Contains("/inputs/0/reports/0/offset: expected integer"));
    CHECK_THAT(joined(broken([&](json::Object &o) { (*report0(o))["surprise"] = 1; })),
               Catch::Contains("unknown property 'surprise'"));
    CHECK_THAT(joined(broken([&](json::Object &o) { (*report0(o)->getObject("verdict"))["class"] = "nil-pointer"; })),
               Catch::Contains("/inputs/0/reports/0/verdict/class: value \"nil-pointer\" is not in the enum"));
    CHECK_THAT(joined(broken([&](json::Object &o) {
                 (*report0(o)->getArray("goroutines"))[0].getAsObject()->operator[]("state") = "chan receive";
               })),
               Catch::Contains("/goroutines/0/state"));
  }
}

TEST_CASE("json output content", "[render][json]") {
  std::vector<Input> inputs = {crash_input(), race_input(), sparse_input()};
  std::string text = render(render_json, inputs);
  CHECK(text == render(render_json, inputs));  // deterministic
  CHECK(text.back() == '\n');
  json::Value doc = parse(text);

  CHECK(at_string(doc, "/schema_version") == "1.7.0");
  CHECK(at_string(doc, "/tool/name") == "crashctl");
  const std::string r = "/inputs/0/reports/0";
  CHECK(at_string(doc, r + "/kind") == "crash");
  CHECK(at_string(doc, r + "/go_version") == "go1.21.13");
  CHECK(at_string(doc, r + "/verdict/class") == "nil-pointer-dereference");
  CHECK(at_string(doc, r + "/verdict/culprit/function") == "main.(*Cache).lookup");
  CHECK(at_string(doc, r + "/verdict/culprit/package") == "main");
  CHECK(at(doc, r + "/verdict/culprit/frame_index")->getAsInteger() == 1);
  CHECK(at_string(doc, r + "/signal/addr") == "0x0");
  CHECK(at_string(doc, r + "/signal/pc") == "0xffffffffffff1234");
  CHECK(at_string(doc, r + "/threads/0/registers/rip") == "0x48f3d6");
  CHECK(at_string(doc, r + "/goroutines/0/state") == "waiting");
  CHECK(at_string(doc, r + "/goroutines/0/wait_reason") == "chan receive");
  CHECK(at(doc, r + "/goroutines/0/wait_minutes")->getAsInteger() == 3);
  CHECK(at_string(doc, r + "/goroutines/0/frames/2/package") == "main");
  CHECK(at(doc, r + "/goroutines/1/created_by/goroutine")->getAsInteger() == 1);
  CHECK(at(doc, r + "/goroutines/1/frames/1/inlined")->getAsBoolean() == true);
  CHECK(at(doc, r + "/goroutines/1/frames/1/pc_offset")->kind() == json::Value::Null);
  CHECK(at(doc, r + "/goroutines/1/frames/2/pc_offset")->getAsInteger() == 0x1d);
  CHECK(at(doc, r + "/goroutines/1/frames/3/non_go")->getAsBoolean() == true);
  CHECK(at_string(doc, r + "/goroutines/1/frames/3/pc") == "0x7f0000001000");
  CHECK(at(doc, r + "/goroutines/5/frames_elided/count")->getAsInteger() == 120);
  CHECK(at(doc, r + "/goroutines/4/frames_elided")->kind() == json::Value::Null);
  CHECK(at(doc, "/inputs/0/diagnostics/0/offset")->getAsInteger() == 1234);
  CHECK(at_string(doc, "/inputs/1/compression") == "gzip");
  CHECK(at_string(doc, "/inputs/1/reports/0/races/0/accesses/0/address") == "0xc0000b4010");
  CHECK(at(doc, "/inputs/1/reports/0/races/0/accesses/1/goroutine")->getAsInteger() == 1);
  CHECK(at(doc, "/inputs/2/reports/0/signal")->kind() == json::Value::Null);
  CHECK(at(doc, "/inputs/2/reports/0/go_version")->kind() == json::Value::Null);
  CHECK(at_string(doc, "/inputs/2/reports/1/verdict/class") == "unknown");

  // Keys come in the documented order.
  size_t kind = text.find("\"kind\""), verdict = text.find("\"verdict\""), goroutines = text.find("\"goroutines\"");
  CHECK(kind < verdict);
  CHECK(verdict < goroutines);
}

// A large dump's goroutines are written by several threads (render/json.cpp
// JsonWriter::goroutines): the bytes must be those of one.
TEST_CASE("json output is the same bytes whatever the thread count", "[render][json]") {
  Input in = crash_input();
  Process &p = in.reports[0].process;
  const size_t originals = p.goroutines.size();
  for (size_t copy = 0; copy < 3000; ++copy) {
    Goroutine g = p.goroutines[copy % originals];
    g.id = int64_t(1000 + copy);
    g.offset = copy * 977;
    if (copy % 7 == 0) g.mutable_details().labels = "\"k\":\"v\xff" + std::to_string(copy) + "\"";
    if (copy % 11 == 0) g.frame_args = SharedText("0x" + std::to_string(copy));
    if (copy % 13 == 0) {
      Defer d;
      d.function = "main.cleanup\tfunc" + std::to_string(copy % 5);
      d.frame_index = int64_t(copy % 3);
      g.mutable_details().defers.push_back(d);
    }
    p.goroutines.push_back(std::move(g));
  }
  RenderOptions one, many, more;
  one.threads = 1;
  many.threads = 3;
  more.threads = 16;
  std::string want = render(render_json, {in}, one);
  CHECK(render(render_json, {in}, many) == want);
  CHECK(render(render_json, {in}, more) == want);
  json::Value doc = parse(want);
  CHECK(at(doc, "/inputs/0/reports/0/goroutines/3005/id")->getAsInteger() == 1000 + 3005 - int64_t(originals));
}

TEST_CASE("json output stays valid with invalid UTF-8 in the input", "[render][json]") {
  Input in = crash_input();
  in.reports[0].process.panics[0].message = "bad \xff\xfe bytes";
  in.reports[0].process.threads[0].registers.push_back({"r\xff", 1});
  std::string text = render(render_json, {in});
  json::Value doc = parse(text);
  CHECK(schema_check::validate(load_schema(), doc).empty());
  CHECK(llvm::StringRef(at_string(doc, "/inputs/0/reports/0/panics/0/message")).starts_with("bad "));
}

TEST_CASE("editor output is file:line:1: severity: message", "[render][editor]") {
  std::vector<Input> inputs = {crash_input(), race_input()};
  std::string out = render(render_editor, inputs);
  auto lines = lines_of(out);
  INFO(out);
  REQUIRE(lines.size() >= 5);
  std::regex gnu(R"(^[^:]+:\d+:1: (error|note): .+)");
  for (const std::string &line : lines) CHECK(std::regex_search(line, gnu));

  CHECK(lines[0] ==
        "/src/app/cache.go:42:1: error: nil-pointer-dereference: nil pointer dereference in "
        "main.(*Cache).lookup");
  CHECK(lines[1] == "/usr/local/go/src/runtime/panic.go:914:1: note: #0 panic");
  CHECK(lines[2] == "/src/app/cache.go:42:1: note: #1 main.(*Cache).lookup (inlined)");
  CHECK(lines[3] == "/src/app/server.go:120:1: note: #2 main.handleRequest");
  // #3 is a non-Go frame without a file: skipped.
  CHECK(lines[4] == "/usr/local/go/src/runtime/asm_amd64.s:1650:1: note: #4 runtime.goexit");
  CHECK(lines[5] == "/src/app/server.go:88:1: note: goroutine 7 created here by main.serve");
  CHECK(lines[6] ==
        "/src/app/counter.go:10:1: error: data-race: data race on 0xc0000b4010 between "
        "goroutine 7 and the main goroutine");
  CHECK_THAT(out, Catch::Contains("/src/app/main.go:23:1: note: Previous read at 0xc0000b4010 by main goroutine"));
  CHECK_THAT(out, Catch::Contains("/src/app/main.go:19:1: note: goroutine 7 created here by main.main"));
  // Only the errors start a report; each report begins with one.
  size_t errors = std::count_if(lines.begin(), lines.end(),
                                [](const std::string &l) { return l.find(": error: ") != std::string::npos; });
  CHECK(errors == 2);

  SECTION("paths go through the mapper") {
    SourcePathMapper paths([](llvm::StringRef) { return false; });
    paths.add_path_map("/src/app", "/home/me/app");
    RenderOptions opts;
    opts.paths = &paths;
    auto mapped = lines_of(render(render_editor, {crash_input()}, opts));
    CHECK(mapped[0].rfind("/home/me/app/cache.go:42:1: error: ", 0) == 0);
    CHECK(mapped[1].rfind("/usr/local/go/src/runtime/panic.go:914:1:", 0) == 0);
  }

  SECTION("a report without any location still yields one parseable line") {
    Input in = sparse_input();
    auto sparse = lines_of(render(render_editor, {in}));
    REQUIRE(sparse.size() == 2);
    CHECK(sparse[0] == "<stdin>:1:1: error: unknown: all goroutines are asleep - deadlock!");
    CHECK(std::regex_search(sparse[1], gnu));
  }
}

TEST_CASE("text output", "[render][text]") {
  std::string out = render(render_text, {crash_input()});
  INFO(out);
  auto lines = lines_of(out);
  CHECK(lines[0] == "crash.txt: panic in goroutine 7 - nil-pointer-dereference (recoverable: yes, but not recovered)");
  CHECK(lines[1] == "  runtime error: invalid memory address or nil pointer dereference");
  CHECK(lines[2] == "  [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0xffffffffffff1234]");
  CHECK(lines[3] == "  culprit: main.(*Cache).lookup  /src/app/cache.go:42");
  CHECK(lines[4] == "  why: Goroutine 7 panicked and no deferred call in it recovered.");
  CHECK(out.find("The program read through a nil pointer") == std::string::npos);  // --verbose
  for (const auto &line : lines) CHECK(line.size() <= 100);
  CHECK_THAT(out, Catch::Contains("goroutine 7 [running] (crashing), created by main.serve in goroutine 1 "
                                  "at /src/app/server.go:88\n"));
  std::regex culprit_line(R"(\n  > 1  main\.\(\*Cache\)\.lookup\(\.\.\.\) +/src/app/cache\.go:42 \[inlined\]\n)");
  CHECK(std::regex_search(out, culprit_line));
  CHECK_THAT(out, Catch::Contains("    2  main.handleRequest()"));
  CHECK_THAT(out, Catch::Contains("/src/app/server.go:120 +0x1d\n"));
  CHECK_THAT(out, Catch::Contains("pc=0x7f0000001000"));
  CHECK_THAT(out, Catch::Contains("\nother goroutines (5):\n"));
  CHECK_THAT(out, Catch::Contains("  goroutine 1 [chan receive, 3 minutes]: main.main at /src/app/main.go:30\n"));
  CHECK_THAT(out, Catch::Contains("  3 goroutines (10, 11, 12) [select]: main.worker at /src/app/worker.go:12"));
  CHECK_THAT(out, Catch::Contains("crash.txt: warning: at byte 1234: line longer than 16 MiB cut\n"));
  CHECK(out.find("\x1b[") == std::string::npos);

  SECTION("elided frames are shown where they were") {
    Input in = crash_input();
    in.reports[0].verdict.goroutine = 13;
    in.reports[0].verdict.culprit.reset();
    std::string deep = render(render_text, {in});
    std::regex elided(R"(\n +1  main\.recurse\(\) .*\n +\.\.\. 120 frames elided \.\.\.\n +2  main\.recurse)");
    CHECK(std::regex_search(deep, elided));
  }

  SECTION("colour only when asked for") {
    RenderOptions opts;
    opts.color = true;
    std::string colored = render(render_text, {crash_input()}, opts);
    CHECK_THAT(colored, Catch::Contains("\x1b[0;1;31mnil-pointer-dereference\x1b[0m"));    // bold red class
    CHECK_THAT(colored, Catch::Contains("\x1b[0;1;33m  > 1  main.(*Cache).lookup(...)"));  // bold program frame
    CHECK_THAT(colored, Catch::Contains("\x1b[0;33m    2  main.handleRequest()"));         // program: yellow
    CHECK_THAT(colored, Catch::Contains("\x1b[0;90m    4  runtime.goexit()"));             // dimmed runtime frame
    CHECK_THAT(colored, Catch::Contains("\x1b[0;35m    3  non-Go function"));              // C code: magenta

    // A stream that had colours on stays plain with color=false, and keeps its setting.
    std::string plain;
    llvm::raw_string_ostream os(plain);
    os.enable_colors(true);
    render_text(os, {crash_input()}, RenderOptions{});
    CHECK(plain.find("\x1b[") == std::string::npos);
    CHECK(os.colors_enabled());
  }

  SECTION("other goroutines can be left out") {
    RenderOptions opts;
    opts.all_goroutines = false;
    std::string brief = render(render_text, {crash_input()}, opts);
    CHECK_THAT(brief, Catch::Contains("5 other goroutines not shown"));
    CHECK(brief.find("goroutine 10..12") == std::string::npos);
  }

  SECTION("several reports in one file carry their offsets") {
    Input in = crash_input();
    in.reports.push_back(nil_deref_report());
    in.reports[1].offset = 4000;
    std::string two = render(render_text, {in});
    CHECK_THAT(two, Catch::Contains("crash.txt @ byte 0: panic in goroutine 7"));
    CHECK_THAT(two, Catch::Contains("crash.txt @ byte 4000: panic in goroutine 7"));
  }

  SECTION("races show their accesses") {
    std::string race = render(render_text, {race_input()});
    CHECK_THAT(race, Catch::StartsWith("race.txt: data race - data-race\n"));
    CHECK_THAT(race, Catch::Contains("  Write at 0xc0000b4010 by goroutine 7:\n"));
    CHECK_THAT(race, Catch::Contains("  Previous read at 0xc0000b4010 by main goroutine:\n"));
    CHECK_THAT(race, Catch::Contains("  > 0  main.inc()"));
    CHECK_THAT(race, Catch::Contains("  goroutine 7 (running) created at:\n"));
  }

  SECTION("inputs without reports say so") {
    Input empty;
    empty.path = "notes.txt";
    empty.size = 12;
    CHECK(render(render_text, {empty}) == "notes.txt: nothing recognizable (unknown, 12 bytes)\n");
    CHECK_NOTHROW(render(render_text, {sparse_input()}));
  }
}

TEST_CASE("text output: columns are terminal columns, for any script", "[render][text]") {
  SECTION("widths and cuts") {
    using render_detail::display_width;
    using render_detail::fit_width;
    CHECK(display_width("main.run") == 8);
    CHECK(display_width("main.café") == 9);       // 'é' is two bytes, one column
    CHECK(display_width("main.处理请求") == 13);  // wide: two columns each
    CHECK(display_width("a\x1b") == 5);           // shown escaped: "a\x1b"
    CHECK(display_width("\xff") == 4);
    CHECK(display_width("处理\t请求") == 9);    // a tab counts one, the rest as ever
    CHECK(display_width("cafe\xcc\x81") == 4);  // a combining accent takes none
    CHECK(fit_width("处理请求处理请求", 9) == "处理请...");
    CHECK(fit_width("caféééé", 6) == "caf...");
    CHECK(fit_width("café", 4) == "café");
  }

  SECTION("frame locations line up after names in other scripts") {
    Input in = crash_input();
    Report &r = in.reports[0];
    Frame cafe = frame("main.café", "/src/app/café.go", 10, 0x25);
    cafe.args = "0xc000010000";
    r.process.goroutines[1].stack = stack({cafe, frame("main.处理请求", "/src/app/处理.go", 20, 0x1d),
                                           frame("main.serveASCII", "/src/app/server.go", 30, 0x85)});
    r.verdict.culprit->frame = cafe;
    r.verdict.culprit->frame_index = 0;
    std::string out = render(render_text, {in});
    INFO(out);
    std::vector<std::string> rows;
    for (const std::string &line : lines_of(out))
      for (const char *call : {"main.café(0xc000010000)", "main.处理请求()", "main.serveASCII()"})
        if (line.find(call) != std::string::npos) rows.push_back(line);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == "  > 0  main.café(0xc000010000)  /src/app/café.go:10 +0x25");
    // The widest call, main.café(0xc000010000), is 23 columns (24 bytes).
    for (const std::string &row : rows) CHECK(test::column_of(row, "/src/app/") == 7 + 23 + 2);
  }
}

TEST_CASE("source path mapping", "[paths]") {
  std::set<std::string> files;
  auto exists = [&](llvm::StringRef p) { return files.count(p.str()) != 0; };
  SourcePathMapper paths(exists);
  paths.set_go_environment({"/opt/go", "/home/me/go/pkg/mod"});

  SECTION("nothing matches: the path comes back unchanged") {
    CHECK(paths.map("/build/app/main.go") == "/build/app/main.go");
    CHECK(paths.map("<autogenerated>") == "<autogenerated>");
    CHECK(paths.map("") == "");
  }

  SECTION("--path-map: longest OLD wins, at component boundaries, existing or not") {
    cantFail(paths.add_path_map("/build=/home/me/src"));
    cantFail(paths.add_path_map("/build/vendor/=/home/me/vendor"));
    CHECK(paths.map("/build/app/main.go") == "/home/me/src/app/main.go");
    CHECK(paths.map("/build/vendor/x/y.go") == "/home/me/vendor/x/y.go");
    CHECK(paths.map("/buildx/main.go") == "/buildx/main.go");
    CHECK(llvm::errorToBool(paths.add_path_map("no-equals-sign")));
    CHECK(llvm::errorToBool(paths.add_path_map("=/x")));
  }

  SECTION("GOROOT prefixes map to the local GOROOT when the file exists there") {
    files.insert("/opt/go/src/runtime/panic.go");
    files.insert("/opt/go/src/net/http/server.go");
    for (const char *remote :
         {"/usr/local/go/src/runtime/panic.go", "/root/sdk/go1.21.13/src/runtime/panic.go",
          "/home/ci/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/src/runtime/panic.go",
          "/usr/lib/go-1.19/src/runtime/panic.go", "runtime/panic.go"})
      CHECK(paths.map(remote) == "/opt/go/src/runtime/panic.go");
    CHECK(paths.map("/usr/local/go/src/net/http/server.go") == "/opt/go/src/net/http/server.go");
    // Not in the local GOROOT, or not a GOROOT: unchanged.
    CHECK(paths.map("/usr/local/go/src/runtime/gone.go") == "/usr/local/go/src/runtime/gone.go");
    CHECK(paths.map("/home/me/project/src/runtime/panic.go") == "/home/me/project/src/runtime/panic.go");
  }

  SECTION("an existing local path is kept") {
    files.insert("/opt/go/src/runtime/panic.go");
    files.insert("/usr/local/go/src/runtime/panic.go");
    CHECK(paths.map("/usr/local/go/src/runtime/panic.go") == "/usr/local/go/src/runtime/panic.go");
  }

  SECTION("module cache paths map to the local module cache") {
    files.insert("/home/me/go/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go");
    CHECK(paths.map("/root/go/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go") ==
          "/home/me/go/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go");
    CHECK(paths.map("github.com/BurntSushi/toml@v1.2.0/decode.go") ==
          "/home/me/go/pkg/mod/github.com/!burnt!sushi/toml@v1.2.0/decode.go");
    CHECK(paths.map("/root/go/pkg/mod/github.com/x/y@v1.0.0/y.go") == "/root/go/pkg/mod/github.com/x/y@v1.0.0/y.go");
  }

  SECTION("--source-root tries ever shorter suffixes") {
    paths.set_source_root("/home/me/app");
    files.insert("/home/me/app/internal/cache.go");
    files.insert("/home/me/app/cache.go");
    CHECK(paths.map("/build/app/internal/cache.go") == "/home/me/app/internal/cache.go");
    CHECK(paths.map("/build/app/other/cache.go") == "/home/me/app/cache.go");
    CHECK(paths.map("/build/app/missing.go") == "/build/app/missing.go");
  }

  SECTION("'..' never leads a mapped path out of the directory it maps to") {
    paths.set_source_root("/home/me/app");
    files.insert("/home/me/app/../secret.go");
    files.insert("/home/me/secret.go");
    files.insert("/home/me/app/cache.go");
    CHECK(paths.map("../secret.go") == "../secret.go");
    CHECK(paths.map("x/../../secret.go") == "../secret.go");
    CHECK(paths.map("/build/app/x/../cache.go") == "/home/me/app/cache.go");
    cantFail(paths.add_path_map("/build=/home/me/src"));
    CHECK(paths.map("/build/a/../../etc/passwd") == "/etc/passwd");
  }

  SECTION("the local Go environment") {
    std::map<std::string, std::string> env;
    auto getenv = [&](llvm::StringRef name) -> std::optional<std::string> {
      auto it = env.find(name.str());
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto none = LocalGoEnvironment::detect(getenv, exists);
    CHECK(none.goroot.empty());
    CHECK(none.module_cache.empty());

    files.insert("/usr/lib/go/src/runtime");
    env["HOME"] = "/home/me";
    auto defaults = LocalGoEnvironment::detect(getenv, exists);
    CHECK(defaults.goroot == "/usr/lib/go");
    CHECK(defaults.module_cache == "/home/me/go/pkg/mod");

    files.insert("/usr/local/go/src/runtime");
    env["GOPATH"] = "/gp:/other";
    CHECK(LocalGoEnvironment::detect(getenv, exists).goroot == "/usr/local/go");
    CHECK(LocalGoEnvironment::detect(getenv, exists).module_cache == "/gp/pkg/mod");

    env["GOROOT"] = "/custom/go";
    env["GOMODCACHE"] = "/cache";
    CHECK(LocalGoEnvironment::detect(getenv, exists).goroot == "/custom/go");
    CHECK(LocalGoEnvironment::detect(getenv, exists).module_cache == "/cache");
  }
}

TEST_CASE("command-line etiquette: problems on stderr, help, suggestions, one --color", "[cli]") {
  using crashctl::testing::run_crashctl;
  std::string out, both;
  // Errors reach stderr in text mode too: `analyze missing.txt > out` shows them.
  CHECK(run_crashctl("analyze /nonexistent/crash.txt", out) == 2);
  CHECK(out.find("cannot open") == std::string::npos);
  CHECK(run_crashctl("analyze /nonexistent/crash.txt", both, /*merge_stderr=*/true) == 2);
  CHECK(both.find("error: /nonexistent/crash.txt: at byte 0: cannot open") != std::string::npos);
  // The file is named once per line.
  CHECK(both.find("/nonexistent/crash.txt: at byte 0: /nonexistent/crash.txt") == std::string::npos);
  // help, and help COMMAND.
  CHECK(run_crashctl("help", out) == 0);
  CHECK(out.find("analyze") != std::string::npos);
  CHECK(out.find("triage") != std::string::npos);
  CHECK(run_crashctl("help triage", out) == 0);
  CHECK(out.find("--baseline") != std::string::npos);
  // A mistyped command: a suggestion and the usage status.
  CHECK(run_crashctl("anlyze x.txt", both, true) == 3);
  CHECK(both.find("did you mean 'analyze'?") != std::string::npos);
  CHECK(run_crashctl("help trige", both, true) == 3);
  CHECK(both.find("did you mean 'triage'?") != std::string::npos);
  // triage on a missing path exits 2, like analyze.
  CHECK(run_crashctl("triage /nonexistent/dumps", out) == 2);
  // --color is accepted, and means the same, everywhere.
  const std::string fixture = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/logs/go1.26.8/profile-debug1.a.txt.zst";
  const std::string other = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/logs/go1.26.8/profile-debug1.b.txt.zst";
  for (const std::string &cmd : {"analyze " + fixture, "triage " + fixture, "diff " + fixture + " " + other}) {
    INFO(cmd);
    std::string never, always;
    run_crashctl(cmd + " --color never", never);
    run_crashctl(cmd + " --color always", always);
    CHECK(never.find('\x1b') == std::string::npos);
    CHECK(always.find('\x1b') != std::string::npos);
    CHECK(run_crashctl(cmd + " --color sometimes", out) == 3);
  }
}

TEST_CASE("the escaping stream keeps CRLF line ends, escapes lone CRs and controls, holds cut UTF-8", "[render]") {
  auto escaped = [](std::vector<std::string> writes, bool crlf) {
    std::string out;
    {
      llvm::raw_string_ostream os(out);
      ControlEscapingStream esc(os, crlf);
      esc.SetUnbuffered();
      for (const std::string &w : writes) esc << w;
    }
    return out;
  };
  CHECK(escaped({"a,b\r\n", "c\rd\x1b[31m\n"}, true) == "a,b\r\nc\\rd\\x1b[31m\n");
  // A CR that ends a write may begin a CRLF; one that ends the text does not.
  CHECK(escaped({"a\r", "\nb"}, true) == "a\r\nb");
  CHECK(escaped({"a\r"}, true) == "a\\r");
  CHECK(escaped({"x\r\n"}, false) == "x\\r\n");
  // "é" split across writes is one character; a C1 control is escaped.
  CHECK(escaped({"caf\xc3", "\xa9 \xc2\x9b"}, false) == "caf\xc3\xa9 \\u009b");
  CHECK(escaped({"bad \xff"}, false) == "bad \\xff");
}

TEST_CASE("editor output escapes what the input holds", "[render][editor]") {
  Input in = crash_input();
  Report &r = in.reports.back();
  r.verdict.cls = VerdictClass::NilPointerDereference;
  r.verdict.summary = "boom\x1b]0;TITLE\x07\x1b[2J";
  Frame f = frame("main.f\x08", "/src/a\x1b[1A.go", 3);
  Culprit c;
  c.frame = f;
  r.verdict.culprit = c;
  std::string out = render(render_editor, {in});
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\x07') == std::string::npos);
  CHECK(out.find('\x08') == std::string::npos);
  CHECK(out.find("/src/a\\x1b[1A.go:3:1: error: nil-pointer-dereference: boom\\x1b]0;TITLE\\x07") == 0);
}

TEST_CASE("text output: the first screen keeps this crash's why, --verbose the rest", "[render][text]") {
  Input in = crash_input();
  Verdict &v = in.reports[0].verdict;
  v.why = std::string(60, 'a') + " " + std::string(60, 'b') + " " + std::string(60, 'c') + " " + std::string(60, 'd');
  auto lines = lines_of(render(render_text, {in}));
  auto why = std::find_if(lines.begin(), lines.end(), [](const std::string &l) { return l.rfind("  why: ", 0) == 0; });
  REQUIRE(why != lines.end());
  REQUIRE(why + 2 < lines.end());
  CHECK(why[1].rfind("       ", 0) == 0);  // the second line, wrapped
  CHECK_THAT(why[1], Catch::EndsWith(" ..."));
  CHECK(why[2].rfind("       ", 0) != 0);  // and no third
  CHECK(why[1].size() <= 100);

  RenderOptions verbose;
  verbose.verbose = true;
  std::string full = render(render_text, {crash_input()}, verbose);
  CHECK_THAT(full, Catch::Contains("  why: The program read through a nil pointer."));
  CHECK_THAT(full, Catch::Contains("  class: The program read or wrote through a nil pointer"));
  CHECK(full.find("Goroutine 7 panicked and no deferred call in it recovered.") == std::string::npos);
}

TEST_CASE("the taxonomy explains every class, as formats/taxonomy.md lists them", "[taxonomy]") {
  auto md = llvm::MemoryBuffer::getFile(CRASHCTL_SOURCE_DIR "/formats/taxonomy.md");
  REQUIRE(md);
  std::set<VerdictClass> seen;
  for (const ClassInfo &c : verdict_classes()) {
    INFO(to_string(c.cls));
    CHECK(seen.insert(c.cls).second);
    CHECK(parse_verdict_class(to_string(c.cls)) == c.cls);
    CHECK(llvm::StringRef(c.explanation).size() > 80);
    CHECK(&class_info(c.cls) == &c);
    std::string row = std::string("| `") + to_string(c.cls) + "` | " + (c.recoverable ? "yes" : "no") + " |";
    CHECK((*md)->getBuffer().contains(row));
  }
  CHECK(seen.size() == size_t(VerdictClass::Unknown) + 1);
}

namespace {

// The JSON inside the first <script type="application/json"> of PAGE.
std::string embedded_json(const std::string &page) {
  size_t at = page.find("<script type=\"application/json\" class=\"group-data\">");
  REQUIRE(at != std::string::npos);
  at = page.find('>', at) + 1;
  size_t end = page.find("</script>", at);
  REQUIRE(end != std::string::npos);
  return page.substr(at, end - at);
}

}  // namespace

TEST_CASE("html output: one self-contained page of the report", "[render][html]") {
  std::string page = render(render_html, {crash_input()});
  INFO(page.substr(0, 2000));
  CHECK_THAT(page, Catch::StartsWith("<!DOCTYPE html>\n"));
  CHECK_THAT(page, Catch::EndsWith("</html>\n"));
  CHECK_THAT(page, Catch::Contains("<meta name=\"crashctl-html-version\" content=\"1\">"));
  // Nothing is fetched: no external script, style, image or font.
  for (const char *fetch : {" src=", "<link", "@import", "url(", "http://", "https://"})
    CHECK(page.find(fetch) == std::string::npos);
  CHECK_THAT(page, Catch::Contains("prefers-color-scheme:dark"));
  // The verdict header.
  CHECK_THAT(page, Catch::Contains("<span class=\"cls\">nil-pointer-dereference</span>"));
  CHECK_THAT(page, Catch::Contains("recoverable, but not recovered"));
  CHECK_THAT(page,
             Catch::Contains("<dd class=\"why\">Goroutine 7 panicked and no deferred call in it recovered.</dd>"));
  CHECK_THAT(page, Catch::Contains("<dd class=\"culprit k-program\"><span class=\"fn\">main.(*Cache).lookup</span>"));
  // The crashing goroutine: the culprit marked, inlined frames flagged, kinds.
  std::regex culprit(
      R"re(<li class="frame k-program culprit inlined"><span class="idx">&gt;1</span><span class="fn">main\.\(\*Cache\)\.lookup</span>.*<span class="badge">inlined</span><span class="badge warn">culprit</span></li>)re");
  CHECK(std::regex_search(page, culprit));
  CHECK_THAT(page, Catch::Contains(
                       "<li class=\"frame k-runtime\"><span class=\"idx\">0</span><span class=\"fn\">panic</span>"));
  CHECK_THAT(page, Catch::Contains("<li class=\"frame k-c\">"));
  // Groups: data for the script, counted; a static list without scripts.
  CHECK_THAT(page, Catch::Contains("<section class=\"groups\" data-groups=\"4\" data-goroutines=\"6\">"));
  json::Value data = parse(embedded_json(page));
  const json::Array *groups = data.getAsObject()->getArray("groups");
  REQUIRE(groups);
  CHECK(groups->size() == 4);
  int64_t total = 0;
  for (const json::Value &g : *groups) total += *g.getAsObject()->getInteger("n");
  CHECK(total == 6);
  CHECK_THAT(page, Catch::Contains("<noscript><ul class=\"plain static-groups\">"));
  // No DOM node per goroutine: the groups' frames are only in the JSON.
  CHECK(page.find("main.worker") == page.rfind("main.worker"));
}

TEST_CASE("html output escapes what the input holds", "[render][html]") {
  Input in = crash_input();
  Report &r = in.reports[0];
  r.process.panics[0].message = "<script>alert(1)</script> & \"q\" 'a'";
  r.verdict.summary = "</script><img src=x onerror=alert(1)>";
  r.verdict.why = "line\u2028sep \x1b[31m";
  Frame evil = r.process.goroutines[0].stack->frames[2];
  evil.function = "main.</script><script>alert(2)</script>\u2029";
  auto s = make_ref<Stack>(*r.process.goroutines[0].stack);
  s->frames[2] = evil;
  r.process.goroutines[0].stack = s;
  group_goroutines(r, InAppRules{AnalysisOptions{}});
  std::string page = render(render_html, {in});
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK_THAT(page, Catch::Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;"));
  CHECK_THAT(page, Catch::Contains("\\x1b[31m"));  // shown, not sent raw
  CHECK(page.find('\x1b') == std::string::npos);
  // The embedded JSON cannot end its element, and parses to the same text.
  std::string embedded = embedded_json(page);
  CHECK(embedded.find('<') == std::string::npos);
  CHECK(embedded.find("\xe2\x80\xa9") == std::string::npos);
  CHECK_THAT(embedded, Catch::Contains("\\u003c/script\\u003e"));
  CHECK_THAT(embedded, Catch::Contains("\\u2029"));
  bool found = false;
  json::Value embedded_data = parse(embedded);
  const json::Array &pkgs = *embedded_data.getAsObject()->getArray("pkgs");
  for (const json::Value &f : *embedded_data.getAsObject()->getArray("frames")) {
    const json::Array &a = *f.getAsArray();
    found |= (*pkgs[*a[0].getAsInteger()].getAsString() + "." + *a[1].getAsString()).str() == evil.function;
  }
  CHECK(found);
  CHECK(html::script_json("\"a</b>&\xe2\x80\xa8\"") == "\"a\\u003c/b\\u003e\\u0026\\u2028\"");
  CHECK(html::safe_url("javascript:alert(1)").empty());
  CHECK(html::safe_url("JavaScript:alert(1)").empty());
  CHECK(html::safe_url("vscode://file/a.go:1") == "vscode://file/a.go:1");
}

TEST_CASE("html output links frames to a local editor, else to their forge", "[render][html]") {
  Input in = crash_input();
  Report &r = in.reports[0];
  SourceLinks links;
  links.set("/src/app/server.go", {"https://github.com/acme/app/blob/v1/server.go#L", ""});
  r.links = links;
  SourcePathMapper paths([](llvm::StringRef p) { return p == "/src/app/cache.go"; });
  RenderOptions opts;
  opts.paths = &paths;
  std::string page = render(render_html, {in}, opts);
  CHECK_THAT(page,
             Catch::Contains("<a class=\"fn\" href=\"vscode://file/src/app/cache.go:42\">main.(*Cache).lookup</a>"));
  CHECK_THAT(page,
             Catch::Contains(
                 "<a class=\"fn\" href=\"https://github.com/acme/app/blob/v1/server.go#L120\">main.handleRequest</a>"));
  opts.link_template = "idea://open?file={path}&line={line}";
  page = render(render_html, {in}, opts);
  CHECK_THAT(page, Catch::Contains("href=\"idea://open?file=/src/app/cache.go&amp;line=42\""));
}

TEST_CASE("sarif output: a result per report with rules, locations, stacks and fingerprints", "[render][sarif]") {
  Input in = crash_input();
  Report &r = in.reports[0];
  r.verdict.culprit->module = "github.com/acme/app";
  Frame trimmed = r.verdict.culprit->frame;
  trimmed.file = "github.com/acme/app/cache.go";
  r.verdict.culprit->frame = trimmed;
  in.reports.push_back(race_input().reports[0]);
  json::Value log = parse(render(render_sarif, {in}));
  CHECK(at_string(log, "/version") == "2.1.0");
  const json::Array *rules = at(log, "/runs/0/tool/driver/rules")->getAsArray();
  REQUIRE(rules);
  CHECK(rules->size() == verdict_classes().size());
  CHECK(at_string(log, "/runs/0/tool/driver/name") == "crashctl");
  CHECK(at_string(log, "/runs/0/tool/driver/rules/0/fullDescription/text") ==
        class_info(VerdictClass::NilPointerDereference).explanation);
  const json::Array *results = at(log, "/runs/0/results")->getAsArray();
  REQUIRE(results);
  REQUIRE(results->size() == 2);
  CHECK(at_string(log, "/runs/0/results/0/ruleId") == "nil-pointer-dereference");
  CHECK(*at(log, "/runs/0/results/0/ruleIndex")->getAsInteger() == 0);
  CHECK(at_string(log, "/runs/0/results/0/level") == "error");
  CHECK(at_string(log, "/runs/0/results/0/message/text") == "nil pointer dereference in main.(*Cache).lookup");
  CHECK(at_string(log, "/runs/0/results/0/partialFingerprints/crashctl~1signature~1v1") == "5f0c2a9e41d3b7a8");
  // The culprit relative to the module root; other frames by absolute URI.
  CHECK(at_string(log, "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri") == "cache.go");
  CHECK(at_string(log, "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uriBaseId") == "%SRCROOT%");
  CHECK(*at(log, "/runs/0/results/0/locations/0/physicalLocation/region/startLine")->getAsInteger() == 42);
  CHECK(at_string(log, "/runs/0/results/0/stacks/0/frames/2/location/physicalLocation/artifactLocation/uri") ==
        "file:///src/app/server.go");
  CHECK(at(log, "/runs/0/results/0/stacks/0/frames")->getAsArray()->size() == 5);
  // The thread flow runs outermost first; the culprit is essential.
  CHECK(at_string(
            log,
            "/runs/0/results/0/codeFlows/0/threadFlows/0/locations/0/location/logicalLocations/0/fullyQualifiedName") ==
        "runtime.goexit");
  CHECK(at_string(log, "/runs/0/results/0/codeFlows/0/threadFlows/0/locations/3/importance") == "essential");
  CHECK(at_string(log, "/runs/0/results/1/ruleId") == "data-race");
  // The rule the index names is the result's.
  for (size_t i = 0; i < results->size(); ++i) {
    std::string base = "/runs/0/results/" + std::to_string(i);
    int64_t index = *at(log, base + "/ruleIndex")->getAsInteger();
    CHECK(at_string(log, "/runs/0/tool/driver/rules/" + std::to_string(index) + "/id") ==
          at_string(log, base + "/ruleId"));
  }
  // Nothing to report is still a valid log with its rules.
  json::Value empty = parse(render(render_sarif, {}));
  CHECK(at(empty, "/runs/0/results")->getAsArray()->empty());
}

TEST_CASE("crashctl explain: the classes, one class, an unknown one", "[cli]") {
  using crashctl::testing::run_crashctl;
  std::string out;
  CHECK(run_crashctl("explain", out) == 0);
  CHECK(lines_of(out).size() == verdict_classes().size());
  CHECK_THAT(out, Catch::Contains("concurrent-map-access"));
  CHECK(run_crashctl("explain deadlock", out) == 0);
  CHECK_THAT(out, Catch::StartsWith("deadlock: deadlock (recoverable: no)\n"));
  CHECK_THAT(out, Catch::Contains("Every goroutine was blocked"));
  CHECK(run_crashctl("explain no-such-class", out, true) == 3);
  CHECK_THAT(out, Catch::Contains("unknown class 'no-such-class'"));
  CHECK(run_crashctl("explain dedlock", out, true) == 3);
  CHECK_THAT(out, Catch::Contains("did you mean 'deadlock'?"));
}

TEST_CASE("analyze and triage write html and sarif; NO_COLOR and --color", "[cli]") {
  using crashctl::testing::run_crashctl;
  const std::string fx = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/go1.26.8";
  std::string out, json_out;
  CHECK(run_crashctl("analyze -f html " + fx + "/nil-deref.txt.zst", out) == 0);
  CHECK_THAT(out, Catch::Contains("<span class=\"cls\">nil-pointer-dereference</span>"));
  CHECK(run_crashctl("analyze -f sarif " + fx + "/nil-deref.txt.zst", out) == 0);
  CHECK(at_string(parse(out), "/runs/0/results/0/ruleId") == "nil-pointer-dereference");
  CHECK(run_crashctl("triage -f json " + fx, json_out) == 0);
  size_t buckets = at(parse(json_out), "/buckets")->getAsArray()->size();
  CHECK(run_crashctl("triage -f sarif " + fx, out) == 0);
  json::Value log = parse(out);
  CHECK(at(log, "/runs/0/results")->getAsArray()->size() == buckets);
  CHECK(at_string(log, "/runs/0/results/0/partialFingerprints/crashctl~1signature~1v1") ==
        at_string(parse(json_out), "/buckets/0/signature"));
  CHECK(run_crashctl("triage -f html " + fx, out) == 0);
  size_t rows = 0;
  for (size_t at = 0; (at = out.find("<tr class=\"bucket", at)) != std::string::npos; ++at) ++rows;
  CHECK(rows == buckets);
  // Colour: never by default off a terminal, always when asked, even under NO_COLOR
  // (--color always wins, as before); NO_COLOR only turns auto off.
  CHECK(run_crashctl("analyze " + fx + "/nil-deref.txt.zst", out) == 0);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(run_crashctl("analyze --color always " + fx + "/nil-deref.system.txt.zst", out) == 0);
  CHECK_THAT(out, Catch::Contains("\x1b[0;1;33m  > "));  // the culprit, a program frame
  CHECK_THAT(out, Catch::Contains("\x1b[0;90m"));        // runtime frames
}

TEST_CASE("html and sarif output of sparse and empty inputs", "[render][html][sarif]") {
  Input empty;
  empty.path = "notes.txt";
  empty.size = 12;
  std::string page = render(render_html, {sparse_input(), empty});
  CHECK_THAT(page, Catch::EndsWith("</html>\n"));
  CHECK_THAT(page, Catch::Contains("fatal error: all goroutines are asleep - deadlock!"));
  CHECK_THAT(page, Catch::Contains("test timed out after 2s"));
  CHECK_THAT(page, Catch::Contains("Nothing recognizable (unknown, 12 bytes)."));
  json::Value log = parse(render(render_sarif, {sparse_input(), empty}));
  const json::Array *results = at(log, "/runs/0/results")->getAsArray();
  REQUIRE(results);
  CHECK(results->size() == 2);
  CHECK(at_string(log, "/runs/0/results/0/ruleId") == "unknown");
  CHECK(at(log, "/runs/0/results/0/locations")->getAsArray()->empty());
}

TEST_CASE("triage html escapes file names", "[cli][html]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("crashctl-html-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy_file(std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/go1.26.8/nil-deref.txt.zst",
                dir / "a<script>alert(1)<&>.txt.zst", fs::copy_options::overwrite_existing);
  std::string out;
  CHECK(crashctl::testing::run_crashctl("triage -f html " + dir.string(), out) == 0);
  CHECK(out.find("<script>alert") == std::string::npos);
  CHECK_THAT(out, Catch::Contains("a&lt;script&gt;alert(1)&lt;&amp;&gt;.txt.zst"));
  CHECK_THAT(out, Catch::Contains("<tr class=\"bucket\""));
  fs::remove_all(dir);
}
