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
    CHECK(v.cls == test::class_named(r["expected_class"]));
    releases.insert(r["go_version"]);
    producers.insert(r["producer"].substr(0, r["producer"].find('@')));
    // zap's stack on an ordinary error, and a stackless log line about an
    // earlier panic before a crash, are no recovered panics.
    if (r["scenario"] == "zap-error" || r["scenario"] == "zap-nostack-then-crash") {
      CHECK(report_of_kind(in, "recovered") == nullptr);
      CHECK(in.reports.size() == 1);
    }
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
      CHECK(g.details().labels == "\"handler\":\"/orders\"");
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

namespace {

struct Expected {
  const char *kind;
  VerdictClass cls;
  const char *culprit, *recovered_by, *message;  // message: a prefix of the first line
};

// What the programs that logwrappers/ runs live produce (read from their
// source: testdata/logwrappers/{crashy,journalsend,gotest,klogdemo}).
const Expected kCrashyUnicode{"crash", VerdictClass::ExplicitPanic, "main.render", "-",
                              "commande 42 refusée: café ☕ 💥 FATAL progress 50%\r100%"};
const Expected kCrashyLong{"crash", VerdictClass::ExplicitPanic, "main.validate", "-",
                           "payload rejected by schema validator for tenant acme: {\"items\":["};
const Expected kJournalSend{"recovered", VerdictClass::NilPointerDereference, "main.(*session).greet",
                            "main.handle.func1", "runtime error: invalid memory address or nil pointer dereference"};
const Expected kGotestRecovered{"recovered", VerdictClass::NilPointerDereference,
                                "crashctl.test/logwrappers/gotest.(*Ledger).Transfer",
                                "crashctl.test/logwrappers/gotest.TestTransferRecovered.func1",
                                "runtime error: invalid memory address or nil pointer dereference"};
const Expected kGotestCrash{"crash", VerdictClass::IndexOutOfRange, "crashctl.test/logwrappers/gotest.Fee", "-",
                            "runtime error: index out of range [3] with length 2"};
const Expected kKlogCrash{"crash", VerdictClass::NilPointerDereference, "main.(*reconciler).reconcile", "-",
                          "runtime error: invalid memory address or nil pointer dereference"};
Expected klog_recovered(const char *by) {
  return {"recovered", VerdictClass::NilPointerDereference, "main.(*reconciler).reconcile", by,
          "runtime error: invalid memory address or nil pointer dereference"};
}

std::vector<Expected> expected_live(const std::string &file, const std::string &source) {
  if (source.find("crashy unicode") != std::string::npos) return {kCrashyUnicode};
  if (source.find("crashy long") != std::string::npos) return {kCrashyLong};
  if (source.find("journalsend") != std::string::npos) return {kJournalSend};
  if (source.find("klogdemo errorf") != std::string::npos) return {klog_recovered("main.syncErrorf.func1")};
  if (source.find("klogdemo errors") != std::string::npos) return {klog_recovered("main.syncErrorS.func1")};
  if (source.find("klogdemo handlecrash") != std::string::npos)
    return {klog_recovered("k8s.io/apimachinery/pkg/util/runtime.HandleCrash"), kKlogCrash};
  if (source.find("gotest") != std::string::npos) {
    // gotestsum's testname format prints passing tests' output only in its
    // github-actions form; both print a failure twice (as it runs, then in a summary).
    if (file.find("gotestsum-testname") != std::string::npos) return {kGotestCrash, kGotestCrash};
    if (file.find("github-actions/gotestsum") != std::string::npos)
      return {kGotestRecovered, kGotestCrash, kGotestCrash};
    return {kGotestRecovered, kGotestCrash};
  }
  return {};
}

// Wrappers that lose the line that names the crash: journalctl's short
// formats without -a show "[67B blob data]" for a line with control
// characters, and its JSON shows a message over 4096 bytes as null.
bool loses_crash_line(const std::string &file) {
  return file == "journald/crashy-unicode.short-iso.zst" || file == "journald/crashy-unicode.verbose.zst" ||
         file == "journald/crashy-long.json.zst";
}

std::vector<Expected> expected_from(const Input &in, std::vector<std::string> &messages) {
  std::vector<Expected> out;
  for (const Report &r : in.reports) {
    const Process &p = r.process;
    messages.push_back(!p.panics.empty() ? p.panics.back().message : p.fatal ? p.fatal->message : "");
    out.push_back({to_string(r.kind), r.verdict.cls.value_or(VerdictClass::Unknown),
                   r.verdict.culprit ? r.verdict.culprit->frame.function.c_str() : "-",
                   r.verdict.recovered_by ? r.verdict.recovered_by->function.c_str() : "-", messages.back().c_str()});
  }
  return out;
}

}  // namespace

TEST_CASE("crash text wrapped by real log pipelines gives the verdict of the text itself", "[logs][wrapped]") {
  const std::string root = std::string(CRASHCTL_SOURCE_DIR) + "/";
  const std::string dir = root + "testdata/logs/wrapped/";
  auto rows = read_manifest(dir + "MANIFEST.tsv");
  REQUIRE(rows.size() >= 80);
  std::set<std::string> wrappers;
  size_t same_signature = 0;
  for (const ManifestRow &r : rows) {
    const std::string &file = r["file"], &source = r["source_input"];
    INFO("wrapped " << file << " from " << source);
    wrappers.insert(r["wrapper"]);
    Input in = analyze_input(dir + file, AnalysisOptions{});
    CHECK_FALSE(in.failed);
    if (loses_crash_line(file)) {
      REQUIRE(in.reports.size() == 1);
      CHECK(in.reports[0].kind == ReportKind::Snapshot);
      CHECK(in.reports[0].verdict.low_confidence);
      continue;
    }
    std::vector<Expected> want;
    std::vector<std::string> source_messages;
    Input original;
    bool from_file = source.rfind("testdata/", 0) == 0 && source.find("live run") == std::string::npos;
    if (from_file) {
      original = analyze_input(root + source, AnalysisOptions{});
      want = expected_from(original, source_messages);
    } else {
      want = expected_live(file, source);
    }
    REQUIRE_FALSE(want.empty());
    REQUIRE(in.reports.size() == want.size());
    // panicparse's pp rewrites stacks in its own layout: only the crash line survives.
    bool panicparse = file.find(".pp.") != std::string::npos;
    for (size_t i = 0; i < want.size(); ++i) {
      const Report &rep = in.reports[i];
      const Expected &e = want[i];
      CHECK(std::string(to_string(rep.kind)) == e.kind);
      CHECK(rep.verdict.cls == e.cls);
      if (panicparse) continue;
      CHECK((rep.verdict.culprit ? rep.verdict.culprit->frame.function : std::string("-")) == e.culprit);
      CHECK((rep.verdict.recovered_by ? rep.verdict.recovered_by->function : std::string("-")) == e.recovered_by);
      std::string message = !rep.process.panics.empty() ? rep.process.panics.back().message
                            : rep.process.fatal         ? rep.process.fatal->message
                                                        : "";
      std::string prefix = e.message;
      // docker replaces a UTF-8 character cut by its 16 KiB split with U+FFFD on both sides.
      if (from_file)
        CHECK(message.substr(0, message.find('\n')) == prefix.substr(0, prefix.find('\n')));
      else
        CHECK(message.compare(0, prefix.size(), prefix) == 0);
      if (!from_file || !original.reports[i].verdict.low_confidence) CHECK_FALSE(rep.verdict.low_confidence);
      // One bug, one bucket, under every wrapper (formats/signature.md).
      if (from_file) {
        INFO(rep.verdict.signature_text << " / " << original.reports[i].verdict.signature_text);
        CHECK(rep.verdict.signature == original.reports[i].verdict.signature);
        ++same_signature;
      }
    }
  }
  CHECK(wrappers.size() >= 7);
  CHECK(same_signature >= 50);
}
