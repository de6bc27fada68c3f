// Every fixture produced by real Go toolchains (testdata/generate.sh) must
// give the verdict its scenario was written to produce.
#include "gosyntax/parse.h"
#include "pipeline/analyze.h"
#include "test_support.h"

#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

using namespace crashctl;
using crashctl::test::ManifestRow;
using crashctl::test::read_manifest;

namespace {

// Where crashctl's culprit rule deliberately differs from the scenario
// table's first in-app frame (formats/taxonomy.md, "Culprit"):
//  - repanic: a recovered and re-panicked value is blamed on where it was
//    first raised, not on the deferred handler that re-panicked it;
//  - cgo: the cgo stub main._Cfunc_* is generated code; the Go caller is blamed.
std::string expected_culprit(const ManifestRow &r) {
  const std::string &s = r["scenario"];
  if (s == "repanic") return "main.decodeRecord";
  if (s == "cgo-segv") return "main.decodeRecord.func1";
  return r["expected_culprit"];
}

}  // namespace

TEST_CASE("fixtures from real Go toolchains: class, culprit, crashing goroutine, goroutine count", "[fixtures]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/";
  auto rows = read_manifest(dir + "MANIFEST.tsv");
  REQUIRE(rows.size() > 100);
  std::set<std::string> versions;
  for (const ManifestRow &r : rows) {
    INFO("fixture " << r["file"]);
    versions.insert(r["go_version"]);
    Input in = analyze_input(dir + r["file"], AnalysisOptions{});
    CHECK_FALSE(in.failed);
    REQUIRE_FALSE(in.reports.empty());
    CHECK(in.compression == Compression::Zstd);
    const Report &rep = in.reports.front();
    const Verdict &v = rep.verdict;
    CHECK(v.cls == test::class_named(r["expected_class"]));
    std::string culprit = expected_culprit(r);
    if (culprit != "-") {
      REQUIRE(v.culprit.has_value());
      CHECK(v.culprit->frame.function == culprit);
    }
    if (r["expected_crashing_goroutine"] != "-") CHECK(std::to_string(v.goroutine) == r["expected_crashing_goroutine"]);
    // Every goroutine header the runtime printed is decoded, across reports.
    size_t goroutines = 0;
    for (const Report &x : in.reports) goroutines += x.process.goroutines.size();
    CHECK(std::to_string(goroutines) == r["goroutine_headers"]);
    // One crash per file, except race runs (one report per race found) and
    // leak-growth, which writes two goroutine profiles (for crashctl diff).
    if (r["scenario"] == "leak-growth") {
      CHECK(in.reports.size() == 2);
      for (const Report &x : in.reports) CHECK(x.kind == ReportKind::Snapshot);
    } else if (r["expected_class"] != "data-race") {
      CHECK(in.reports.size() == 1);
    } else {
      for (const Report &x : in.reports) CHECK(x.kind == ReportKind::Race);
    }
    // The release is recognized from the text (GOROOT paths or format).
    if (!rep.process.go_version.version.empty()) CHECK(starts_with(r["go_version"], rep.process.go_version.version));
  }
  CHECK(versions.size() >= 8);
}
