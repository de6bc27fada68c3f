// crashctl triage (lib/triage, formats/triage.md): bucketing of the real
// fixtures, walking, unreadable and unrecognized files, baselines and exit
// statuses, merge algebra (byte-equal to one run), schema, CSV and text.
#include "json_schema_check.h"

#include "pipeline/analyze.h"
#include "triage/triage.h"

#include "llvm/Support/Chrono.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Unicode.h"
#include "llvm/Support/raw_ostream.h"

#include "cli_runner.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace crashctl;
using namespace crashctl::triage;
namespace fs = llvm::sys::fs;
namespace json = llvm::json;

namespace {

const std::string kSource = CRASHCTL_SOURCE_DIR;
const std::string kFixtures = kSource + "/testdata/fixtures";

std::string slurp(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

void spit(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string to_json(const Table &t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  render_json(os, t, RenderOptions{"9.9.9"});
  return s;
}
std::string to_csv(const Table &t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  render_csv(os, t);
  return s;
}
std::string to_text(const Table &t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  render_text(os, t, RenderOptions{});
  return s;
}

Table reparse(const std::string &text) {
  auto t = parse_table(text);
  if (!t) FAIL(llvm::toString(t.takeError()));
  return std::move(*t);
}

Table merged(const std::vector<Table> &tables) {
  auto t = merge(tables);
  if (!t) FAIL(llvm::toString(t.takeError()));
  return std::move(*t);
}

Table run(const std::vector<std::string> &paths, unsigned jobs = 0) {
  CollectOptions o;
  o.jobs = jobs;
  return triage_paths(paths, o);
}

// A fresh directory, removed at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    llvm::SmallString<128> p;
    REQUIRE_FALSE(fs::createUniqueDirectory("crashctl-triage-test", p));
    path = std::string(p);
  }
  ~TempDir() { fs::remove_directories(path); }
  std::string operator/(const std::string &name) const { return path + "/" + name; }
};

// Runs the CLI; returns its exit status, stdout in OUT.
int run_cli(const std::string &args, std::string &out, bool merge_stderr = false) {
  return crashctl::testing::run_crashctl(args, out, merge_stderr);
}

std::string quote(const std::string &s) {
  return "'" + s + "'";
}

// Runs `crashctl ARGS >/dev/null` with stderr on a pseudo-terminal; returns
// what the terminal received.
std::string run_on_terminal(const std::string &args) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::unsetenv("CI");  // progress is not drawn under CI
    std::string cmd = std::string(CRASHCTL_BINARY) + " " + args + " >/dev/null";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
    ::_exit(127);
  }
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));  // EIO at exit
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  return got;
}

struct ManifestRow {
  std::string file, version, scenario, traceback;
};
std::vector<ManifestRow> manifest() {
  std::istringstream in(slurp(kFixtures + "/MANIFEST.tsv"));
  std::string line;
  std::getline(in, line);
  std::vector<ManifestRow> rows;
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    ManifestRow r;
    std::getline(cells, r.file, '\t');
    std::getline(cells, r.version, '\t');
    std::getline(cells, r.scenario, '\t');
    std::getline(cells, r.traceback, '\t');
    rows.push_back(r);
  }
  return rows;
}

const char *kTwoPanics =
    "panic: boom 1\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:5 +0x1d\nexit status 2\n"
    "restarting\n"
    "panic: boom 2\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:5 +0x1d\nexit status 2\n";

const char *kOtherPanic =
    "panic: runtime error: integer divide by zero\n\ngoroutine 1 [running]:\nmain.avg(...)\n"
    "\t/src/app/avg.go:9\nmain.main()\n\t/src/app/main.go:12 +0x1d\nexit status 2\n";

void set_mtime(const std::string &path, int64_t t) {
  int fd;
  REQUIRE_FALSE(fs::openFileForWrite(path, fd, fs::CD_OpenExisting, fs::OF_Append));
  REQUIRE_FALSE(fs::setLastAccessAndModificationTime(fd, llvm::sys::toTimePoint(t)));
  ::close(fd);
}

// A small table built by hand, with every optional part present.
Table handmade(const std::string &culprit = "main.f", const std::string &summary = "panic: bad \"x\", then\nmore") {
  TableBuilder b;
  FileSummary f;
  f.path = "logs/a,b.txt";
  FileSummary::Found r;
  r.signature = "0123456789abcdef";
  r.occ = {f.path, 10, 1700000000, "go1.21.13"};
  Representative rep;
  rep.cls = VerdictClass::ExplicitPanic;
  rep.signature_text = "explicit-panic | bad \"?\" | main.f";
  rep.summary = summary;
  rep.culprit =
      CulpritInfo{culprit, "/src/app/f.go", 7, "github.com/acme/app", "v1.2.3", "@acme/payments", std::nullopt};
  r.rep = std::make_shared<Representative>(rep);
  f.reports.push_back(r);
  r.occ.offset = 500;
  r.occ.mtime = 1700086400;
  r.rep = nullptr;  // a later occurrence in the same file
  f.reports.push_back(r);
  b.add(f);
  FileSummary g;
  g.path = "logs/b.txt";
  r.signature = "fedcba9876543210";
  r.occ = {g.path, 0, 1600000000, ""};
  rep.cls = VerdictClass::Deadlock;
  rep.signature_text = "deadlock | all goroutines are asleep - deadlock! | ";
  rep.summary = "fatal error: all goroutines are asleep - deadlock!";
  rep.culprit.reset();
  r.rep = std::make_shared<Representative>(rep);
  g.reports.push_back(r);
  b.add(g);
  b.add_unreadable("logs/core.1", "ELF core dumps are recognized but not decoded yet");
  FileSummary h;
  h.path = "logs/notes.txt";
  b.add(h);
  return b.finish();
}

}  // namespace

TEST_CASE("the fixtures bucket by scenario: one bucket across Go releases, one scenario per bucket",
          "[triage][fixtures]") {
  Table t = run({kFixtures});
  REQUIRE_FALSE(t.buckets.empty());

  // Which bucket holds each file's first report.
  std::map<std::string, std::pair<uint64_t, std::string>> first_of;  // path -> (offset, signature)
  size_t occurrences = 0;
  for (const Bucket &b : t.buckets) {
    occurrences += b.files.size();
    CHECK(b.count() == b.files.size());
    CHECK(std::is_sorted(b.files.begin(), b.files.end()));
    for (const Occurrence &o : b.files) {
      auto it = first_of.find(o.path);
      if (it == first_of.end() || o.offset < it->second.first) first_of[o.path] = {o.offset, b.signature};
    }
  }
  CHECK(occurrences == t.reports());

  std::map<std::string, std::set<std::string>> buckets_of;    // scenario.gotraceback -> signatures
  std::map<std::string, std::set<std::string>> scenarios_of;  // signature -> scenarios
  std::map<std::string, std::set<std::string>> releases_of;   // signature -> Go releases (manifest)
  auto rows = manifest();
  REQUIRE(rows.size() > 300);
  for (const ManifestRow &r : rows) {
    auto it = first_of.find(kFixtures + "/" + r.file);
    INFO(r.file);
    REQUIRE(it != first_of.end());
    buckets_of[r.scenario + "." + r.traceback].insert(it->second.second);
    scenarios_of[it->second.second].insert(r.scenario);
    releases_of[it->second.second].insert(r.version);
  }
  for (const auto &[key, sigs] : buckets_of) {
    INFO("scenario " << key);
    CHECK(sigs.size() == 1);
  }
  for (const auto &[sig, scenarios] : scenarios_of) {
    INFO("bucket " << sig);
    CHECK(scenarios.size() == 1);
  }
  size_t across_releases = 0;
  for (const auto &[sig, releases] : releases_of) across_releases += releases.size() >= 5;
  CHECK(across_releases > 20);

  // Counts agree with analyzing every file on its own.
  size_t reports = 0;
  for (const ManifestRow &r : rows)
    reports += analyze_input(kFixtures + "/" + r.file, AnalysisOptions{}).reports.size();
  size_t manifest_occurrences = 0;
  for (const Bucket &b : t.buckets)
    for (const Occurrence &o : b.files) manifest_occurrences += o.path.find("/go1.") != std::string::npos;
  CHECK(manifest_occurrences == reports);

  // Sorted by count, then signature; derived fields follow the files.
  for (size_t i = 1; i < t.buckets.size(); ++i) {
    const Bucket &a = t.buckets[i - 1], &b = t.buckets[i];
    CHECK((a.count() > b.count() || (a.count() == b.count() && a.signature < b.signature)));
  }
  for (const Bucket &b : t.buckets) {
    INFO(b.signature);
    std::vector<std::string> ex = b.examples();
    CHECK(ex.size() == std::min<size_t>(3, std::set<std::string>(ex.begin(), ex.end()).size()));
    CHECK(ex.front() == b.files.front().path);
    CHECK(b.first_seen() <= b.last_seen());
    // The summary is the report at the smallest path's first offset.
    Input in = analyze_input(b.files.front().path, AnalysisOptions{});
    bool found = false;
    for (const Report &r : in.reports)
      if (r.offset == b.files.front().offset) {
        found = true;
        CHECK(r.verdict.summary == b.rep.summary);
        CHECK(r.verdict.signature == b.signature);
        CHECK(r.verdict.cls == b.rep.cls);
      }
    CHECK(found);
  }

  // The nil-deref scenario: one bucket holding its files from go1.19.8 to go1.27.4.
  const Bucket *nil_deref = nullptr;
  for (const Bucket &b : t.buckets)
    for (const Occurrence &o : b.files)
      if (o.path == kFixtures + "/go1.19.8/nil-deref.txt.zst") nil_deref = &b;
  REQUIRE(nil_deref);
  CHECK(nil_deref->rep.cls == VerdictClass::NilPointerDereference);
  REQUIRE(nil_deref->rep.culprit);
  CHECK(nil_deref->rep.culprit->function == "main.(*Cache).lookup");
  std::set<std::string> dirs;
  for (const Occurrence &o : nil_deref->files)
    dirs.insert(o.path.substr(kFixtures.size() + 1, o.path.find('/', kFixtures.size() + 1) - kFixtures.size() - 1));
  CHECK(dirs.count("go1.19.8"));
  CHECK(dirs.count("go1.27.4"));

  // MANIFEST.tsv and SKIPPED.tsv hold no crash text.
  CHECK(std::find(t.unrecognized.begin(), t.unrecognized.end(), kFixtures + "/MANIFEST.tsv") != t.unrecognized.end());
  CHECK(t.unreadable.empty());
  CHECK(exit_status(t) == kExitOk);
}

TEST_CASE("walking: hidden entries, symlink loops, unreadable and unrecognized files", "[triage]") {
  TempDir d;
  std::string a = d / "a";
  REQUIRE_FALSE(fs::create_directories(a + "/.git"));
  REQUIRE_FALSE(fs::create_directories(a + "/sub/deeper"));
  spit(a + "/crash.txt", kTwoPanics);
  spit(a + "/sub/deeper/other.log", kOtherPanic);
  spit(a + "/notes.txt", "hello\n");
  spit(a + "/.git/HEAD", kTwoPanics);     // hidden directory: skipped
  spit(a + "/.hidden.txt", kOtherPanic);  // hidden file: skipped when walking
  spit(a + "/bad.zst", std::string("\x28\xb5\x2f\xfd", 4) + "garbage, not a zstd frame");
  REQUIRE_FALSE(fs::create_link(".", a + "/sub/loop"));        // a symlink loop
  REQUIRE_FALSE(fs::create_link("nowhere", a + "/dangling"));  // a dangling link
  REQUIRE_FALSE(fs::copy_file(kFixtures + "/go1.26.8/divide.txt.zst", a + "/sub/divide.txt.zst"));

  FileList list = find_files({a, a + "/", d / "missing.txt", a + "/.hidden.txt"});
  std::set<std::string> files(list.files.begin(), list.files.end());
  CHECK(files.size() == list.files.size());  // each file once, though `a` came twice
  CHECK(files == std::set<std::string>{a + "/bad.zst", a + "/crash.txt", a + "/notes.txt", a + "/sub/deeper/other.log",
                                       a + "/sub/divide.txt.zst", a + "/.hidden.txt"});
  REQUIRE(list.errors.size() == 2);

  Table t = run({a, d / "missing.txt"});
  CHECK(t.files == 7);  // 5 walked + the dangling link + the missing argument
  REQUIRE(t.unreadable.size() == 3);
  CHECK(t.unreadable[0].path == a + "/bad.zst");
  CHECK_THAT(t.unreadable[0].error, Catch::Contains("zstd"));
  CHECK_THAT(t.unreadable[0].error, !Catch::StartsWith(a));  // the path is not repeated
  CHECK(t.unreadable[1].path == a + "/dangling");
  CHECK(t.unreadable[2].path == d / "missing.txt");
  CHECK_THAT(t.unreadable[2].error, Catch::Contains("No such file"));
  CHECK(t.unrecognized == std::vector<std::string>{a + "/notes.txt"});

  // Two crashes in one file: two entries in one bucket, by offset.
  REQUIRE(t.buckets.size() == 3);
  const Bucket &top = t.buckets[0];
  CHECK(top.count() == 2);
  REQUIRE(top.files.size() == 2);
  CHECK(top.files[0].path == a + "/crash.txt");
  CHECK(top.files[1].path == a + "/crash.txt");
  CHECK(top.files[0].offset == 0);
  CHECK(top.files[1].offset > 0);
  CHECK(top.examples() == std::vector<std::string>{a + "/crash.txt"});
  CHECK(top.rep.summary.find("boom 1") != std::string::npos);  // the first report, not the second
  CHECK(exit_status(t) == kExitOk);

  // The prefix marks every path.
  CollectOptions o;
  o.path_prefix = "host7:";
  Table p = triage_paths({a}, o);
  CHECK(p.buckets[0].files[0].path == "host7:" + a + "/crash.txt");
  CHECK(p.unreadable[0].path == "host7:" + a + "/bad.zst");

  // Nothing recognizable at all: exit 1.
  CHECK(exit_status(run({a + "/notes.txt"})) == kExitNothing);
  CHECK(exit_status(run({d / "missing.txt"})) == kExitNothing);
}

TEST_CASE("first and last seen come from file modification times", "[triage]") {
  TempDir d;
  spit(d / "1.txt", kTwoPanics);
  spit(d / "2.txt", kTwoPanics);
  spit(d / "3.txt", kOtherPanic);
  set_mtime(d / "1.txt", 1700000000);  // 2023-11-14T22:13:20Z
  set_mtime(d / "2.txt", 1600000000);  // 2020-09-13T12:26:40Z
  set_mtime(d / "3.txt", 1800000000);
  Table t = run({d.path});
  REQUIRE(t.buckets.size() == 2);
  const Bucket &b = t.buckets[0];
  CHECK(b.count() == 4);
  CHECK(iso8601_utc(b.first_seen()) == "2020-09-13T12:26:40Z");
  CHECK(iso8601_utc(b.last_seen()) == "2023-11-14T22:13:20Z");
  CHECK(b.examples() == std::vector<std::string>{d / "1.txt", d / "2.txt"});
  std::string doc = to_json(t);
  CHECK_THAT(doc, Catch::Contains("\"first_seen\": \"2020-09-13T12:26:40Z\""));
  CHECK_THAT(doc, Catch::Contains("\"seen\": \"2023-11-14T22:13:20Z\""));
}

TEST_CASE("time and version helpers", "[triage]") {
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(iso8601_utc(951782400) == "2000-02-29T00:00:00Z");
  CHECK(iso8601_utc(-1) == "1969-12-31T23:59:59Z");
  CHECK(iso8601_utc(4102444799) == "2099-12-31T23:59:59Z");
  CHECK(iso8601_utc(INT64_MIN) == "0000-01-01T00:00:00Z");
  CHECK(iso8601_utc(INT64_MAX) == "9999-12-31T23:59:59Z");
  CHECK(parse_iso8601_utc("0000-03-01T00:00:00Z") == -62162035200);
  for (int64_t t : {int64_t(0), int64_t(951782400), int64_t(-86401), int64_t(1700000000), int64_t(253402300799)})
    CHECK(parse_iso8601_utc(iso8601_utc(t)) == t);
  CHECK_FALSE(parse_iso8601_utc("2026-02-31T00:00:00Z"));
  CHECK_FALSE(parse_iso8601_utc("2026-01-01 00:00:00Z"));
  CHECK_FALSE(parse_iso8601_utc("2026-01-01T00:00:00+01:00"));

  std::vector<std::string> v = {"go1.21.13", "go1.9", "go1.19.8", "go1.21.2", "go1.21"};
  std::sort(v.begin(), v.end(), version_less);
  CHECK(v == std::vector<std::string>{"go1.9", "go1.19.8", "go1.21", "go1.21.2", "go1.21.13"});
  CHECK_FALSE(version_less("go1.21.2", "go1.21.2"));
}

TEST_CASE("merge is associative, commutative and equals one run over all files", "[triage][merge]") {
  FileList list = find_files({kFixtures});
  REQUIRE(list.files.size() > 300);
  const std::string missing = kFixtures + "/no-such-dump.txt";
  // Three interleaved parts, so most buckets span all three; the missing
  // file goes to the second.
  std::vector<std::string> part[3];
  for (size_t i = 0; i < list.files.size(); ++i) part[i % 3].push_back(list.files[i]);
  part[1].push_back(missing);
  std::vector<std::string> all = list.files;
  all.push_back(missing);

  const std::string single = to_json(run(all));
  CHECK(to_json(run(all, 1)) == single);  // thread count and scheduling do not matter
  CHECK(to_json(run({missing, kFixtures})) == single);

  Table a = reparse(to_json(run(part[0]))), b = reparse(to_json(run(part[1]))), c = reparse(to_json(run(part[2])));
  const std::string ab_c = to_json(merged({merged({a, b}), c}));
  const std::string a_bc = to_json(merged({a, merged({b, c})}));
  const std::string cab = to_json(merged({c, a, b}));
  const std::string bca = to_json(merged({b, c, a}));
  CHECK(ab_c == single);
  CHECK(a_bc == single);
  CHECK(cab == single);
  CHECK(bca == single);
  // Through JSON at every step, as on a fleet.
  CHECK(to_json(merged({reparse(to_json(merged({c, b}))), a})) == single);
  // Reading a table back and writing it gives the same bytes; merging one table is the identity.
  CHECK(to_json(reparse(single)) == single);
  CHECK(to_json(merged({reparse(single)})) == single);

  SECTION("the CLI gives the same bytes") {
    TempDir d;
    std::string out;
    for (int i = 0; i < 3; ++i) {
      std::string args = "triage -f json";
      for (const std::string &f : part[i]) args += " " + quote(f);
      // A path that is not there is listed as unreadable, and the run exits 2 (as analyze does).
      bool has_missing = std::find(part[i].begin(), part[i].end(), missing) != part[i].end();
      CHECK(run_cli(args, out) == (has_missing ? 2 : 0));
      spit(d / ("part" + std::to_string(i) + ".json"), out);
    }
    std::string merged;
    CHECK(run_cli("triage --merge -f json " + quote(d / "part2.json") + " " + quote(d / "part0.json") + " " +
                      quote(d / "part1.json"),
                  merged) == 0);
    std::string whole;
    CHECK(run_cli("triage -f json " + quote(missing) + " " + quote(kFixtures), whole) == 2);
    CHECK(merged == whole);
    CHECK(reparse(whole).files == list.files.size() + 1);
    // Merging a merged table with nothing else changes nothing.
    spit(d / "merged.json", merged);
    std::string again;
    CHECK(run_cli("triage --merge -f json " + quote(d / "merged.json"), again) == 0);
    CHECK(again == whole);
  }
}

TEST_CASE("baseline: new buckets are flagged and exit 4", "[triage][baseline]") {
  TempDir d;
  spit(d / "old.txt", kTwoPanics);
  spit(d / "new.txt", kOtherPanic);
  Table before = run({d / "old.txt"});
  Table now = run({d.path});
  REQUIRE(now.buckets.size() == 2);
  CHECK(exit_status(now) == kExitOk);  // no baseline: nothing is new

  mark_new(now, reparse(to_json(before)), "before.json");
  CHECK(now.new_buckets() == 1);
  for (const Bucket &b : now.buckets) CHECK(b.is_new == (b.rep.cls == VerdictClass::DivideByZero));
  CHECK(exit_status(now) == kExitNewBuckets);
  REQUIRE(now.baseline);
  CHECK(now.baseline->buckets == 1);
  std::string doc = to_json(now);
  CHECK_THAT(doc, Catch::Contains("\"new\": true"));
  CHECK_THAT(doc, Catch::Contains("\"new_buckets\": 1"));
  CHECK_THAT(to_text(now), Catch::Contains("NEW "));
  CHECK_THAT(to_text(now), Catch::Contains("(1 new)"));
  CHECK_THAT(to_csv(now), Catch::Contains(",true,"));

  mark_new(now, now, "self.json");
  CHECK(now.new_buckets() == 0);
  CHECK(exit_status(now) == kExitOk);

  SECTION("CLI exit statuses") {
    std::string out;
    spit(d / "base.json", to_json(before));
    CHECK(run_cli("triage --baseline " + quote(d / "base.json") + " " + quote(d / "old.txt"), out) == 0);
    CHECK(run_cli("triage --baseline " + quote(d / "base.json") + " " + quote(d.path), out) == 4);
    CHECK_THAT(out, Catch::Contains("NEW "));
    CHECK(run_cli("triage -f json " + quote(d.path), out) == 0);  // without a baseline
    spit(d / "broken.json", "{\"schema_version\": \"1.0.0\"");
    CHECK(run_cli("triage --baseline " + quote(d / "broken.json") + " " + quote(d.path), out) == 2);
    CHECK(run_cli("triage --baseline " + quote(d / "absent.json") + " " + quote(d.path), out) == 2);
    // A stale baseline (signature version 1) is refused, not read as "everything is new".
    std::string v1 = to_json(before);
    size_t at = v1.find("\"signature_version\": 2");
    REQUIRE(at != std::string::npos);
    v1.replace(at, 22, "\"signature_version\": 1");
    spit(d / "v1.json", v1);
    CHECK(run_cli("triage --baseline " + quote(d / "v1.json") + " " + quote(d.path), out, true) == 2);
    CHECK_THAT(out, Catch::Contains("signature_version: is 1"));
    CHECK(run_cli("triage --merge " + quote(d / "old.txt"), out) == 2);
    CHECK(run_cli("triage --format yaml " + quote(d.path), out) == 3);
    CHECK(run_cli("triage -", out) == 3);
    CHECK(run_cli("triage --merge --path-prefix x: " + quote(d / "base.json"), out) == 3);
    spit(d / "empty.txt", "");
    CHECK(run_cli("triage " + quote(d / "empty.txt"), out) == 1);
    CHECK(run_cli("triage --help", out) == 0);
    CHECK_THAT(out, Catch::Contains("--merge"));
    CHECK_THAT(out, Catch::Contains("Exit status"));
  }
}

TEST_CASE("triage JSON validates against formats/triage.schema.json", "[triage][schema]") {
  auto schema = json::parse(slurp(kSource + "/formats/triage.schema.json"));
  REQUIRE(bool(schema));
  Table t = handmade();
  mark_new(t, Table{}, "none.json");
  std::string text = to_json(t);
  auto doc = json::parse(text);
  REQUIRE(bool(doc));
  INFO(text);
  CHECK(schema_check::validate(*schema, *doc).empty());
  // Keys in the documented order.
  size_t last = 0;
  for (const char *key :
       {"\"schema_version\"", "\"tool\"",        "\"signature_version\"", "\"baseline\"", "\"totals\"",
        "\"buckets\"",        "\"signature\"",   "\"signature_text\"",    "\"class\"",    "\"new\"",
        "\"count\"",          "\"summary\"",     "\"culprit\"",           "\"owner\"",    "\"first_seen\"",
        "\"last_seen\"",      "\"go_versions\"", "\"examples\"",          "\"files\"",    "\"unreadable\"",
        "\"unrecognized\""}) {
    size_t at = text.find(key, last);
    INFO(key);
    REQUIRE(at != std::string::npos);
    last = at;
  }
  CHECK(to_json(reparse(text)).find("\"baseline\": null") != std::string::npos);  // marks are not merged

  auto fixtures = json::parse(to_json(run({kFixtures})));
  REQUIRE(bool(fixtures));
  CHECK(schema_check::validate(*schema, *fixtures).empty());

  auto bucket0 = [](json::Object &o) -> json::Object & { return *(*o.getArray("buckets"))[0].getAsObject(); };

  SECTION("the schema rejects broken documents") {
    auto broken = [&](auto mutate) {
      json::Value copy = *doc;
      mutate(*copy.getAsObject());
      return schema_check::validate(*schema, copy).size();
    };
    CHECK(broken([](json::Object &o) { o["schema_version"] = "2.0.0"; }) > 0);
    CHECK(broken([&](json::Object &o) { bucket0(o).erase("files"); }) > 0);
    CHECK(broken([&](json::Object &o) { bucket0(o)["signature"] = "XYZ"; }) > 0);
    CHECK(broken([&](json::Object &o) { bucket0(o)["first_seen"] = "yesterday"; }) > 0);
    CHECK(broken([&](json::Object &o) { bucket0(o)["class"] = "oops"; }) > 0);
    CHECK(broken([](json::Object &o) { o["extra"] = 1; }) > 0);
  }

  SECTION("reading rejects inconsistent tables") {
    auto error_of = [&](auto mutate) {
      json::Value copy = *doc;
      mutate(*copy.getAsObject());
      std::string s;
      llvm::raw_string_ostream os(s);
      os << copy;
      auto r = parse_table(s);
      return r ? std::string() : llvm::toString(r.takeError());
    };
    CHECK(error_of([](json::Object &) {}).empty());
    CHECK_THAT(error_of([&](json::Object &o) { bucket0(o)["count"] = 5; }), Catch::Contains("buckets[0].count"));
    CHECK_THAT(error_of([](json::Object &o) { o["schema_version"] = "2.0.0"; }), Catch::Contains("schema_version"));
    // A version 1 table (before per-class evidence) would make every bucket "new".
    CHECK_THAT(error_of([](json::Object &o) { o["signature_version"] = 1; }),
               Catch::Contains("signature_version: is 1, this crashctl makes version 2"));
    CHECK_THAT(error_of([](json::Object &o) { o.erase("signature_version"); }),
               Catch::Contains("signature_version: is missing"));
    CHECK_THAT(error_of([&](json::Object &o) { (*bucket0(o).getArray("files"))[0].getAsObject()->erase("seen"); }),
               Catch::Contains("buckets[0].files[0].seen: missing"));
  }

  SECTION("a class this version does not know reads as unknown (formats/triage.md)") {
    json::Value copy = *doc;
    json::Object &b0 = bucket0(*copy.getAsObject());
    REQUIRE(b0.getString("class"));
    VerdictClass known = parse_verdict_class(*b0.getString("class")).value();
    auto read = [&](const char *cls) {
      b0["class"] = cls;
      std::string s;
      llvm::raw_string_ostream os(s);
      os << copy;
      auto t = parse_table(s);
      REQUIRE(bool(t));
      return t->buckets[0].rep.cls;
    };
    CHECK(read(to_string(known)) == known);
    CHECK(read("use-after-free") == VerdictClass::Unknown);
  }
}

TEST_CASE("CSV: RFC 4180 quoting, one row per bucket", "[triage][csv]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("cr\r") == "\"cr\r\"");

  Table t = handmade();
  std::string csv = to_csv(t);
  std::string header =
      "signature,new,count,class,summary,culprit_function,culprit_file,culprit_line,culprit_module,culprit_version,"
      "owner,first_seen,last_seen,go_versions,example_1,example_2,example_3,signature_text\r\n";
  REQUIRE(csv.rfind(header, 0) == 0);
  std::string row1 =
      "0123456789abcdef,false,2,explicit-panic,\"panic: bad \"\"x\"\", then\nmore\",main.f,/src/app/f.go,7,"
      "github.com/acme/app,v1.2.3,@acme/payments,2023-11-14T22:13:20Z,2023-11-15T22:13:20Z,go1.21.13,"
      "\"logs/a,b.txt\",,,\"explicit-panic | bad \"\"?\"\" | main.f\"\r\n";
  std::string row2 =
      "fedcba9876543210,false,1,deadlock,fatal error: all goroutines are asleep - deadlock!,,,,,,,"
      "2020-09-13T12:26:40Z,2020-09-13T12:26:40Z,,logs/b.txt,,,deadlock | all goroutines are asleep - deadlock! | \r\n";
  CHECK(csv == header + row1 + row2);
}

TEST_CASE("text: a compact table with totals, owners and the lists", "[triage][text]") {
  Table t = handmade();
  std::string text = to_text(t);
  INFO(text);
  CHECK(text.rfind("4 files: 3 reports in 2 buckets, 1 unreadable, 1 unrecognized\n", 0) == 0);
  CHECK_THAT(text, Catch::Contains("COUNT  KINDS    CLASS"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "    2  crash:2  explicit-panic  0123456789abcdef  main.f   @acme/payments  panic: bad \"x\", then more"));
  CHECK_THAT(text, Catch::Contains("logs/core.1: ELF core dumps"));
  CHECK_THAT(text, Catch::Contains("unrecognized (no Go crash text):\n  logs/notes.txt\n"));
  CHECK_THAT(text, !Catch::Contains("NEW"));

  RenderOptions narrow;
  narrow.summary_width = 12;
  std::string s;
  llvm::raw_string_ostream os(s);
  render_text(os, t, narrow);
  CHECK_THAT(s, Catch::Contains("panic: ba..."));
}

TEST_CASE("text: columns are terminal columns, wide characters take two", "[triage][text]") {
  std::string text = to_text(handmade("main.处理数据", "panic: 处理处理处理处理"));
  INFO(text);
  auto column_of = [&](llvm::StringRef word) {
    size_t at = text.find(word.str()), bol = text.rfind('\n', at) + 1;
    return llvm::sys::unicode::columnWidthUTF8(llvm::StringRef(text).slice(bol, at));
  };
  CHECK(column_of("OWNER") == column_of("@acme/payments"));
  CHECK(column_of("SUMMARY") == column_of("panic: 处理"));

  RenderOptions narrow;
  narrow.summary_width = 12;
  std::string s;
  llvm::raw_string_ostream os(s);
  render_text(os, handmade("main.f", "panic: 处理处理处理处理"), narrow);
  CHECK_THAT(s, Catch::Contains("panic: 处...\n"));
}

TEST_CASE("triage JSON stays valid UTF-8 when crash text is not", "[triage][json]") {
  TempDir dir;
  std::ofstream(dir / "bad.txt", std::ios::binary)
      << "panic: bad \xff\xfe bytes\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/app/m\xe9in.go:3 +0x1d\n";
  std::string out;
  CHECK(run_cli("triage -f json " + dir.path, out) == 0);
  auto doc = llvm::json::parse(out);
  REQUIRE(bool(doc));
  CHECK(out.find("bad \xef\xbf\xbd\xef\xbf\xbd bytes") != std::string::npos);  // U+FFFD each
}

TEST_CASE("recovered and fatal reports of one bug share a bucket that counts them by kind", "[triage][logs]") {
  // klog-crash: apimachinery's HandleCrash logs the panic (recovered), then
  // panics again and the runtime prints it (crash): one bug, two kinds.
  const std::string logs = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/logs/";
  std::vector<std::string> paths;
  for (const char *release : {"go1.23.12", "go1.26.8", "go1.27.4"})
    for (const char *scenario : {"klog-crash", "klog", "nethttp"})
      paths.push_back(logs + release + "/" + scenario + ".log.zst");
  CollectOptions opts;
  Table t = triage_paths(paths, opts);
  CHECK(t.files == 9);
  const Bucket *klog = nullptr;
  for (const Bucket &b : t.buckets)
    if (b.rep.cls == VerdictClass::NilMapAssignment) klog = &b;
  REQUIRE(klog);
  auto kinds = klog->kinds();
  REQUIRE(kinds.size() == 2);
  CHECK(kinds[0] == std::make_pair(std::string("crash"), size_t(3)));
  CHECK(kinds[1] == std::make_pair(std::string("recovered"), size_t(3)));
  // The JSON says so, and reads back.
  std::string json;
  llvm::raw_string_ostream os(json);
  render_json(os, t, RenderOptions{});
  os.flush();
  CHECK(json.find("\"kinds\": {\n") != std::string::npos);
  auto back = parse_table(json);
  REQUIRE(bool(back));
  CHECK(back->buckets.size() == t.buckets.size());
  for (const Bucket &b : back->buckets)
    if (b.rep.cls == VerdictClass::NilMapAssignment) CHECK(b.kinds() == kinds);
  std::string text;
  llvm::raw_string_ostream ts(text);
  render_text(ts, t, RenderOptions{});
  ts.flush();
  CHECK_THAT(text, Catch::Contains("crash:3 recovered:3"));
}

TEST_CASE("low-confidence buckets are listed apart", "[triage]") {
  TempDir dir;
  // A crash message that no traceback follows, and a whole crash.
  std::ofstream(dir / "cut.txt") << "panic: lost its stack\n";
  std::ofstream(dir / "whole.txt") << "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n\t/a/main.go:3 +0x1d\n";
  CollectOptions opts;
  Table t = triage_paths({dir.path}, opts);
  REQUIRE(t.buckets.size() == 2);
  std::string text;
  llvm::raw_string_ostream ts(text);
  render_text(ts, t, RenderOptions{});
  ts.flush();
  size_t apart = text.find("low confidence");
  REQUIRE(apart != std::string::npos);
  CHECK(text.find("lost its stack") > apart);
  CHECK(text.find("panic: boom") < apart);
}

TEST_CASE("tables nested too deep or too large are refused before parsing", "[triage][merge][limits]") {
  TempDir d;
  std::string out;
  // A million '[' crashed the recursive parser (SIGSEGV, issue 11 fault 7).
  spit(d / "deep.json", std::string(1000000, '[') + "\n");
  CHECK(crashctl::testing::run_crashctl("triage --merge " + quote(d / "deep.json"), out, true) == 2);
  CHECK_THAT(out, Catch::Contains(d / "deep.json") && Catch::Contains("byte 64") && Catch::Contains("json-depth"));
  spit(d / "old.txt", kTwoPanics);
  CHECK(crashctl::testing::run_crashctl("triage --baseline " + quote(d / "deep.json") + " " + quote(d / "old.txt"), out,
                                        true) == 2);
  CHECK_THAT(out, Catch::Contains("--baseline") && Catch::Contains("byte 64"));
  spit(
      d / "objects.json", "{\"schema_version\": " + [] {
        std::string s;
        for (int i = 0; i < 200000; ++i) s += "{\"a\":";
        return s;
      }());
  CHECK(run_cli("triage --merge " + quote(d / "objects.json"), out) == 2);

  // The limit counts containers, not brackets inside strings, and is --limit json-depth.
  Table t = handmade();
  t.buckets[0].rep.summary = std::string(5000, '[') + "{";
  std::string doc = to_json(t);
  CHECK(reparse(doc).buckets.size() == 2);
  auto at_depth = [](size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  auto error_of = [](const std::string &text) {
    auto r = parse_table(text);
    return r ? std::string() : llvm::toString(r.takeError());
  };
  CHECK_THAT(error_of(at_depth(64)), !Catch::Contains("nested"));  // not a table, but not too deep
  CHECK_THAT(error_of(at_depth(65)), Catch::Contains("byte 64: nested deeper than 64"));
  spit(d / "d100.json", at_depth(100));
  CHECK(crashctl::testing::run_crashctl("triage --merge --limit json-depth=200 " + quote(d / "d100.json"), out, true) ==
        2);
  CHECK_THAT(out, Catch::Contains("expected an object"));  // parsed: the limit was raised

  // table-bytes: a regular file by its size, a pipe by what it sends.
  spit(d / "t.json", doc);
  CHECK(run_cli("triage --merge " + quote(d / "t.json"), out) == 0);
  CHECK(crashctl::testing::run_crashctl("triage --merge --limit table-bytes=1K " + quote(d / "t.json"), out, true) ==
        2);
  CHECK_THAT(out, Catch::Contains(d / "t.json") && Catch::Contains("bytes, more than the table-bytes limit of 1024"));
  CHECK(crashctl::testing::run_crashctl("triage --merge --limit table-bytes=1K - < " + quote(d / "t.json"), out,
                                        true) == 2);
  CHECK(crashctl::testing::run_crashctl("triage --merge --limit table-bytes=1K - < /dev/zero", out, true) == 2);
  CHECK_THAT(out, Catch::Contains("-: more than the table-bytes limit of 1024"));
  CHECK(run_cli("triage --merge --limit table-bytes=1M - < " + quote(d / "t.json"), out) == 0);
  CHECK(run_cli("triage --merge --limit table-bytes=1M - < /dev/null", out) == 2);
}

TEST_CASE("the progress line shows paths escaped", "[triage][escape]") {
  TempDir d;
  // A file name that retitles the terminal, clears it and moves the cursor up.
  const std::string name = "x\x1b]0;TITLE\x07\x1b[2J\x1b[1A.txt";
  spit(d / name, kTwoPanics);
  std::string tty = run_on_terminal("triage " + quote(d.path));
  INFO(tty);
  CHECK_THAT(tty, Catch::Contains("[1/1] "));
  CHECK_THAT(tty, Catch::Contains("x\\x1b]0;TITLE\\x07\\x1b[2J\\x1b[1A.txt"));
  CHECK(tty.find("\x1b]") == std::string::npos);
  CHECK(tty.find('\x07') == std::string::npos);
  CHECK(tty.find("\x1b[2J") == std::string::npos);
  CHECK(tty.find("\x1b[1A") == std::string::npos);
  // The tables escape the same name (JSON as JSON does).
  std::string out;
  CHECK(run_cli("triage " + quote(d.path), out) == 0);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(run_cli("triage -f csv " + quote(d.path), out) == 0);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(run_cli("triage -f json " + quote(d.path), out) == 0);
  CHECK_THAT(out, Catch::Contains("x\\u001b]0;TITLE\\u0007"));
  // Unreadable files are also named on stderr with json and csv.
  spit(d / "bad\x1b[2J.zst", std::string("\x28\xb5\x2f\xfd", 4) + "garbage");
  for (const char *format : {"json", "csv", "text"}) {
    INFO(format);
    CHECK(crashctl::testing::run_crashctl("triage -f " + std::string(format) + " " + quote(d.path), out, true) == 0);
    // The text table shows a control character as a space, the rest escaped.
    CHECK_THAT(out, Catch::Contains("bad\\x1b[2J.zst") || Catch::Contains("bad\\u001b[2J.zst") ||
                        Catch::Contains("bad [2J.zst"));
    CHECK(out.find('\x1b') == std::string::npos);
  }
}

namespace {

json::Value parse_json(const std::string &text) {
  auto v = json::parse(text);
  if (!v) FAIL(llvm::toString(v.takeError()));
  return std::move(*v);
}

// Every occurrence path of a triage JSON table.
std::set<std::string> occurrence_paths(const json::Value &doc) {
  std::set<std::string> paths;
  for (const json::Value &b : *doc.getAsObject()->getArray("buckets"))
    for (const json::Value &o : *b.getAsObject()->getArray("files"))
      paths.insert(o.getAsObject()->getString("path")->str());
  return paths;
}

// path -> reason of a triage JSON table's "skipped" (empty when it has none).
std::map<std::string, std::string> skipped_of(const json::Value &doc) {
  std::map<std::string, std::string> out;
  if (const json::Array *a = doc.getAsObject()->getArray("skipped"))
    for (const json::Value &k : *a)
      out[k.getAsObject()->getString("path")->str()] = k.getAsObject()->getString("reason")->str();
  return out;
}

int64_t total(const json::Value &doc, llvm::StringRef key) {
  return *doc.getAsObject()->getObject("totals")->getInteger(key);
}

}  // namespace

TEST_CASE("symbolic links leaving the tree are skipped and listed, FIFOs too", "[triage][walk][symlink]") {
  TempDir d;
  const std::string tree = d / "tree", outside = d / "outside";
  REQUIRE_FALSE(fs::create_directories(tree + "/sub"));
  REQUIRE_FALSE(fs::create_directories(outside));
  spit(tree + "/crash.txt", kTwoPanics);
  spit(outside + "/secret.txt", kOtherPanic);  // what a link must not leak into the table
  REQUIRE_FALSE(fs::create_link(outside + "/secret.txt", tree + "/leak"));
  REQUIRE_FALSE(fs::create_link(outside, tree + "/leakdir"));
  REQUIRE_FALSE(fs::create_link("../crash.txt", tree + "/sub/latest"));  // inside the tree: fine
  REQUIRE_FALSE(fs::create_link("..", tree + "/sub/up"));                // a loop, inside
  REQUIRE(::mkfifo((tree + "/fifo").c_str(), 0600) == 0);                // never opened (it would block)
  REQUIRE_FALSE(fs::create_link(tree, d / "rootlink"));                  // a root may be a link itself

  std::string out;
  REQUIRE(run_cli("triage -f json " + quote(tree), out) == 0);
  json::Value doc = parse_json(out);
  CHECK(occurrence_paths(doc) == std::set<std::string>{tree + "/crash.txt"});
  CHECK(total(doc, "files") == 1);
  auto skipped = skipped_of(doc);
  INFO(out);
  CHECK(skipped.size() == 4);
  CHECK_THAT(skipped[tree + "/leak"],
             Catch::Contains("symbolic link to " + outside + "/secret.txt") && Catch::Contains("--follow-symlinks"));
  CHECK_THAT(skipped[tree + "/leakdir"], Catch::Contains("symbolic link to " + outside));
  CHECK_THAT(skipped[tree + "/fifo"], Catch::Contains("FIFO"));
  CHECK_THAT(skipped[tree + "/sub/latest"], Catch::Contains("same file as " + tree + "/crash.txt"));
  CHECK(total(doc, "skipped") == 4);

  // Through a link to the tree, the same; the text table lists them too.
  REQUIRE(run_cli("triage -f json " + quote(d / "rootlink"), out) == 0);
  json::Value via_link = parse_json(out);
  CHECK(occurrence_paths(via_link) == std::set<std::string>{d / "rootlink/crash.txt"});
  CHECK(skipped_of(via_link).count(d / "rootlink/leak"));
  REQUIRE(run_cli("triage " + quote(tree), out) == 0);
  CHECK_THAT(out, Catch::Contains("4 skipped") && Catch::Contains("skipped (not read):") &&
                      Catch::Contains(tree + "/leak: a symbolic link to"));

  // --follow-symlinks reads what the links lead to, each file once.
  REQUIRE(run_cli("triage -f json --follow-symlinks " + quote(tree), out) == 0);
  json::Value followed = parse_json(out);
  CHECK(occurrence_paths(followed) == std::set<std::string>{tree + "/crash.txt", tree + "/leak"});
  auto followed_skipped = skipped_of(followed);
  CHECK_THAT(followed_skipped[tree + "/leakdir/secret.txt"], Catch::Contains("same file as " + tree + "/leak"));
  CHECK(followed_skipped.count(tree + "/fifo"));
  // A link named on the command line is a root: read.
  REQUIRE(run_cli("triage -f json " + quote(tree + "/leak"), out) == 0);
  CHECK(occurrence_paths(parse_json(out)) == std::set<std::string>{tree + "/leak"});
}

TEST_CASE("merging a table with itself or with an overlapping table counts each file once", "[triage][merge]") {
  TempDir d;
  std::vector<std::string> f;
  for (const char *name : {"go1.26.8/divide.txt.zst", "go1.26.8/nil-deref.txt.zst", "go1.21.13/nil-deref.txt.zst",
                           "go1.26.8/leak-growth.txt.zst"})
    f.push_back(kFixtures + "/" + name);
  auto table_of = [&](const std::vector<std::string> &files, const std::string &name) {
    std::string args = "triage -f json", out;
    for (const std::string &x : files) args += " " + quote(x);
    REQUIRE(run_cli(args, out) == 0);
    spit(d / name, out);
    return out;
  };
  const std::string a = table_of({f[0], f[1], f[2]}, "a.json");
  table_of({f[1], f[2], f[3]}, "b.json");  // overlaps a in f[1], f[2]
  table_of({f[3], f[0]}, "c.json");
  const std::string all = table_of(f, "all.json");

  std::string out;
  CHECK(run_cli("triage --merge -f json " + quote(d / "a.json") + " " + quote(d / "a.json"), out) == 0);
  CHECK(out == a);
  CHECK(run_cli("triage --merge -f json " + quote(d / "a.json") + " " + quote(d / "b.json"), out) == 0);
  CHECK(out == table_of({f[0], f[1], f[2], f[3]}, "ab.json"));
  CHECK(out == all);
  CHECK(run_cli("triage --merge -f json " + quote(d / "c.json") + " " + quote(d / "b.json") + " " +
                    quote(d / "a.json") + " " + quote(d / "all.json"),
                out) == 0);
  CHECK(out == all);
  CHECK(run_cli("triage --merge -f json " + quote(d / "ab.json") + " " + quote(d / "c.json"), out) == 0);
  CHECK(out == all);
}

TEST_CASE("one run reads each file once, whatever the paths that reach it", "[triage][walk]") {
  TempDir d;
  const std::string dir = d / "dir";
  REQUIRE_FALSE(fs::create_directories(dir));
  spit(dir + "/c.txt", kTwoPanics);
  REQUIRE_FALSE(fs::create_hard_link(dir + "/c.txt", dir + "/hard.txt"));
  std::string out;
  REQUIRE(run_cli("triage -f json " + quote(dir), out) == 0);
  json::Value doc = parse_json(out);
  CHECK(total(doc, "files") == 1);
  CHECK(total(doc, "reports") == 2);
  CHECK_THAT(skipped_of(doc)[dir + "/hard.txt"], Catch::Contains("same file as " + dir + "/c.txt"));

  // The directory twice, and a file in it under another spelling.
  REQUIRE(run_cli("triage -f json " + quote(dir) + " " + quote(dir + "/") + " " + quote(dir + "/./c.txt") + " " +
                      quote(d.path + "/../" + llvm::sys::path::filename(d.path).str() + "/dir/c.txt"),
                  out) == 0);
  doc = parse_json(out);
  CHECK(total(doc, "files") == 1);
  CHECK(total(doc, "reports") == 2);
  // A missing path named twice is one unreadable file.
  REQUIRE(run_cli("triage -f json " + quote(d / "missing") + " " + quote(d / "missing"), out) == 2);
  doc = parse_json(out);
  CHECK(total(doc, "files") == 1);
  CHECK(total(doc, "unreadable") == 1);
}

TEST_CASE("tables that record a shared file differently do not merge", "[triage][merge]") {
  TempDir d;
  spit(d / "c.txt", kTwoPanics);
  spit(d / "other.txt", kOtherPanic);
  set_mtime(d / "c.txt", 1700000000);
  std::string out;
  REQUIRE(run_cli("triage -f json " + quote(d / "c.txt"), out) == 0);
  spit(d / "monday.json", out);
  // The file grows a third crash: Tuesday's table holds it, and Monday's does not.
  spit(d / "c.txt", std::string(kTwoPanics) + kOtherPanic);
  REQUIRE(run_cli("triage -f json " + quote(d / "c.txt") + " " + quote(d / "other.txt"), out) == 0);
  spit(d / "tuesday.json", out);
  CHECK(crashctl::testing::run_crashctl("triage --merge " + quote(d / "monday.json") + " " + quote(d / "tuesday.json"),
                                        out, true) == 2);
  CHECK_THAT(
      out, Catch::Contains("tuesday.json") && Catch::Contains(d / "c.txt") && Catch::Contains("recorded differently"));
  // Different prefixes make them different files, counted apart (on purpose).
  REQUIRE(run_cli("triage -f json --path-prefix mon: " + quote(d / "c.txt"), out) == 0);
  spit(d / "mon.json", out);
  CHECK(run_cli("triage --merge -f json " + quote(d / "mon.json") + " " + quote(d / "tuesday.json"), out) == 0);
  CHECK(total(parse_json(out), "files") == 3);
}

TEST_CASE("a walked file that changes before it is read is not read", "[triage][walk][symlink]") {
  TempDir d;
  const std::string tree = d / "tree", outside = d / "outside";
  REQUIRE_FALSE(fs::create_directories(tree + "/sub"));
  REQUIRE_FALSE(fs::create_directories(outside));
  spit(outside + "/secret.txt", kOtherPanic);
  for (const char *name : {"/a.txt", "/b.txt", "/sub/c.txt", "/d.txt"}) spit(tree + name, kTwoPanics);
  FileList list = find_files({tree});
  REQUIRE(list.files.size() == 4);
  // Between the walk and the analysis: a.txt becomes a link out of the tree,
  // b.txt a FIFO (opening it for reading would block), c.txt is moved out
  // and a link left in its place (the same file, now outside).
  REQUIRE_FALSE(fs::remove(tree + "/a.txt"));
  REQUIRE_FALSE(fs::create_link(outside + "/secret.txt", tree + "/a.txt"));
  REQUIRE_FALSE(fs::remove(tree + "/b.txt"));
  REQUIRE(::mkfifo((tree + "/b.txt").c_str(), 0600) == 0);
  REQUIRE_FALSE(fs::rename(tree + "/sub/c.txt", outside + "/c.txt"));
  REQUIRE_FALSE(fs::create_link(outside + "/c.txt", tree + "/sub/c.txt"));

  Table t = triage_files(list, CollectOptions{});
  CHECK(t.files == 4);
  REQUIRE(t.buckets.size() == 1);  // d.txt's only: nothing of secret.txt
  REQUIRE(t.buckets[0].files.size() == 2);
  CHECK(t.buckets[0].files[0].path == tree + "/d.txt");
  REQUIRE(t.unreadable.size() == 3);
  CHECK(t.unreadable[0].path == tree + "/a.txt");
  CHECK_THAT(t.unreadable[0].error, Catch::Contains("changed since it was walked"));
  CHECK(t.unreadable[1].path == tree + "/b.txt");
  CHECK_THAT(t.unreadable[1].error, Catch::Contains("changed since it was walked"));
  CHECK(t.unreadable[2].path == tree + "/sub/c.txt");
  CHECK_THAT(t.unreadable[2].error, Catch::Contains("it is now " + outside + "/c.txt, outside the paths given"));

  // Errors of files read through their descriptor name the file.
  spit(tree + "/bad.zst", std::string("\x28\xb5\x2f\xfd", 4) + "garbage, not a zstd frame");
  Table bad = run({tree + "/bad.zst"});
  REQUIRE(bad.unreadable.size() == 1);
  CHECK_THAT(bad.unreadable[0].error, !Catch::Contains("/proc/self/fd"));
}

TEST_CASE("a table lists each file once: merge is idempotent and reading checks it", "[triage][merge]") {
  Table t = handmade();
  CHECK(t.files == 4);
  std::string doc = to_json(t);
  CHECK(to_json(merged({t, t})) == doc);
  CHECK(to_json(merged({reparse(doc), t, reparse(doc)})) == doc);
  t.skipped.push_back({"logs/fifo", "a FIFO (named pipe): never opened"});
  doc = to_json(t);
  CHECK_THAT(doc, Catch::Contains("\"skipped\": 1"));
  CHECK(reparse(doc).skipped == t.skipped);
  CHECK(to_json(merged({reparse(doc), t})) == doc);

  // The same path recorded differently: refused, naming it.
  Table changed = t;
  changed.buckets[1].files[0].mtime += 1;
  auto refused = merge({t, changed});
  REQUIRE_FALSE(bool(refused));
  CHECK_THAT(llvm::toString(refused.takeError()), Catch::StartsWith("logs/b.txt: recorded differently"));
  Table unreadable_now = t;
  unreadable_now.unreadable.push_back({"logs/notes.txt", "cannot read: Permission denied"});
  auto refused2 = merge({unreadable_now, t});
  REQUIRE_FALSE(bool(refused2));
  CHECK_THAT(llvm::toString(refused2.takeError()), Catch::StartsWith("logs/notes.txt:"));

  // Reading checks what merging relies on.
  auto error_of = [](std::string text, const std::string &from, const std::string &to) {
    size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    auto r = parse_table(text);
    return r ? std::string() : llvm::toString(r.takeError());
  };
  CHECK_THAT(error_of(doc, "\"files\": 4", "\"files\": 5"), Catch::Contains("totals.files: 5 but the table lists 4"));
  CHECK_THAT(error_of(doc, "\"offset\": 500", "\"offset\": 10"),
             Catch::Contains("buckets[0].files[1]: a second report at offset 10 of \"logs/a,b.txt\""));
  // 1.1.0 tables have no "skipped".
  std::string old = doc;
  old.replace(old.find("  \"skipped\": ["), std::string::npos, "  \"skipped\": []\n}\n");
  CHECK(error_of(old, ",\n  \"skipped\": []", "").empty());
}

TEST_CASE("two file names that are one path once made UTF-8: the second is skipped", "[triage][walk]") {
  TempDir d;
  spit(d / "crash\xff.txt", kTwoPanics);
  spit(d / "crash\xfe.txt", kOtherPanic);
  Table t = run({d.path});
  CHECK(t.files == 1);
  CHECK(t.reports() == 1);
  REQUIRE(t.skipped.size() == 1);
  CHECK(t.skipped[0].path == d / "crash\xef\xbf\xbd.txt");
  CHECK_THAT(t.skipped[0].reason, Catch::Contains("not valid UTF-8"));
  CHECK(to_json(reparse(to_json(t))) == to_json(t));
}

TEST_CASE("fuzz_triage_table regressions: what a table reads, it writes back", "[triage][merge][fuzz]") {
  // A culprit line past INT64_MAX was read, written negative, and the
  // written table could not be read again.
  std::string doc = to_json(handmade());
  size_t at = doc.find("\"line\": 7");
  REQUIRE(at != std::string::npos);
  for (const char *line : {"9223372036854775808", "18446744073709551615"}) {
    std::string big = doc;
    big.replace(at, 9, std::string("\"line\": ") + line);
    auto t = parse_table(big);
    REQUIRE_FALSE(bool(t));
    CHECK_THAT(llvm::toString(t.takeError()), Catch::Contains("buckets[0].culprit.line"));
  }
  std::string max = doc;
  max.replace(at, 9, "\"line\": 9223372036854775807");
  CHECK(to_json(reparse(to_json(reparse(max)))) == to_json(reparse(max)));
}
