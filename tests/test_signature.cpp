// Signatures (formats/signature.md): one per bug across Go releases, a
// different one per different bug. Checked over every fixture.
#include "analysis/signature.h"
#include "pipeline/analyze.h"
#include "test_support.h"
#include "triage/triage.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace crashctl;

namespace {

const std::string kFixtures = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/";

// Release -> fixture file of SCENARIO at its own GOTRACEBACK level.
std::map<std::string, std::string> fixtures_of(const std::string &scenario) {
  std::map<std::string, std::string> out;
  for (const test::ManifestRow &r : test::read_manifest(kFixtures + "MANIFEST.tsv"))
    if (r["file"] == r["go_version"] + "/" + scenario + ".txt.zst") out[r["go_version"]] = r["file"];
  return out;
}

Verdict verdict_of(const std::string &file, const AnalysisOptions &opts) {
  Input in = analyze_input(kFixtures + file, opts);
  REQUIRE(in.reports.size() == 1);
  return in.reports.front().verdict;
}

}  // namespace

TEST_CASE("closure and wrapper names normalize across releases", "[signature]") {
  CHECK(normalize_function("main.main.func1") == "main.main.func");
  CHECK(normalize_function("main.main.func1.2") == "main.main.func");
  CHECK(normalize_function("main.main.gowrap1") == "main.main.func");
  // Go 1.4 and older: "func·001" (U+00B7), as in testdata/fixtures-old/go1.2.2/closure.
  CHECK(normalize_function("main.func\xc2\xb7"
                           "001") == "main.func");
  CHECK(normalize_function("main.(*T).m.deferwrap2") == "main.(*T).m.func");
  CHECK(normalize_function("main.(*Store2[...]).Get") == "main.(*Store2[...]).Get");
  CHECK(normalize_function("main.handle") == "main.handle");
  CHECK(normalize_function("main.func1x") == "main.func1x");
}

TEST_CASE("messages lose addresses, numbers and quoted values", "[signature]") {
  CHECK(normalize_message("runtime error: index out of range [5] with length 3") ==
        "runtime error: index out of range [N] with length N");
  CHECK(normalize_message("bad pointer 0xc000012345 in goroutine 17") == "bad pointer 0x? in goroutine N");
  CHECK(normalize_message("open \"/tmp/x-42\": no such file") == "open \"?\": no such file");
  CHECK(normalize_message("sha256 mismatch v2") == "sha256 mismatch v2");
}

TEST_CASE("the standard library of a toolchain that GOTOOLCHAIN fetched is the standard library", "[signature]") {
  Frame lock{"sync.(*Mutex).Lock", "sync",
             "/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.21.13.linux-amd64/src/sync/mutex.go"};
  CHECK(InAppRules::is_stdlib(lock));
  Frame dependency{"github.com/gin-gonic/gin.(*Context).Next", "github.com/gin-gonic/gin",
                   "/root/go/pkg/mod/github.com/gin-gonic/gin@v1.11.0/context.go"};
  CHECK_FALSE(InAppRules::is_stdlib(dependency));
  CHECK(InAppRules::is_dependency(dependency));
  Frame vendored{"strings.Cut", "strings", "/src/app/vendor/strings/strings.go"};
  CHECK_FALSE(InAppRules::is_stdlib(vendored));
}

TEST_CASE("one signature per scenario across Go releases, distinct across scenarios", "[signature][fixtures]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/";
  auto buf = llvm::MemoryBuffer::getFile(dir + "MANIFEST.tsv");
  REQUIRE(buf);
  std::istringstream in((*buf)->getBuffer().str());
  std::string line;
  std::getline(in, line);                                      // header
  std::map<std::string, std::set<std::string>> signatures_of;  // scenario.gotraceback -> signatures
  std::map<std::string, std::set<std::string>> scenarios_of;   // signature -> scenarios
  std::map<std::string, std::set<std::string>> releases_of;    // scenario.gotraceback -> releases
  std::map<std::string, std::set<std::string>> buckets_of;     // scenario -> signatures, every level
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    std::string file, version, scenario, traceback;
    std::getline(cells, file, '\t');
    std::getline(cells, version, '\t');
    std::getline(cells, scenario, '\t');
    std::getline(cells, traceback, '\t');
    Input input = analyze_input(dir + file, AnalysisOptions{});
    REQUIRE_FALSE(input.reports.empty());
    const Verdict &v = input.reports.front().verdict;
    INFO(file << ": " << v.signature_text);
    CHECK(v.signature.size() == 16);
    std::string key = scenario + "." + traceback;
    signatures_of[key].insert(v.signature);
    scenarios_of[v.signature].insert(scenario);
    releases_of[key].insert(version);
    buckets_of[scenario].insert(v.signature);
  }
  size_t across_three = 0, in_one_bucket = 0, alone = 0;
  for (const auto &[key, sigs] : signatures_of) {
    INFO("scenario " << key);
    CHECK(sigs.size() == 1);
    in_one_bucket += sigs.size() == 1;
    across_three += releases_of[key].size() >= 3;
  }
  CHECK(across_three > 30);
  for (const auto &[sig, scenarios] : scenarios_of) {
    INFO("signature " << sig);
    CHECK(scenarios.size() == 1);
    alone += scenarios.size() == 1;
  }
  // Recall: a scenario (at one GOTRACEBACK level, every release) in exactly
  // one bucket; precision: a bucket holding one scenario. Across levels a
  // scenario may split where a level prints no frame (GOTRACEBACK=none).
  std::string split;
  for (const auto &[scenario, sigs] : buckets_of)
    if (sigs.size() > 1) split += " " + scenario;
  WARN("fixtures: " << buckets_of.size() << " scenarios, " << signatures_of.size() << " with their GOTRACEBACK levels, "
                    << scenarios_of.size() << " buckets; " << in_one_bucket << "/" << signatures_of.size()
                    << " scenario levels in exactly one bucket, " << alone << "/" << scenarios_of.size()
                    << " buckets with one scenario; in more than one bucket across levels:" << split);
}

TEST_CASE("test timeouts: one bucket per hung test on every release, with or without a culprit",
          "[signature][fixtures]") {
  AnalysisOptions with_culprit, without_culprit;
  // The hung test's frames are not the program's: the running tests are the evidence.
  without_culprit.not_in_app = {"crashctl.test/scenarios/timeouttest"};
  const auto sync = fixtures_of("test-timeout"), catch_up = fixtures_of("test-timeout-catchup");
  REQUIRE(sync.size() >= 8);
  REQUIRE(catch_up.size() == sync.size());
  for (const AnalysisOptions *opts : {&with_culprit, &without_culprit}) {
    const bool culprit = opts == &with_culprit;
    std::set<std::string> sync_signatures, catch_up_signatures;
    for (const auto &[release, file] : sync) {
      INFO(release << (culprit ? "" : ", the test package not in-app"));
      const Verdict a = verdict_of(file, *opts), b = verdict_of(catch_up.at(release), *opts);
      CHECK(a.cls == VerdictClass::TestTimeout);
      CHECK(b.cls == VerdictClass::TestTimeout);
      // From go1.20 the verdict still names a frame of the test package (no
      // frame is the program's, so the first outside the runtime); go1.19 names
      // none. Such a culprit is weak and the signature does not rest on it.
      if (culprit) CHECK((a.culprit && b.culprit));
      CHECK(a.signature != b.signature);
      if (culprit) {
        CHECK(a.signature_text == "test-timeout |  | crashctl.test/scenarios/timeouttest.waitForQuorum");
        CHECK(b.signature_text == "test-timeout |  | crashctl.test/scenarios/timeouttest.catchUp");
      } else {
        // Go 1.19 lists no running tests: the Test functions under testing.tRunner.
        CHECK(a.signature_text == "test-timeout |  | test TestReplicaSync");
        CHECK(b.signature_text == "test-timeout |  | test TestReplicaCatchUp");
      }
      sync_signatures.insert(a.signature);
      catch_up_signatures.insert(b.signature);
    }
    CHECK(sync_signatures.size() == 1);
    CHECK(catch_up_signatures.size() == 1);
  }
}

TEST_CASE("deadlocks in main.main: what the goroutines wait on keeps them apart on every release",
          "[signature][fixtures][deadlock]") {
  // Signatures of version 1 gave deadlock-send and deadlock-mutex one bucket:
  // "deadlock | all goroutines are asleep - deadlock! | main.main".
  const std::vector<std::string> scenarios{"deadlock", "deadlock-send", "deadlock-mutex"};
  AnalysisOptions plain, main_not_in_app;
  main_not_in_app.not_in_app = {"main"};
  const auto releases = fixtures_of("deadlock-mutex");
  REQUIRE(releases.size() >= 8);
  for (const AnalysisOptions *opts : {&plain, &main_not_in_app}) {
    std::map<std::string, std::set<std::string>> signatures_of;  // scenario -> signatures
    for (const auto &[release, mutex_file] : releases) {
      INFO(release << (opts == &plain ? "" : ", main not in-app"));
      std::set<std::string> here;
      for (const std::string &s : scenarios) {
        const Verdict v = verdict_of(fixtures_of(s).at(release), *opts);
        INFO(s << ": " << v.signature_text);
        CHECK(v.cls == VerdictClass::Deadlock);
        CHECK_FALSE(v.low_confidence);
        here.insert(v.signature);
        signatures_of[s].insert(v.signature);
      }
      CHECK(here.size() == scenarios.size());
    }
    for (const std::string &s : scenarios) {
      INFO(s << (opts == &plain ? "" : ", main not in-app"));
      CHECK(signatures_of[s].size() == 1);
    }
  }
  // go1.19 waits on a Mutex in [semacquire], later releases in [sync.Mutex.Lock];
  // from go1.24 the frames below Lock are internal/sync's.
  for (const char *release : {"go1.19.8", "go1.21.13", "go1.26.8"}) {
    INFO(release);
    Input in = analyze_input(kFixtures + release + "/deadlock-mutex.txt.zst", AnalysisOptions{});
    REQUIRE(in.reports.size() == 1);
    const Process &p = in.reports[0].process;
    REQUIRE(p.goroutines.size() == 1);
    CHECK(p.goroutines.begin()->wait_reason == (release == std::string("go1.19.8") ? "semacquire" : "sync.Mutex.Lock"));
    for (const AnalysisOptions *opts : {&plain, &main_not_in_app}) {
      const Verdict v = verdict_of(std::string(release) + "/deadlock-mutex.txt.zst", *opts);
      CHECK(v.signature_text == "deadlock | all goroutines are asleep - deadlock! | wait sync @ main.main");
    }
    CHECK(verdict_of(std::string(release) + "/deadlock-send.txt.zst", plain).signature_text ==
          "deadlock | all goroutines are asleep - deadlock! | wait chan send @ main.main");
  }
}

TEST_CASE("frames printed without their function are told apart by their file", "[signature]") {
  // Old apimachinery's HandleCrash lists FILE:LINE only (as in
  // ../shared/corpus/real-world/083): two programs, one message.
  auto observed = [](const std::string &gopath, const std::string &own_file) {
    const std::string vendor = gopath + "/vendor/k8s.io/apimachinery/pkg/util/";
    return "E1112 21:58:14.037140       1 runtime.go:69] Observed a panic: \"send on closed channel\" (send on "
           "closed channel)\n" +
           vendor + "runtime/runtime.go:76\n" + vendor + "runtime/runtime.go:65\n" +
           "/usr/local/go/src/runtime/panic.go:679\n/usr/local/go/src/runtime/chan.go:252\n" + gopath + "/" + own_file +
           ":223\n" + vendor + "wait/wait.go:152\n/usr/local/go/src/runtime/asm_amd64.s:1357\n";
  };
  auto verdict = [](const std::string &text) {
    Input in = analyze_bytes(text, "observed.log", AnalysisOptions{});
    REQUIRE(in.reports.size() == 1);
    CHECK(in.reports[0].kind == ReportKind::Recovered);
    return in.reports[0].verdict;
  };
  const Verdict a =
      verdict(observed("/go/src/github.com/longhorn/longhorn-manager", "controller/instance_manager_controller.go"));
  const Verdict b = verdict(observed("/go/src/example.com/queue", "worker/pool.go"));
  // The same program built elsewhere: another GOPATH.
  const Verdict c = verdict(
      observed("/home/ci/go/src/github.com/longhorn/longhorn-manager", "controller/instance_manager_controller.go"));
  CHECK(a.signature_text == "closed-channel | send on closed channel | file controller/instance_manager_controller.go");
  CHECK(a.signature != b.signature);
  CHECK(a.signature == c.signature);
}

TEST_CASE("a data race keeps its racing frames when none is in-app", "[signature][fixtures]") {
  AnalysisOptions plain, main_not_in_app;
  main_not_in_app.not_in_app = {"main"};
  const auto races = fixtures_of("race");
  REQUIRE(races.size() >= 8);
  std::set<std::string> signatures;
  for (const auto &[release, file] : races) {
    Input a = analyze_input(kFixtures + file, plain), b = analyze_input(kFixtures + file, main_not_in_app);
    REQUIRE_FALSE(a.reports.empty());
    REQUIRE(a.reports.size() == b.reports.size());
    for (size_t i = 0; i < a.reports.size(); ++i) {
      const Verdict &x = a.reports[i].verdict, &y = b.reports[i].verdict;
      INFO(release << ": " << x.signature_text << " / " << y.signature_text);
      CHECK(x.signature_text != "data-race | ");
      CHECK(y.signature == x.signature);
      signatures.insert(y.signature);
    }
  }
  CHECK(signatures.size() == 1);
}

TEST_CASE("goroutine groups and leak suspects", "[groups]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/";
  Input in = analyze_input(dir + "go1.26.8/many-goroutines.txt.zst", AnalysisOptions{});
  REQUIRE(in.reports.size() == 1);
  const Report &r = in.reports[0];
  size_t total = 0;
  for (const GoroutineGroup &g : r.groups) total += g.goroutine_ids.size();
  CHECK(total == r.process.goroutines.size());
  REQUIRE(r.groups.size() >= 6);
  CHECK(r.groups[0].goroutine_ids.size() == 40);
  // Blocked on channels, mutexes, select, WaitGroup and IO: suspects; sleeping: not.
  CHECK(r.verdict.leak_suspects == 5);
  for (const GoroutineGroup &g : r.groups) {
    INFO(g.wait_reason);
    CHECK(g.leak_reasons.empty() == (g.wait_reason == "sleep" || g.goroutine_ids.size() == 1));
  }
  CHECK(r.verdict.explanation.find("5 groups of goroutines look leaked") != std::string::npos);

  Input leaked =
      analyze_bytes("goroutine 2 [chan receive (leaked)]:\nmain.wait()\n\t/a.go:3 +0x1\n", "l.txt", AnalysisOptions{});
  REQUIRE(leaked.reports.size() == 1);
  REQUIRE(leaked.reports[0].groups.size() == 1);
  CHECK(leaked.reports[0].groups[0].leaked);
  CHECK(leaked.reports[0].verdict.leak_suspects == 1);
}

TEST_CASE("the signature-lines option adds line numbers to the signature frames", "[signature]") {
  const std::string f = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/go1.26.8/nil-deref.txt.zst";
  AnalysisOptions plain, lines;
  lines.signature_lines = true;
  const Verdict a = analyze_input(f, plain).reports.at(0).verdict;
  const Verdict b = analyze_input(f, lines).reports.at(0).verdict;
  CHECK(a.signature != b.signature);
  CHECK(a.signature_text.find("main.(*Cache).lookup |") != std::string::npos);
  CHECK(b.signature_text.find("main.(*Cache).lookup:39") != std::string::npos);
}

TEST_CASE("deadlocks say who waits on what, with mutex addresses", "[groups][deadlock]") {
  for (const char *release : {"go1.19.8", "go1.26.8"}) {
    INFO(release);
    Input in = analyze_input(std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/" + release + "/deadlock.txt.zst",
                             AnalysisOptions{});
    REQUIRE(in.reports.size() == 1);
    const std::string &e = in.reports[0].verdict.explanation;
    CHECK(e.find("Who waits on what:") != std::string::npos);
    CHECK(e.find("goroutine 18 on sync.Mutex 0x") != std::string::npos);
    CHECK(e.find("in main.(*ConnPool).acquire") != std::string::npos);
    CHECK(e.find("goroutine 1 on chan receive in main.waitForWorkers") != std::string::npos);
    CHECK(e.find("cannot prove a wait-for cycle") != std::string::npos);
  }
}

namespace {

// The program a real-world trace comes from: the token after its number in
// the file name ("001-gvisor-nil-deref-gofer.txt": gvisor). The fuzzing
// services ("ossfuzz", "gofuzz") run many programs: each of their traces
// counts as a program of its own, the stricter reading.
std::string program_of(const std::string &path) {
  std::string name = llvm::sys::path::filename(path).str();
  size_t a = name.find('-'), b = name.find('-', a + 1);
  std::string token = name.substr(a + 1, b - a - 1);
  return token == "ossfuzz" || token == "gofuzz" ? name.substr(0, b) : token;
}

// Whether a report carries anything besides its fatal line and the
// runtime's frames: a frame of some program, by function or file.
bool tells_program_apart(const Report &r) {
  auto telling = [](const StackRef &stack) {
    if (stack)
      for (const Frame &f : stack->frames)
        if (!InAppRules::is_runtime(f) && (!f.function.empty() || !f.file.empty())) return true;
    return false;
  };
  const Process &p = r.process;
  for (const Goroutine &g : p.goroutines)
    if (telling(g.stack)) return true;
  for (const RaceReport &race : p.races)
    for (const RaceAccess &a : race.accesses)
      if (telling(a.stack)) return true;
  return telling(p.runtime_stack_frames);
}

// The signature's evidence after CLASS and MESSAGE, without empty parts.
size_t evidence_parts(const std::string &signature_text) {
  size_t n = 0, pos = 0, part = 0;
  for (;;) {
    size_t end = signature_text.find(" | ", pos);
    std::string_view cell = std::string_view(signature_text).substr(pos, end == std::string::npos ? end : end - pos);
    n += part++ >= 2 && !cell.empty();
    if (end == std::string::npos) return n;
    pos = end + 3;
  }
}

}  // namespace

// Precision on real material (issue 12): no bucket holds traces of two
// programs unless none of its traces carries anything that tells them apart.
TEST_CASE("real-world traces: no bucket mixes two programs", "[signature][corpus][realworld]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/../shared/corpus/real-world";
  if (!std::ifstream(dir + "/MANIFEST.tsv")) {
    WARN("corpus not present: " << dir);
    return;
  }
  std::vector<std::string> files;
  for (const std::string &f : triage::find_files({dir}).files)
    if (llvm::sys::path::filename(f) != "MANIFEST.tsv") files.push_back(f);
  REQUIRE(files.size() >= 40);
  triage::CollectOptions opts;
  opts.jobs = 1;
  const triage::Table t = triage::triage_paths(files, opts);
  CHECK(t.unreadable.empty());

  std::map<std::pair<std::string, uint64_t>, bool> telling;  // (path, offset) -> tells its program apart
  std::set<std::string> programs;
  for (const std::string &f : files) {
    programs.insert(program_of(f));
    for (const Report &r : analyze_input(f, AnalysisOptions{}).reports) telling[{f, r.offset}] = tells_program_apart(r);
  }
  size_t mixed = 0, excused = 0, frameless = 0;
  for (const triage::Bucket &b : t.buckets) {
    std::set<std::string> in_bucket;
    bool any_telling = false;
    for (const triage::Occurrence &o : b.files) {
      in_bucket.insert(program_of(o.path));
      auto it = telling.find({o.path, o.offset});
      REQUIRE(it != telling.end());
      any_telling |= it->second;
    }
    // Not a failure, but where a mix could come from: the bucket rests on
    // the class and message although its traces show frames.
    if (evidence_parts(b.rep.signature_text) == 0 && any_telling) {
      ++frameless;
      WARN("no frame in the signature of traces that have frames: " << b.rep.signature_text << " ("
                                                                    << b.files.front().path << ")");
    }
    if (in_bucket.size() < 2) continue;
    if (!any_telling) {
      ++excused;
      continue;
    }
    ++mixed;
    std::string which;
    for (const triage::Occurrence &o : b.files) which += "\n  " + o.path;
    FAIL_CHECK("bucket " << b.signature << " (" << b.rep.signature_text << ") mixes programs:" << which);
  }
  WARN("real-world: " << files.size() << " files, " << t.reports() << " reports, " << programs.size() << " programs, "
                      << t.buckets.size() << " buckets; " << mixed << " buckets mix programs, " << excused
                      << " mix programs that nothing tells apart, " << frameless
                      << " rest on no frame although their traces have frames");
  CHECK(mixed == 0);
}
