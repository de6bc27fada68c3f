// crashctl diff: two goroutine dumps compared (formats/diff.md). Real dumps
// come from the leak-growth scenario (testdata/scenarios/leak_growth.go),
// which writes two goroutine?debug=2 profiles: after 50 and after 200 leaked
// requests. Synthetic dumps cover what that program does not.
#include "analysis/diff.h"
#include "analysis/groups.h"
#include "json_schema_check.h"
#include "pipeline/analyze.h"
#include "render/diff_render.h"
#include "render/render.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include "cli_runner.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace crashctl;
namespace json = llvm::json;

namespace {

const std::string kFixtures = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/";

// The leak-growth fixtures listed in the manifest, by Go version.
std::map<std::string, std::string> leak_growth_fixtures() {
  std::map<std::string, std::string> out;
  auto buf = llvm::MemoryBuffer::getFile(kFixtures + "MANIFEST.tsv");
  REQUIRE(buf);
  std::istringstream in((*buf)->getBuffer().str());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    std::string file, version, scenario;
    std::getline(cells, file, '\t');
    std::getline(cells, version, '\t');
    std::getline(cells, scenario, '\t');
    if (scenario == "leak-growth") out[version] = kFixtures + file;
  }
  return out;
}

const GroupDelta *by_site(const DiffResult &d, const std::string &function) {
  for (const GroupDelta &g : d.groups)
    if (g.site && g.site->function == function) return &g;
  return nullptr;
}

std::string render(void (*fn)(llvm::raw_ostream &, const DiffResult &, const DiffRenderOptions &), const DiffResult &d,
                   DiffRenderOptions opts = {}) {
  opts.tool_version = "0.0.0-test";
  std::string s;
  llvm::raw_string_ostream os(s);
  fn(os, d, opts);
  os.flush();
  return s;
}

json::Value parse(const std::string &text) {
  auto v = json::parse(text);
  if (!v) FAIL("invalid JSON: " << llvm::toString(v.takeError()));
  return std::move(*v);
}

json::Value load_schema() {
  auto buf = llvm::MemoryBuffer::getFile(std::string(CRASHCTL_SOURCE_DIR) + "/formats/diff.schema.json");
  REQUIRE(buf);
  return parse((*buf)->getBuffer().str());
}

std::string joined(const std::vector<std::string> &errors) {
  std::string s;
  for (const std::string &e : errors) s += e + "\n";
  return s;
}

// ---- synthetic dumps ---------------------------------------------------------

struct Block {
  int64_t id;
  std::string header;                                       // what goes between the brackets
  std::vector<std::pair<std::string, std::string>> frames;  // function(args), file:line
  std::string creator, creator_at;
};

std::string text_of(const std::vector<Block> &blocks) {
  std::string s;
  for (const Block &b : blocks) {
    s += "goroutine " + std::to_string(b.id) + " [" + b.header + "]:\n";
    for (const auto &[fn, at] : b.frames) s += fn + "\n\t" + at + " +0x25\n";
    if (!b.creator.empty()) s += "created by " + b.creator + " in goroutine 1\n\t" + b.creator_at + " +0x4d\n";
    s += "\n";
  }
  return s;
}

Block running_main() {
  return {1, "running", {{"main.main()", "/src/app/main.go:12"}}, "", ""};
}
Block wait_job(int64_t id) {
  return {id,
          "chan receive",
          {{"main.waitJob(0xc000010000)", "/src/app/jobs.go:20"}},
          "main.startJobs",
          "/src/app/jobs.go:12"};
}
Block poll_events(int64_t id, const std::string &header, int line = 31) {
  return {id,
          header,
          {{"main.pollEvents(0xc000020000, 0xc000020060)", "/src/app/events.go:" + std::to_string(line)}},
          "main.startPollers",
          "/src/app/events.go:9"};
}
Block backoff(int64_t id) {
  return {id,
          "sleep",
          {{"time.Sleep(0xd18c2e2800)", "/usr/local/go/src/runtime/time.go:300"},
           {"main.backoff(...)", "/src/app/retry.go:40"}},
          "main.main",
          "/src/app/main.go:10"};
}
Block compute(int64_t id) {
  return {id, "runnable", {{"main.compute(0x3)", "/src/app/work.go:55"}}, "main.main", "/src/app/main.go:11"};
}
Block read_conn(int64_t id) {
  return {id,
          "IO wait",
          {{"internal/poll.runtime_pollWait(0x7f, 0x72)", "/usr/local/go/src/runtime/netpoll.go:345"},
           {"main.readConn(0xc000030000)", "/src/app/conn.go:77"}},
          "main.accept",
          "/src/app/conn.go:60"};
}

// OLD: main, 3 waitJob, 2 pollEvents, 1 backoff, 1 compute (8 goroutines).
std::vector<Block> old_blocks() {
  return {
      running_main(), wait_job(10), wait_job(11), wait_job(12), poll_events(20, "select"), poll_events(21, "select"),
      backoff(30),    compute(40)};
}
// NEW: waitJob unchanged (other ids); pollEvents 2 -> 5, one of them from
// another line, waiting 12 to 15 minutes; compute 1 -> 3 (runnable: not a
// leak); readConn appeared, reusing the ids waitJob had in OLD; backoff gone.
std::vector<Block> new_blocks() {
  return {running_main(),
          wait_job(110),
          wait_job(111),
          wait_job(112),
          poll_events(200, "select, 12 minutes"),
          poll_events(201, "select, 15 minutes"),
          poll_events(202, "select, 12 minutes"),
          poll_events(203, "select, 14 minutes"),
          poll_events(204, "select, 13 minutes", 33),
          compute(40),
          compute(41),
          compute(42),
          read_conn(10),
          read_conn(11)};
}

Input input_of(const std::string &text, const std::string &name) {
  return analyze_bytes(text, name, AnalysisOptions{});
}

DiffResult synthetic_diff(const DiffOptions &opts = {}) {
  Input a = input_of(text_of(old_blocks()), "old.txt"), b = input_of(text_of(new_blocks()), "new.txt");
  REQUIRE(a.reports.size() == 1);
  REQUIRE(b.reports.size() == 1);
  return diff_reports(a.reports[0], b.reports[0], opts);
}

// Runs the CLI; returns its exit status, stdout in OUT.
int run_cli(const std::string &args, std::string &out) {
  return crashctl::testing::run_crashctl(args, out);
}

}  // namespace

TEST_CASE("diff: the leak-growth fixtures of every Go release", "[diff][fixtures]") {
  auto fixtures = leak_growth_fixtures();
  REQUIRE(fixtures.size() >= 3);
  for (const char *v : {"go1.21.13", "go1.23.12", "go1.26.8"}) CHECK(fixtures.count(v) == 1);
  std::set<std::string> leak_signatures;
  for (const auto &[version, path] : fixtures) {
    INFO("fixture " << path);
    Input in = analyze_input(path, AnalysisOptions{});
    REQUIRE(in.reports.size() == 2);
    DiffRun run = diff_inputs({in}, DiffSelection{});
    REQUIRE(run.result);
    const DiffResult &d = *run.result;
    CHECK(d.old_source.report == 0);
    CHECK(d.new_source.report == 1);
    CHECK(d.old_source.goroutines == 64);
    CHECK(d.new_source.goroutines == 210);
    CHECK(d.grew == 1);
    CHECK(d.shrank == 1);
    CHECK(d.appeared == 1);
    CHECK(d.vanished == 1);
    CHECK(d.unchanged == 4);
    CHECK(d.growing_leaks == 1);
    CHECK(diff_exit_status(d) == 4);

    // The leak: one goroutine per request, parked forever on a receive.
    REQUIRE(d.groups.size() == 8);
    const GroupDelta &leak = d.groups.front();
    REQUIRE(leak.site);
    CHECK(leak.site->function == "main.(*leakServer).awaitReply");
    CHECK(leak.change == GroupChange::Grew);
    CHECK(leak.old_side.count == 50);
    CHECK(leak.new_side.count == 200);
    CHECK(leak.delta == 150);
    CHECK(leak.wait_reason == "chan receive");
    CHECK(leak.blocking);
    CHECK(leak.growing_leak);
    REQUIRE(leak.created_by);
    CHECK(leak.created_by->function == "main.(*leakServer).serve");
    leak_signatures.insert(leak.signature);

    // Background goroutines that did not change, whatever their ids.
    for (const char *fn : {"main.(*leakServer).serve", "main.(*leakServer).worker", "main.metricsLoop"}) {
      INFO(fn);
      const GroupDelta *g = by_site(d, fn);
      REQUIRE(g);
      CHECK(g->change == GroupChange::Unchanged);
      CHECK(g->delta == 0);
      CHECK_FALSE(g->growing_leak);
    }
    CHECK(by_site(d, "main.(*leakServer).worker")->new_side.count == 4);
    const GroupDelta *main_g = by_site(d, "main.dumpGoroutines");  // goroutine 1, at another line
    REQUIRE(main_g);
    CHECK(main_g->change == GroupChange::Unchanged);

    const GroupDelta *warm = by_site(d, "main.warmShard");
    REQUIRE(warm);
    CHECK(warm->change == GroupChange::Shrank);
    CHECK(warm->old_side.count == 6);
    CHECK(warm->new_side.count == 2);
    CHECK(warm->delta == -4);
    CHECK_FALSE(warm->growing_leak);

    const GroupDelta *watch = by_site(d, "main.(*leakServer).watchConfig");
    REQUIRE(watch);
    CHECK(watch->change == GroupChange::Appeared);
    CHECK(watch->wait_reason == "select");
    CHECK_FALSE(watch->growing_leak);  // one dump shows no trend

    const GroupDelta *migration = by_site(d, "main.(*leakServer).runMigration");
    REQUIRE(migration);
    CHECK(migration->change == GroupChange::Vanished);
    CHECK(migration->new_side.count == 0);
    CHECK((migration->wait_reason == "sync.Mutex.Lock" || migration->wait_reason == "semacquire"));

    // Sorted by |delta|: +150, -4, then the +1/-1 pair, then the unchanged.
    std::vector<int64_t> deltas;
    for (const GroupDelta &g : d.groups) deltas.push_back(g.delta < 0 ? -g.delta : g.delta);
    CHECK(std::is_sorted(deltas.rbegin(), deltas.rend()));
    CHECK(d.groups[1].site->function == "main.warmShard");
  }
  // The leaking group has one identity across Go releases.
  CHECK(leak_signatures.size() == 1);
}

TEST_CASE("diff: OLD NEW as two inputs, and report selection", "[diff]") {
  auto fixtures = leak_growth_fixtures();
  REQUIRE(fixtures.count("go1.26.8"));
  Input whole = analyze_input(fixtures["go1.26.8"], AnalysisOptions{});
  REQUIRE(whole.reports.size() == 2);

  SECTION("the two dumps split into OLD and NEW give the same groups") {
    // The decompressed text, split where the second dump's label line starts.
    std::string cmd = "zstd -qdc '" + fixtures["go1.26.8"] + "'";
    FILE *p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string text;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) text.append(chunk, n);
    REQUIRE(pclose(p) == 0);
    size_t cut = text.find("leak-growth: goroutine profile after 200 requests");
    REQUIRE(cut != std::string::npos);
    Input old_in = input_of(text.substr(0, cut), "old.txt"), new_in = input_of(text.substr(cut), "new.txt");
    DiffRun split = diff_inputs({old_in, new_in}, DiffSelection{});
    DiffRun single = diff_inputs({whole}, DiffSelection{});
    REQUIRE(split.result);
    REQUIRE(single.result);
    CHECK(split.result->notes.empty());  // one report each: nothing to say
    REQUIRE(split.result->groups.size() == single.result->groups.size());
    for (size_t i = 0; i < split.result->groups.size(); ++i) {
      CHECK(split.result->groups[i].signature == single.result->groups[i].signature);
      CHECK(split.result->groups[i].delta == single.result->groups[i].delta);
    }
    CHECK(diff_exit_status(*split.result) == 4);
  }

  SECTION("two inputs with several reports: the last of each, with a note") {
    DiffRun run = diff_inputs({whole, whole}, DiffSelection{});
    REQUIRE(run.result);
    CHECK(run.result->old_source.report == 1);
    CHECK(run.result->new_source.report == 1);
    CHECK(run.result->unchanged == run.result->groups.size());
    CHECK(diff_exit_status(*run.result) == 0);
    REQUIRE(run.result->notes.size() == 2);
    CHECK_THAT(run.result->notes[0], Catch::StartsWith("OLD ") && Catch::Contains("holds 2 reports; using the last"));
  }

  SECTION("--old-report and --new-report, negative from the end") {
    DiffRun run = diff_inputs({whole, whole}, DiffSelection{1, -1});
    REQUIRE(run.result);
    CHECK(run.result->old_source.report == 0);
    CHECK(run.result->new_source.report == 1);
    CHECK(run.result->growing_leaks == 1);
    run = diff_inputs({whole}, DiffSelection{-1, -2});  // backwards: the leak "shrinks"
    REQUIRE(run.result);
    CHECK(run.result->groups.front().delta == -150);
    // ... and the cache warmers "grow" 2 -> 6.
    CHECK(run.result->growing_leaks == 1);
    CHECK(run.result->groups[1].site->function == "main.warmShard");
    CHECK(run.result->groups[1].growing_leak);
    CHECK(diff_exit_status(*run.result) == 4);
    run = diff_inputs({whole}, DiffSelection{2, 2});
    REQUIRE(run.result);
    CHECK(diff_exit_status(*run.result) == 0);
    run = diff_inputs({whole}, DiffSelection{3, 0});
    CHECK_FALSE(run.result);
    CHECK(run.status == 3);
    CHECK_THAT(run.error, Catch::Contains("no report 3: it holds 2 reports"));
  }

  SECTION("nothing to compare") {
    Input one = input_of(text_of(old_blocks()), "one.txt");
    DiffRun run = diff_inputs({one}, DiffSelection{});
    CHECK_FALSE(run.result);
    CHECK(run.status == 1);
    CHECK_THAT(run.error, Catch::Contains("holds 1 goroutine dump; diff needs two"));
    Input prose = input_of("no dump here\n", "prose.txt");
    run = diff_inputs({one, prose}, DiffSelection{});
    CHECK(run.status == 1);
    run = diff_inputs({one, prose}, DiffSelection{1, 1});  // a report number does not help
    CHECK(run.status == 1);
    CHECK_THAT(run.error, Catch::Contains("prose.txt: no goroutine dump recognized"));
    Input broken = one;
    broken.failed = true;
    run = diff_inputs({broken, one}, DiffSelection{});
    CHECK(run.status == 2);
    run = diff_inputs({one, one, one}, DiffSelection{});
    CHECK(run.status == 3);
  }
}

TEST_CASE("diff: synthetic dumps: grew, shrank, appeared, vanished, merged groups", "[diff]") {
  DiffResult d = synthetic_diff();
  CHECK(d.old_source.goroutines == 8);
  CHECK(d.new_source.goroutines == 14);
  REQUIRE(d.groups.size() == 6);
  // |delta| desc; ties by new count desc: compute (+2, 3 now) before readConn (+2, 2 now).
  std::vector<std::string> order;
  for (const GroupDelta &g : d.groups) order.push_back(g.site ? g.site->function : "?");
  CHECK(order == std::vector<std::string>{"main.pollEvents", "main.compute", "main.readConn", "main.backoff",
                                          "main.waitJob", "main.main"});

  const GroupDelta &poll = d.groups[0];
  CHECK(poll.change == GroupChange::Grew);
  CHECK(poll.old_side.count == 2);
  CHECK(poll.new_side.count == 5);
  CHECK(poll.delta == 3);
  CHECK(poll.new_side.groups == 2);  // line 31 and line 33: one signature
  CHECK(poll.old_side.groups == 1);
  CHECK(poll.new_side.min_wait_minutes == 12);
  CHECK(poll.new_side.max_wait_minutes == 15);
  CHECK(poll.old_side.max_wait_minutes == -1);
  CHECK(poll.growing_leak);
  CHECK(poll.site->line == 31);  // described by the largest group

  const GroupDelta &comp = d.groups[1];
  CHECK(comp.change == GroupChange::Grew);
  CHECK(comp.delta == 2);
  CHECK_FALSE(comp.blocking);
  CHECK_FALSE(comp.growing_leak);  // runnable goroutines are not blocked

  const GroupDelta &conn = d.groups[2];
  CHECK(conn.change == GroupChange::Appeared);  // although it reuses ids 10 and 11
  CHECK(conn.old_side.count == 0);
  CHECK(conn.new_side.count == 2);
  CHECK(conn.wait_reason == "IO wait");
  CHECK_FALSE(conn.growing_leak);

  const GroupDelta &sleep = d.groups[3];
  CHECK(sleep.change == GroupChange::Vanished);
  CHECK(sleep.delta == -1);
  CHECK(sleep.wait_reason == "sleep");  // described from the old report

  CHECK(d.groups[4].change == GroupChange::Unchanged);  // other ids, same group
  CHECK(d.groups[4].new_side.count == 3);
  CHECK(d.grew == 2);
  CHECK(d.shrank == 0);
  CHECK(d.appeared == 1);
  CHECK(d.vanished == 1);
  CHECK(d.unchanged == 2);
  CHECK(d.growing_leaks == 1);
  CHECK(d.blocked_growth);
  CHECK(diff_exit_status(d) == 4);

  SECTION("--min-growth: a smaller increase is not growth") {
    DiffOptions opts;
    opts.min_growth = 4;
    DiffResult small = synthetic_diff(opts);
    CHECK(small.growing_leaks == 0);
    CHECK_FALSE(small.blocked_growth);
    CHECK(diff_exit_status(small) == 0);
    CHECK(small.grew == 2);  // still reported as grown
  }

  SECTION("shrinking only, and identical dumps, exit 0") {
    Input a = input_of(text_of(old_blocks()), "a.txt"), b = input_of(text_of(new_blocks()), "b.txt");
    DiffResult backwards = diff_reports(b.reports[0], a.reports[0]);
    CHECK(backwards.groups[0].change == GroupChange::Shrank);
    CHECK(backwards.appeared == 1);  // backoff
    CHECK(backwards.vanished == 1);  // readConn
    CHECK(diff_exit_status(backwards) == 0);
    DiffResult same = diff_reports(a.reports[0], a.reports[0]);
    CHECK(same.unchanged == same.groups.size());
    CHECK(diff_exit_status(same) == 0);
  }

  SECTION("the order of goroutines in a dump does not matter") {
    std::vector<Block> shuffled = new_blocks();
    std::reverse(shuffled.begin() + 1, shuffled.end());  // goroutine 1 stays first
    Input a = input_of(text_of(old_blocks()), "old.txt"), b = input_of(text_of(shuffled), "new.txt");
    DiffResult again = diff_reports(a.reports[0], b.reports[0]);
    json::Value x = parse(render(render_diff_json, d)), y = parse(render(render_diff_json, again));
    CHECK(*x.getAsObject()->get("groups") == *y.getAsObject()->get("groups"));
  }
}

TEST_CASE("diff: text output", "[diff][render]") {
  auto fixtures = leak_growth_fixtures();
  REQUIRE(fixtures.count("go1.26.8"));
  DiffRun run = diff_inputs({analyze_input(fixtures["go1.26.8"], AnalysisOptions{})}, DiffSelection{});
  REQUIRE(run.result);
  std::string text = render(render_diff_text, *run.result);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("goroutines: 64 -> 210 (+146); groups: 1 grew, 1 shrank, 1 appeared, 1 vanished, "
                                   "4 unchanged\n"));
  CHECK_THAT(text, Catch::Contains("\nleak: growing: 50 -> 200 (+150) goroutines blocked on chan receive in "
                                   "main.(*leakServer).awaitReply, all started by main.(*leakServer).serve at "
                                   "/work/main/testdata/scenarios/leak_growth.go:"));
  CHECK_THAT(text, Catch::Contains("\ngrew      50 -> 200 +150  [chan receive] main.(*leakServer).awaitReply  "));
  CHECK_THAT(text, Catch::Contains("\nshrank     6 -> 2     -4  [chan receive] main.warmShard  "));
  CHECK_THAT(text, Catch::Contains("\nappeared   0 -> 1     +1  [select] main.(*leakServer).watchConfig  "));
  CHECK_THAT(text, Catch::Contains("\nunchanged: 4 groups, 7 goroutines (--unchanged lists them)\n"));
  CHECK(text.find("main.metricsLoop") == std::string::npos);
  DiffRenderOptions all;
  all.show_unchanged = true;
  std::string full = render(render_diff_text, *run.result, all);
  CHECK_THAT(full, Catch::Contains("\nunchanged  1 -> 1      0  [sleep] main.metricsLoop  "));
  CHECK(full.find("unchanged: 4 groups") == std::string::npos);

  SECTION("wait minutes, when shown") {
    std::string s = render(render_diff_text, synthetic_diff());
    CHECK_THAT(s, Catch::Contains("waiting <1 min -> 12-15 min\n"));
    CHECK_THAT(s, Catch::Contains("[IO wait] main.readConn  /src/app/conn.go:77\n"));
    CHECK(s.find("leak: growing: 2 -> 5 (+3) goroutines blocked on select in main.pollEvents") != std::string::npos);
  }
}

TEST_CASE("diff: text columns are terminal columns, for any script", "[diff][render]") {
  auto handler = [](int64_t id) {
    return Block{id,
                 "chan receive",
                 {{"main.处理请求(0xc000010000)", "/src/app/处理.go:20"}},
                 "main.café",
                 "/src/app/café.go:9"};
  };
  auto waiter = [](int64_t id) {
    return Block{id, "select", {{"main.attendre()", "/src/app/été.go:7"}}, "main.main", "/src/app/main.go:5"};
  };
  std::vector<Block> old_dump{running_main(), handler(10), waiter(20), waiter(21), waiter(22)};
  std::vector<Block> new_dump{running_main(), waiter(20)};
  for (int64_t id = 100; id < 112; ++id) new_dump.push_back(handler(id));
  Input a = input_of(text_of(old_dump), "old.txt"), b = input_of(text_of(new_dump), "new.txt");
  REQUIRE(a.reports.size() == 1);
  REQUIRE(b.reports.size() == 1);
  std::string text = render(render_diff_text, diff_reports(a.reports[0], b.reports[0]));
  INFO(text);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  auto line_with = [&](const std::string &needle) {
    for (const std::string &l : lines)
      if (l.find(needle) != std::string::npos) return l;
    FAIL("no line with " << needle);
    return std::string();
  };
  using test::column_of;
  std::string grew = line_with("main.处理请求  "), shrank = line_with("main.attendre  ");
  CHECK(grew == "grew      1 -> 12 +11  [chan receive] main.处理请求  /src/app/处理.go:20");
  CHECK(shrank == "shrank    3 -> 1   -2  [select] main.attendre  /src/app/été.go:7");
  // The state, and the lines under each row, start at one column.
  CHECK(column_of(grew, "[") == 23);
  CHECK(column_of(shrank, "[") == 23);
  CHECK(column_of(line_with("created by main.café"), "created by") == 23);
  CHECK(column_of(line_with("created by main.main"), "created by") == 23);
}

TEST_CASE("diff: JSON validates against formats/diff.schema.json, keys in order", "[diff][render][schema]") {
  json::Value schema = load_schema();
  auto fixtures = leak_growth_fixtures();
  REQUIRE(fixtures.count("go1.26.8"));
  DiffRun run = diff_inputs({analyze_input(fixtures["go1.26.8"], AnalysisOptions{})}, DiffSelection{});
  REQUIRE(run.result);
  for (const DiffResult *d : {&*run.result}) {
    std::string text = render(render_diff_json, *d);
    INFO(text);
    json::Value doc = parse(text);
    CHECK(joined(schema_check::validate(schema, doc)) == "");
    CHECK(text == render(render_diff_json, *d));  // deterministic
    CHECK(text.back() == '\n');

    // Top-level keys in the documented order.
    std::vector<std::string> keys;
    std::regex top("^  \"([a-z_]+)\":");
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::smatch m;
      if (std::regex_search(line, m, top)) keys.push_back(m[1]);
    }
    CHECK(keys == std::vector<std::string>{"schema_version", "tool", "old", "new", "goroutines", "changes",
                                           "growing_leaks", "blocked_growth", "groups", "memory", "notes"});
    const json::Object &o = *doc.getAsObject();
    CHECK(*o.getString("schema_version") == kDiffSchemaVersion);
    CHECK(*o.getObject("old")->getInteger("report") == 1);
    CHECK(*o.getObject("new")->getInteger("report") == 2);
    CHECK(*o.getObject("goroutines")->getInteger("delta") == 146);
    const json::Object &g0 = *(*o.getArray("groups"))[0].getAsObject();
    CHECK(*g0.getString("change") == "grew");
    CHECK(*g0.getInteger("delta") == 150);
    CHECK(*g0.getBoolean("growing_leak"));
    CHECK(*g0.getObject("created_by")->getString("function") == "main.(*leakServer).serve");
    CHECK(g0.get("old_wait_minutes_max")->kind() == json::Value::Null);

    SECTION("the schema rejects broken documents") {
      auto broken = [&](auto mutate) {
        json::Value copy = doc;
        mutate(*copy.getAsObject());
        return joined(schema_check::validate(schema, copy));
      };
      auto group0 = [](json::Object &x) { return (*x.getArray("groups"))[0].getAsObject(); };
      CHECK_THAT(broken([](json::Object &x) { x.erase("groups"); }), Catch::Contains("groups"));
      CHECK_THAT(broken([&](json::Object &x) { (*group0(x))["change"] = "bigger"; }), Catch::Contains("enum"));
      CHECK_THAT(broken([&](json::Object &x) { (*group0(x))["signature"] = "xyz"; }), Catch::Contains("signature"));
      CHECK_THAT(broken([&](json::Object &x) { (*group0(x))["extra"] = 1; }), Catch::Contains("extra"));
      CHECK_THAT(broken([&](json::Object &x) { (*x.getObject("old"))["report"] = 0; }), Catch::Contains("report"));
    }
  }
  std::string synthetic = render(render_diff_json, synthetic_diff());
  CHECK(joined(schema_check::validate(schema, parse(synthetic))) == "");
  CHECK_THAT(synthetic, Catch::Contains("\"new_wait_minutes_min\": 12,\n"));
}

TEST_CASE("diff: the CLI's exit statuses", "[diff][cli]") {
  auto fixtures = leak_growth_fixtures();
  REQUIRE(fixtures.count("go1.26.8"));
  const std::string f = "'" + fixtures["go1.26.8"] + "'";
  std::string out;
  CHECK(run_cli("diff " + f, out) == 4);
  CHECK_THAT(out, Catch::Contains("leak: growing: 50 -> 200 (+150)"));
  CHECK(run_cli("diff -f json " + f, out) == 4);
  CHECK(parse(out).getAsObject()->getBoolean("blocked_growth") == true);
  CHECK(run_cli("diff --min-growth 151 " + f, out) == 0);
  CHECK(out.find("leak: growing") == std::string::npos);
  CHECK(run_cli("diff " + f + " " + f, out) == 0);  // the last dump of each: unchanged
  CHECK(run_cli("diff --old-report 2 --new-report 2 " + f, out) == 0);
  CHECK(run_cli("diff --old-report 2 --new-report 1 --min-growth 5 " + f, out) == 0);  // warmers 2 -> 6
  CHECK(run_cli("diff --old-report 2 --new-report 1 --min-growth 4 " + f, out) == 4);
  const std::string not_a_dump = std::string(CRASHCTL_SOURCE_DIR) + "/formats/diff.schema.json";
  CHECK(run_cli("diff " + not_a_dump, out) == 1);
  CHECK(run_cli("diff " + f + " " + not_a_dump, out) == 1);
  CHECK(run_cli("diff /nonexistent/dump.txt " + f, out) == 2);
  CHECK(run_cli("diff " + f + " " + f + " " + f, out) == 3);
  CHECK(run_cli("diff --old-report 9 " + f, out) == 3);
  // Reports are numbered from 1 (and -1 from the end): 0 names none.
  CHECK(run_cli("diff --old-report 0 " + f, out) == 3);
  CHECK(run_cli("diff --new-report 0 " + f + " " + f, out) == 3);
  CHECK(run_cli("diff --old-report -0 " + f, out) == 3);
  CHECK(run_cli("diff --old-report 1 --new-report -1 " + f, out) == 4);
  CHECK(run_cli("diff -f yaml " + f, out) == 3);
  CHECK(out.empty());
}

TEST_CASE("groups: a group's site follows --module in the groups, text, JSON and diff", "[diff][render]") {
  // Both frames are in-app by default (absolute files, dotted packages);
  // with --module github.com/acme/app only the second is.
  const std::string text =
      "goroutine 7 [chan receive]:\n"
      "github.com/other/lib.(*Pool).Get(...)\n"
      "\t/src/other/lib/pool.go:20 +0x1d\n"
      "github.com/acme/app/server.handle()\n"
      "\t/src/app/server/handle.go:30 +0x2a\n"
      "created by github.com/acme/app/server.Start in goroutine 1\n"
      "\t/src/app/server/start.go:12 +0x44\n\n";
  auto site_with = [&](const std::string &module) {
    AnalysisOptions opts;
    opts.module = module;
    Input in = analyze_bytes(text, "dump.txt", opts);
    REQUIRE(in.reports.size() == 1);
    const Report &r = in.reports[0];
    REQUIRE(r.groups.size() == 1);
    const Frame *site = group_site(r.groups[0]);
    REQUIRE(site);
    std::string out, js;
    llvm::raw_string_ostream os(out), jos(js);
    render_text(os, {in}, RenderOptions{});
    render_json(jos, {in}, RenderOptions{});
    os.flush();
    jos.flush();
    CHECK(out.find("chan receive]: " + site->function + " at ") != std::string::npos);
    auto doc = json::parse(js);
    REQUIRE(bool(doc));
    const json::Object *grp = doc->getAsObject()
                                  ->getArray("inputs")
                                  ->front()
                                  .getAsObject()
                                  ->getArray("reports")
                                  ->front()
                                  .getAsObject()
                                  ->getArray("groups")
                                  ->front()
                                  .getAsObject();
    CHECK(grp->getObject("site")->getString("function").value_or("") == site->function);
    DiffResult d = diff_reports(r, r);
    REQUIRE(d.groups.size() == 1);
    REQUIRE(d.groups[0].site);
    CHECK(d.groups[0].site->function == site->function);
    return site->function;
  };
  CHECK(site_with("") == "github.com/other/lib.(*Pool).Get");
  CHECK(site_with("github.com/acme/app") == "github.com/acme/app/server.handle");
}
