// Signatures (formats/signature.md): one per bug across Go releases, a
// different one per different bug. Checked over every fixture.
#include "analysis/signature.h"
#include "pipeline/analyze.h"

#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

using namespace crashctl;

TEST_CASE("closure and wrapper names normalize across releases", "[signature]") {
  CHECK(normalize_function("main.main.func1") == "main.main.func");
  CHECK(normalize_function("main.main.func1.2") == "main.main.func");
  CHECK(normalize_function("main.main.gowrap1") == "main.main.func");
  // Go 1.4 and older: "func·001" (U+00B7), as in testdata/fixtures-old/go1.2.2/closure.
  CHECK(normalize_function("main.func\xc2\xb7" "001") == "main.func");
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
  std::getline(in, line);  // header
  std::map<std::string, std::set<std::string>> signatures_of;  // scenario.gotraceback -> signatures
  std::map<std::string, std::set<std::string>> scenarios_of;   // signature -> scenarios
  std::map<std::string, std::set<std::string>> releases_of;    // scenario.gotraceback -> releases
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
  }
  size_t across_three = 0;
  for (const auto &[key, sigs] : signatures_of) {
    INFO("scenario " << key);
    CHECK(sigs.size() == 1);
    across_three += releases_of[key].size() >= 3;
  }
  CHECK(across_three > 30);
  for (const auto &[sig, scenarios] : scenarios_of) {
    INFO("signature " << sig);
    CHECK(scenarios.size() == 1);
  }
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

  Input leaked = analyze_bytes("goroutine 2 [chan receive (leaked)]:\nmain.wait()\n\t/a.go:3 +0x1\n", "l.txt",
                               AnalysisOptions{});
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
