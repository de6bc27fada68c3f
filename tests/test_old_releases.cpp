// Crash text of 21 Go releases from go1.2.2 to go1.27.4 (testdata/generate-old.sh):
// the forms users still paste (runtime.panic frames, func·001 closures,
// "runtime error:" channel messages, race reports without addresses, the old
// debug.Stack format) give the classes and culprits of today's releases.
#include "pipeline/analyze.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <set>

using namespace crashctl;
using crashctl::test::ManifestRow;
using crashctl::test::read_manifest;

namespace {

// crashctl blames a re-panicked value on where it was first raised
// (formats/taxonomy.md, "Culprit"), not on the deferred handler that the
// manifest names as the first frame of package main.
std::string expected_culprit(const ManifestRow &r) {
  if (r["scenario"] == "repanic") return "main.decodeRecord";
  return r["expected_culprit"];
}

std::string first_line(const std::string &s) {
  return s.substr(0, s.find('\n'));
}

}  // namespace

TEST_CASE("crash text of Go 1.2 to 1.27: class, culprit and message", "[fixtures][old]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures-old/";
  auto rows = read_manifest(dir + "MANIFEST.tsv");
  REQUIRE(rows.size() >= 400);
  std::set<std::string> releases;
  for (const ManifestRow &r : rows) {
    INFO("fixture " << r["file"]);
    releases.insert(r["go_version"]);
    Input in = analyze_input(dir + r["file"], AnalysisOptions{});
    CHECK_FALSE(in.failed);
    REQUIRE_FALSE(in.reports.empty());
    const Report &rep = in.reports.front();
    std::string class_id = r["expected_class"];
    bool recovered = class_id.rfind("recovered:", 0) == 0;
    if (recovered) class_id = class_id.substr(10);
    VerdictClass cls = test::class_named(class_id);
    CHECK((rep.kind == ReportKind::Recovered) == recovered);
    CHECK(rep.verdict.cls == cls);
    std::string culprit = expected_culprit(r);
    if (culprit != "-") {
      REQUIRE(rep.verdict.culprit.has_value());
      CHECK(rep.verdict.culprit->frame.function == culprit);
    } else {
      CHECK_FALSE(rep.verdict.culprit.has_value());
    }
    // The message as the release printed it.
    std::string want = r["expected_message"];
    for (const char *marker : {" [recovered, repanicked]", " [recovered]"})
      if (want.size() > strlen(marker) && want.compare(want.size() - strlen(marker), std::string::npos, marker) == 0)
        want.resize(want.size() - strlen(marker));
    const Process &p = rep.process;
    if (want.rfind("fatal error: ", 0) == 0) {
      REQUIRE(p.fatal.has_value());
      CHECK(first_line(p.fatal->message) == want.substr(13));
    } else if (want.rfind("panic: ", 0) == 0) {
      REQUIRE_FALSE(p.panics.empty());
      CHECK("panic: " + first_line(p.panics.front().message) == want);
    } else if (cls == VerdictClass::DataRace) {
      REQUIRE_FALSE(p.races.empty());
      REQUIRE(p.races.front().accesses.size() >= 2);
      CHECK(p.races.front().accesses.front().stack);
    }
  }
  CHECK(releases.size() >= 20);
}
