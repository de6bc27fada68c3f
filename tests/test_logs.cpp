// Logs of panics that real libraries recovered and logged, under several Go
// releases (testdata/generate-logs.sh), and real crash text wrapped by real
// log pipelines (testdata/wrap-logs.sh): every manifest row must give the
// kind, class, panic value, culprit and recovering frame its scenario was
// written to produce.
#include "analysis/diff.h"
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

TEST_CASE("goroutine profiles, debug=1 text and debug=0 proto: groups, wait reasons, leak growth", "[logs][profile]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/logs/";
  std::set<std::string> releases;
  for (const ManifestRow &r : read_manifest(dir + "MANIFEST.tsv"))
    if (r["scenario"] == "goroutine-profile") releases.insert(r["go_version"]);
  REQUIRE(releases.size() >= 3);
  for (const std::string &release : releases) {
    for (const char *form : {"debug1", "debug0"}) {
      bool proto = std::string(form) == "debug0";
      std::string ext = proto ? ".pb.gz" : ".txt.zst";
      INFO(release << " " << form);
      std::vector<Input> inputs;
      for (const char *side : {"a", "b"})
        inputs.push_back(analyze_input(dir + release + "/profile-" + form + "." + side + ext, AnalysisOptions{}));
      for (const Input &in : inputs) {
        CHECK_FALSE(in.failed);
        REQUIRE(in.reports.size() == 1);
        CHECK(in.format == (proto ? InputFormat::Profile : InputFormat::Traceback));
        CHECK(in.reports[0].kind == ReportKind::Snapshot);
        CHECK(in.reports[0].process.profile == (proto ? "proto" : "debug=1"));
      }
      const Report &a = inputs[0].reports[0], &b = inputs[1].reports[0];
      // "goroutine profile: total 51" and "total 76"; proto counts sum the same.
      CHECK(a.process.goroutines.size() == 51);
      CHECK(b.process.goroutines.size() == 76);
      // The pool that leaks: 20 then 45 goroutines waiting in acquire, under labels.
      REQUIRE_FALSE(b.groups.empty());
      const GoroutineGroup &top = b.groups.front();
      CHECK(top.goroutine_ids.size() == 45);
      REQUIRE(top.stack);
      const Frame *site = nullptr;
      for (const Frame &f : top.stack->frames)
        if (f.package == "main") {
          site = &f;
          break;
        }
      REQUIRE(site);
      CHECK(site->function == "main.(*ConnPool).acquire");
      const Goroutine &g = b.process.goroutines[top.goroutine_indexes.front()];
      CHECK(g.extras().labels == "\"handler\":\"/orders\"");
      CHECK(g.status == GoroutineStatus::Waiting);
      // The proto keeps runtime.chanrecv; debug=1 hides it.
      CHECK(g.wait_reason == (proto ? "chan receive" : ""));
      CHECK_FALSE(top.leak_reasons.empty());
      // The mutex waiters show their wait in both forms (sync frames are not hidden).
      bool mutex = false;
      for (const GoroutineGroup &grp : b.groups) mutex |= grp.wait_reason == "sync.Mutex.Lock";
      CHECK(mutex);
      DiffResult d = diff_reports(a, b);
      CHECK(d.grew == 1);
      CHECK(d.growing_leaks == 1);
      CHECK(diff_exit_status(d) == 4);
    }
  }
}
