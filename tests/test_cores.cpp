// Core dumps from real Go toolchains (testdata/generate-cores.sh): verdicts,
// a cross-check of every goroutine against the runtime's own stderr of the
// same crash, defer chains and panic values against the scenario sources,
// and bad input.
#include "binary/executable.h"
#include "core/core_file.h"
#include "pipeline/analyze.h"
#include "render/render.h"
#include "test_support.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

using namespace crashctl;
using crashctl::test::decompressed_copy;
using crashctl::test::ManifestRow;
using crashctl::test::read_manifest;

namespace {

const std::string kCores = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/cores/";

Input analyze_core(const ManifestRow &r) {
  AnalysisOptions opts;
  opts.exe = decompressed_copy(kCores + r["exe"]);
  return analyze_input(test::core_fixture(kCores, r), opts);
}

// Same deliberate culprit rules as the crash-text fixtures (tests/test_fixtures.cpp).
std::string expected_culprit(const ManifestRow &r) {
  if (r["scenario"] == "repanic") return "main.decodeRecord";
  if (r["scenario"] == "cgo-segv") return "main.decodeRecord.func1";
  if (r["scenario"] == "cgo-segv-deep") return "main.renderReport";
  if (r["scenario"] == "cgo-libc-segv") return "main.measureLabels";
  return r["expected_culprit"];
}

const Goroutine *find(const Process &p, int64_t id) {
  for (const Goroutine &g : p.goroutines)
    if (g.id == id) return &g;
  return nullptr;
}

std::vector<std::string> functions(const Goroutine &g) {
  std::vector<std::string> out;
  for (const Frame &f : g.stack->frames) out.push_back(f.function);
  return out;
}

// A goroutine's defers as "function/kind/recover/state" strings.
std::vector<std::string> defer_list(const Goroutine &g) {
  std::vector<std::string> out;
  for (const Defer &d : g.details().defers) {
    std::string s = d.function + "/" + to_string(d.kind) + "/" + (d.calls_recover.value_or(false) ? "R" : "-") + "/" +
                    (d.running ? "running"
                     : d.ran   ? "ran"
                               : "pending");
    out.push_back(s);
  }
  return out;
}

// A goroutine's ancestors as "goid: function file:line+off ... <- creator:line"
// strings, for comparing a core with the runtime's text.
std::vector<std::string> ancestor_list(const Goroutine &g) {
  std::vector<std::string> out;
  for (const Ancestor &a : g.details().ancestors) {
    std::string s = std::to_string(a.goid) + ":";
    for (const Frame &f : a.stack->frames)
      s += " " + f.function + "(" + f.args + ") " + f.file + ":" + std::to_string(f.line) + "+" +
           std::to_string(f.pc_offset.value_or(0)) + (f.inlined ? " inlined" : "");
    if (a.stack->elided_at) s += " ...elided at " + std::to_string(*a.stack->elided_at);
    if (a.created_by) s += " <- " + a.created_by->function + ":" + std::to_string(a.created_by->line);
    out.push_back(std::move(s));
  }
  return out;
}

// The goroutine whose stack contains FUNCTION.
const Goroutine *running(const Process &p, const std::string &function) {
  for (const Goroutine &g : p.goroutines)
    for (const Frame &f : g.stack->frames)
      if (f.function == function) return &g;
  return nullptr;
}

}  // namespace

TEST_CASE("cores from real Go toolchains: verdict, culprit, crashing goroutine", "[cores]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  REQUIRE(rows.size() >= 100);
  std::set<std::string> releases;
  for (const ManifestRow &r : rows) {
    INFO("core " << r["core"]);
    releases.insert(r["release"]);
    Input in = analyze_core(r);
    for (const Diagnostic &d : in.diagnostics) {
      INFO(d.message);
      CHECK(d.severity != Severity::Error);
    }
    REQUIRE(in.reports.size() == 1);
    CHECK(in.format == InputFormat::Core);
    const Report &rep = in.reports.front();
    CHECK(rep.verdict.cls == test::class_named(r["expected_class"]));
    if (r["expected_crashing_goroutine"] != "-")
      CHECK(std::to_string(rep.verdict.goroutine) == r["expected_crashing_goroutine"]);
    std::string culprit = expected_culprit(r);
    if (culprit != "-") {
      REQUIRE(rep.verdict.culprit);
      CHECK(rep.verdict.culprit->frame.function == culprit);
    }
    CHECK(rep.kind == (r["source"] == "gcore" ? ReportKind::Snapshot : ReportKind::Crash));
    CHECK(rep.process.go_version.version == r["release"]);
    REQUIRE(rep.process.build_info);
    CHECK(!rep.process.build_info->main.path.empty());
  }
  CHECK(releases.size() >= 7);
}

TEST_CASE("cores agree with the runtime's own traceback of the same crash", "[cores]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  size_t compared_goroutines = 0, compared = 0, deadlocks = 0, compared_labels = 0, compared_ancestors = 0,
         compared_minutes = 0;
  for (const ManifestRow &r : rows) {
    if (!r.has("stderr") || r["stderr"] == "-") continue;
    INFO("core " << r["core"] << " vs " << r["stderr"]);
    Input text = analyze_input(kCores + r["stderr"], AnalysisOptions{});
    Input core = analyze_core(r);
    REQUIRE(text.reports.size() == 1);
    REQUIRE(core.reports.size() == 1);
    const Process &tp = text.reports[0].process, &cp = core.reports[0].process;
    ++compared;
    // The runtime prints pprof labels from Go 1.26 with GODEBUG=tracebacklabels=1
    // (on by default for go 1.27 modules); a core holds them in every release.
    bool labels_printed = cp.go_version.minor() >= 26 && r["notes"].find("tracebacklabels=1") != std::string::npos;
    // GOTRACEBACK=crash prints every goroutine, the runtime's included, and
    // after a signal each thread's g0 stack as "goroutine 0", which a core
    // keeps with its thread instead.
    size_t text_goroutines = 0;
    for (const Goroutine &tg : tp.goroutines) text_goroutines += tg.id != 0;
    CHECK(cp.goroutines.size() == text_goroutines);
    for (const Goroutine &tg : tp.goroutines) {
      if (tg.id == 0) continue;
      INFO("goroutine " << tg.id);
      const Goroutine *cg = find(cp, tg.id);
      REQUIRE(cg);
      ++compared_goroutines;
      CHECK(to_string(cg->status) == std::string(to_string(tg.status)));
      CHECK(cg->wait_reason == tg.wait_reason);
      CHECK(cg->locked_to_thread == tg.locked_to_thread);
      CHECK(cg->wait_minutes == tg.wait_minutes);
      if (labels_printed || !tg.details().labels.empty()) {
        CHECK(cg->details().labels == tg.details().labels);
        compared_labels += !tg.details().labels.empty();
      }
      CHECK(ancestor_list(*cg) == ancestor_list(tg));
      compared_ancestors += tg.details().ancestors.size();
      compared_minutes += tg.wait_minutes > 0;
      if (tg.created_by) {
        REQUIRE(cg->created_by);
        CHECK(cg->created_by->function == tg.created_by->function);
        CHECK(cg->created_by->line == tg.created_by->line);
        CHECK(cg->parent_goid == tg.parent_goid);
      }
      // The text starts the crashing goroutine at panic (or the fault); the
      // core also shows the runtime's frames above it.
      auto tf = functions(tg), cf = functions(*cg);
      if (tg.stack->elided_at) continue;
      REQUIRE(cf.size() >= tf.size());
      std::vector<std::string> tail(cf.end() - tf.size(), cf.end());
      CHECK(tail == tf);
      // Lines of the frames the text shows.
      for (size_t i = 0; i < tf.size(); ++i) {
        const Frame &a = tg.stack->frames[i], &b = cg->stack->frames[cf.size() - tf.size() + i];
        INFO("frame " << a.function);
        CHECK(a.line == b.line);
        CHECK(a.inlined == b.inlined);
        if (a.pc_offset) CHECK(a.pc_offset == b.pc_offset);
      }
    }
    // A fatal error is read from the crashing thread's frames, without stderr.
    REQUIRE(bool(cp.fatal) == bool(tp.fatal));
    if (tp.fatal) CHECK(cp.fatal->message == tp.fatal->message);
    // The panic chain as the runtime printed it.
    std::vector<std::string> tpanics, cpanics;
    for (const PanicRecord &pr : tp.panics) tpanics.push_back(pr.message);
    for (const PanicRecord &pr : cp.panics)
      if (!pr.goexit && pr.goroutine == core.reports[0].verdict.goroutine) cpanics.push_back(pr.message);
    CHECK(cpanics == tpanics);
    // One crash, one bucket: the signature depends only on the model.
    if (r["source"] != "gcore") {
      const Verdict &cv = core.reports[0].verdict, &tv = text.reports[0].verdict;
      INFO("signatures: " << cv.signature_text << " / " << tv.signature_text);
      CHECK(cv.signature == tv.signature);
      // Deadlocks bucket by what the blocked goroutines wait on (signature
      // version 2); the runtime's own goroutines, which cores show, are left out.
      if (r["expected_class"] == "deadlock") {
        CHECK(tv.signature_text.find(" | wait ") != std::string::npos);
        CHECK(tv.signature_text.find("@ runtime.") == std::string::npos);
        ++deadlocks;
      }
    }
  }
  CHECK(compared >= 100);
  CHECK(deadlocks >= 9);
  CHECK(compared_goroutines >= 1000);
  // labels: go1.26.8 and go1.27.4, 4 goroutines each; ancestors: 3 releases;
  // wait minutes: go1.26.8's wait-minutes.
  CHECK(compared_labels >= 8);
  CHECK(compared_ancestors >= 30);
  CHECK(compared_minutes >= 4);
}

// One signature per bug: the same scenario crashed on amd64 and on arm64 by
// the same release buckets together, from the cores and from both texts.
// Goroutine stacks are walked by several threads (core/decoder.cpp
// StackWalks) and the JSON written by several (render/json.cpp): every
// core's report must be the same bytes as with one thread.
TEST_CASE("cores decode and render the same with one thread or several", "[cores]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  REQUIRE(rows.size() >= 100);
  auto json_of = [](const ManifestRow &r, unsigned threads) {
    AnalysisOptions opts;
    opts.exe = decompressed_copy(kCores + r["exe"]);
    opts.threads = threads;
    Input in = analyze_input(test::core_fixture(kCores, r), opts);
    RenderOptions ro;
    ro.threads = threads;
    std::string out;
    llvm::raw_string_ostream os(out);
    render_json(os, {in}, ro);
    return out;
  };
  for (const ManifestRow &r : rows) {
    INFO("core " << r["core"]);
    std::string one = json_of(r, 1);
    CHECK(one.find("\"goroutines\": [") != std::string::npos);
    CHECK(json_of(r, 3) == one);
  }
}

TEST_CASE("amd64 and arm64 cores of one crash share its signature", "[cores]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  std::map<std::string, const ManifestRow *> amd64;
  for (const ManifestRow &r : rows)
    if (r["goarch"] == "amd64" && r["build_mode"] == "exe") amd64[r["release"] + " " + r["scenario"]] = &r;
  size_t pairs = 0;
  for (const ManifestRow &r : rows) {
    if (r["goarch"] != "arm64") continue;
    auto other = amd64.find(r["release"] + " " + r["scenario"]);
    if (other == amd64.end()) continue;
    // Which worker trips the concurrent map write is not the same in two runs.
    if (r["scenario"] == "concurrent-map-writes") continue;
    INFO("core " << r["core"] << " vs " << (*other->second)["core"]);
    Input arm = analyze_core(r), x86 = analyze_core(*other->second);
    Input arm_text = analyze_input(kCores + r["stderr"], AnalysisOptions{});
    REQUIRE(arm.reports.size() == 1);
    REQUIRE(x86.reports.size() == 1);
    REQUIRE(arm_text.reports.size() == 1);
    const Verdict &a = arm.reports[0].verdict, &x = x86.reports[0].verdict;
    INFO("signatures: " << a.signature_text << " / " << x.signature_text);
    CHECK(a.signature == x.signature);
    CHECK(arm_text.reports[0].verdict.signature == x.signature);
    CHECK(a.cls == x.cls);
    ++pairs;
  }
  CHECK(pairs >= 7 * 14);
}

// The line of testdata/scenarios-cgo/table.c that contains NEEDLE.
int table_c_line(const std::string &needle) {
  std::ifstream in(std::string(CRASHCTL_SOURCE_DIR) + "/testdata/scenarios-cgo/table.c");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(needle) != std::string::npos) return n;
  return -1;
}

// C frames: a fault three C frames below the cgo call is unwound by the
// executable's call frame information back into runtime.asmcgocall, each C
// frame named and placed by its DWARF; JSON calls them "c".
TEST_CASE("a fault in C code: the C frames between the signal and the cgo call", "[cores][cgo]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  std::set<std::string> arches;
  for (const ManifestRow &r : rows) {
    if (r["scenario"] != "cgo-segv-deep") continue;
    arches.insert(r["goarch"]);
    INFO("core " << r["core"]);
    Input in = analyze_core(r);
    REQUIRE(in.reports.size() == 1);
    const Process &p = in.reports[0].process;
    REQUIRE(p.runtime_stack_frames);
    std::vector<std::string> c_functions;
    std::vector<int> c_lines;
    std::string after_c;
    const auto &frames = p.runtime_stack_frames->frames;
    for (size_t i = 0; i < frames.size(); ++i) {
      if (!frames[i].non_go) continue;
      if (frames[i].function.rfind("_cgo_", 0) == 0) {  // cgo's generated C wrapper
        if (i + 1 < frames.size()) after_c = frames[i + 1].function;
        continue;
      }
      c_functions.push_back(frames[i].function);
      c_lines.push_back(frames[i].line);
      CHECK(frames[i].file.size() > 7);
      CHECK(frames[i].file.compare(frames[i].file.size() - 7, 7, "table.c") == 0);
    }
    CHECK(c_functions == std::vector<std::string>{"field_width", "layout_row", "render_table"});
    CHECK(c_lines == std::vector<int>{table_c_line("return f->width"), table_c_line("+= field_width("),
                                      table_c_line("+= layout_row(")});
    CHECK(after_c == "runtime.asmcgocall");  // back in Go, where g0 switches to the goroutine
    CHECK(in.reports[0].verdict.cls == test::class_named("cgo-signal"));

    std::string json;
    llvm::raw_string_ostream os(json);
    render_json(os, {in}, RenderOptions{});
    CHECK(json.find("\"function\": \"field_width\"") != std::string::npos);
    size_t at = json.find("\"function\": \"field_width\"");
    size_t lang = json.find("\"language\":", at);
    REQUIRE(lang != std::string::npos);
    CHECK(json.compare(lang, 15, "\"language\": \"c\"") == 0);
  }
  CHECK(arches == std::set<std::string>{"amd64", "arm64"});
}

// A fault inside libc: the C frames go on through libc's own call frame
// information, but only with the libc that ran (its build id, from the
// header page the core keeps). The fixture's libc is the generating
// machine's: on another machine the walk stops at libc with a warning.
TEST_CASE("a fault in a shared library: its frames need that library, checked by build id", "[cores][cgo]") {
  const ManifestRow *row = nullptr;
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  for (const ManifestRow &r : rows)
    if (r["scenario"] == "cgo-libc-segv" && r["goarch"] == "amd64") row = &r;
  REQUIRE(row);
  auto c_frames = [](const Input &in) {
    std::vector<const Frame *> out;
    REQUIRE(in.reports.size() == 1);
    REQUIRE(in.reports[0].process.runtime_stack_frames);
    for (const Frame &f : in.reports[0].process.runtime_stack_frames->frames)
      if (f.non_go) out.push_back(&f);
    return out;
  };
  auto warned = [](const Input &in, const std::string &what) {
    for (const Diagnostic &d : in.diagnostics)
      if (d.severity == Severity::Warning && d.message.find("C frames not unwound or named") != std::string::npos &&
          d.message.find(what) != std::string::npos)
        return true;
    return false;
  };
  Input in = analyze_core(*row);
  std::vector<const Frame *> c = c_frames(in);
  REQUIRE(!c.empty());
  // The libc the core maps (NT_FILE).
  std::string libc;
  {
    std::string bytes = test::decompressed_bytes(test::core_fixture(kCores, *row));
    auto core = core::CoreFile::from_bytes(bytes, "core");
    REQUIRE(bool(core));
    for (const binary::MappedFile &f : (*core)->files())
      if (f.path.find("/libc.so") != std::string::npos) libc = f.path;
  }
  REQUIRE(!libc.empty());
  INFO("libc: " << libc << "; its frame: " << c.front()->function << " " << c.front()->file);
  // Named by libc's symbols or debug file when this machine has them, else
  // by the library's path.
  CHECK((!c.front()->function.empty() || c.front()->file == libc));
  if (warned(in, "not the library that ran")) {
    WARN("this machine's libc is not the fixture's: only the walk's stop is checked");
    CHECK(c.size() == 1);
  } else {
    REQUIRE(c.size() >= 4);
    CHECK(c[1]->function == "name_length");
    CHECK(c[1]->line == table_c_line("return strlen(name)"));
    CHECK(c[2]->function == "label_width");
    CHECK(c[2]->line == table_c_line("+= name_length("));
  }

  // Under --sysroot, another file at libc's path is refused, and a missing
  // one is named; either way the walk stops at libc.
  std::string root = test::scratch_dir() + "/sysroot";
  llvm::sys::fs::create_directories(root + llvm::sys::path::parent_path(libc).str());
  AnalysisOptions opts;
  opts.exe = decompressed_copy(kCores + (*row)["exe"]);
  opts.sysroot = root;
  Input missing = analyze_input(test::core_fixture(kCores, *row), opts);
  CHECK(warned(missing, "cannot be read"));
  CHECK(c_frames(missing).size() == 1);
  REQUIRE(!llvm::sys::fs::copy_file(opts.exe, root + libc));  // a Go executable: another build id
  Input wrong = analyze_input(test::core_fixture(kCores, *row), opts);
  CHECK(warned(wrong, "not the library that ran"));
  CHECK(c_frames(wrong).size() == 1);
}

// Expected defers come from the comments in testdata/scenarios-core/*.go.
TEST_CASE("core defer chains match the scenario sources in every release", "[cores]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  size_t checked = 0;
  for (const ManifestRow &r : rows) {
    INFO("core " << r["core"]);
    const std::string &s = r["scenario"];
    if (r["source"] != "kernel") continue;
    Input in = analyze_core(r);
    REQUIRE(in.reports.size() == 1);
    const Process &p = in.reports[0].process;
    const Goroutine *g1 = find(p, 1);
    REQUIRE(g1);
    if (s == "open-coded-defers") {
      const Goroutine *serve = running(p, "main.serveSession");
      REQUIRE(serve);
      CHECK(defer_list(*serve) == std::vector<std::string>{"main.logExit/open-coded/-/pending",
                                                           "main.serveSession.func1/open-coded/R/pending",
                                                           "main.(*Conn).Close/open-coded/-/pending"});
      const Goroutine *poll = running(p, "main.pollUpstream");
      REQUIRE(poll);
      CHECK(defer_list(*poll) == std::vector<std::string>{"main.releaseBuffer/open-coded/-/pending",
                                                          "main.guard/open-coded/R/pending",
                                                          "main.logExit/open-coded/-/pending"});
      CHECK(defer_list(*g1).front() == "main.logExit/open-coded/-/ran");
      CHECK(in.reports[0].verdict.explanation.find("main.guard") != std::string::npos);
      ++checked;
    } else if (s == "linked-defers") {
      const Goroutine *drain = running(p, "main.drainQueues");
      REQUIRE(drain);
      CHECK(defer_list(*drain) ==
            std::vector<std::string>{"main.releaseSlot/heap/-/pending", "main.releaseSlot/heap/-/pending",
                                     "main.releaseSlot/heap/-/pending", "main.closeQueues/stack/-/pending"});
      const Goroutine *shut = running(p, "main.shutdownAll");
      REQUIRE(shut);
      auto d = defer_list(*shut);
      REQUIRE(d.size() == 10);
      CHECK(d.front() == "main.guard/stack/R/pending");
      for (size_t i = 1; i < d.size(); ++i) CHECK(d[i] == "main.closeStep/stack/-/pending");
      ++checked;
    } else if (s == "goexit-pending") {
      const Goroutine *w = running(p, "main.workerMain");
      REQUIRE(w);
      CHECK(defer_list(*w) == std::vector<std::string>{"main.markStopping/open-coded/-/ran",
                                                       "main.flushAndWait/open-coded/-/running",
                                                       "main.logExit/open-coded/-/pending"});
      bool goexit = false;
      for (const PanicRecord &pr : p.panics) goexit |= pr.goexit && pr.goroutine == w->id;
      CHECK(goexit);
      ++checked;
    } else if (s == "indirect-recover") {
      REQUIRE_FALSE(g1->details().defers.empty());
      const Defer &d = g1->details().defers.front();
      CHECK(d.function == "main.cleanupJob");
      CHECK(d.ran);
      CHECK(d.calls_recover == false);
      CHECK(d.indirect_recover == "main.tryRecover");
      ++checked;
    } else if (s == "rangefunc-defers") {
      const Goroutine *g = running(p, "main.replayLog");
      REQUIRE(g);
      CHECK(defer_list(*g) ==
            std::vector<std::string>{"main.undoEntry/rangefunc/-/pending", "main.undoEntry/rangefunc/-/pending",
                                     "main.undoEntry/rangefunc/-/pending", "main.closeLog/stack/-/pending"});
      ++checked;
    }
  }
  CHECK(checked >= 30);
}

TEST_CASE("core panic values", "[cores]") {
  // Values that are neither errors nor Stringers keep their type in
  // _panic.arg; the others were replaced by their text before printing
  // (runtime.preprintpanics), so the core holds a string.
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"value-custom-int", {"main.Priority", "7"}},
      {"value-struct", {"main.LimitExceeded", "main.LimitExceeded{Resource: \"memory\", Used: 1536, Limit: 1024}"}},
      {"value-stringer", {"string", "Point(3,-1 \"origin\")"}},
  };
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  size_t checked = 0;
  for (const ManifestRow &r : rows) {
    auto it = expected.find(r["scenario"]);
    if (it == expected.end()) continue;
    INFO("core " << r["core"]);
    Input in = analyze_core(r);
    REQUIRE(in.reports.size() == 1);
    const auto &panics = in.reports[0].process.panics;
    REQUIRE_FALSE(panics.empty());
    CHECK(panics.back().value_type == it->second.first);
    CHECK(panics.back().value == it->second.second);
    ++checked;
  }
  CHECK(checked >= 20);
}

// testdata/scenarios-core/gstate.go: the labels set with pprof.Do and
// SetGoroutineLabels, the go statements' chain, the wait of over a minute.
TEST_CASE("core goroutine state: pprof labels, ancestors and wait minutes", "[cores]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  std::set<std::string> label_releases, ancestor_releases;
  size_t waits = 0;
  for (const ManifestRow &r : rows) {
    const std::string &s = r["scenario"];
    if (s != "labels" && s != "ancestors" && s != "wait-minutes") continue;
    INFO("core " << r["core"]);
    Input in = analyze_core(r);
    REQUIRE(in.reports.size() == 1);
    const Process &p = in.reports[0].process;
    // As the core's release prints them: every key and value quoted before
    // 1.27 (1.26's "labels:{...}"), only those that need it from 1.27.
    bool v127 = p.go_version.minor() >= 27;
    auto labels_of = [&](const std::string &function) {
      const Goroutine *g = running(p, function);
      REQUIRE(g);
      return g->details().labels;
    };
    if (s == "labels") {
      label_releases.insert(r["release"]);
      CHECK(find(p, 1)->details().labels == (v127 ? "tenant: acme" : "\"tenant\": \"acme\""));
      std::set<std::string> ingest;
      for (const Goroutine &g : p.goroutines)
        for (const Frame &f : g.stack->frames)
          if (f.function == "main.ingestWorker") ingest.insert(g.details().labels);
      CHECK(ingest == (v127 ? std::set<std::string>{"shard: 3, worker: ingest", "shard: 7, worker: ingest"}
                            : std::set<std::string>{"\"shard\": \"3\", \"worker\": \"ingest\"",
                                                    "\"shard\": \"7\", \"worker\": \"ingest\""}));
      CHECK(
          labels_of("main.exportWorker") ==
          (v127
               ? R"(city: "z\u00fcrich", "quoted \"key\"": "tab\there", region: "eu-west/1", worker: export)"
               : R"("city": "z\u00fcrich", "quoted \"key\"": "tab\there", "region": "eu-west/1", "worker": "export")"));
      CHECK(labels_of("main.unlabeled").empty());
    } else if (s == "ancestors") {
      ancestor_releases.insert(r["release"]);
      const Goroutine *leaf = running(p, "main.leafTask");
      const Goroutine *spawn_leaf = running(p, "main.spawnLeaf");
      const Goroutine *spawn_middle = running(p, "main.spawnMiddle");
      REQUIRE(leaf);
      REQUIRE(spawn_leaf);
      REQUIRE(spawn_middle);
      CHECK(in.reports[0].verdict.goroutine == leaf->id);
      const auto &a = leaf->details().ancestors;
      REQUIRE(a.size() == 3);
      CHECK(a[0].goid == spawn_leaf->id);
      CHECK(a[1].goid == spawn_middle->id);
      CHECK(a[2].goid == 1);
      // Each ancestor's frames hold the function whose go statement made the next.
      const char *site[] = {"main.spawnLeaf", "main.spawnMiddle", "main.startTree"};
      for (size_t i = 0; i < 3; ++i) {
        INFO("ancestor " << i);
        bool found = false;
        for (const Frame &f : a[i].stack->frames) found |= f.function == site[i] && f.args == "...";
        CHECK(found);
      }
      REQUIRE(a[0].created_by);
      CHECK(a[0].created_by->function == "main.spawnMiddle");
      REQUIRE(a[1].created_by);
      CHECK(a[1].created_by->function == "main.startTree");
      CHECK_FALSE(a[2].created_by);  // goroutine 1: the runtime prints no creator
      REQUIRE(spawn_leaf->details().ancestors.size() == 2);
      CHECK(find(p, 1)->details().ancestors.empty());
    } else {
      ++waits;
      size_t stalled = 0;
      for (const Goroutine &g : p.goroutines)
        for (const Frame &f : g.stack->frames)
          if (f.function == "main.stalledConsumer") {
            CHECK(g.wait_minutes == 1);
            ++stalled;
          }
      CHECK(stalled == 3);
      CHECK(find(p, 1)->wait_minutes == -1);  // running
    }
  }
  CHECK(label_releases.size() >= 3);  // a map[string]string (go1.23.12) and a slice of labels (go1.26.8, go1.27.4)
  CHECK(ancestor_releases.size() >= 3);
  CHECK(waits >= 1);
}

TEST_CASE("bad core input gives errors and partial results, never a crash", "[cores]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  const ManifestRow *nil = nullptr, *other = nullptr;
  for (const ManifestRow &r : rows)
    if (r["release"] == "go1.26.8" && r["scenario"] == "nil-deref")
      nil = &r;
    else if (r["release"] == "go1.21.13" && r["scenario"] == "open-coded-defers" && r["build_mode"] == "exe" &&
             r["goarch"] == "amd64")
      other = &r;
  REQUIRE(nil);
  REQUIRE(other);
  SECTION("the wrong executable is refused") {
    AnalysisOptions opts;
    opts.exe = decompressed_copy(kCores + (*other)["exe"]);
    Input in = analyze_input(kCores + (*nil)["core"], opts);
    CHECK(in.failed);
    CHECK(in.reports.empty());
    REQUIRE_FALSE(in.diagnostics.empty());
    CHECK(in.diagnostics.back().message.find("is not the executable") != std::string::npos);
  }
  SECTION("the executable is found by build id under --debug-dir") {
    // Go writes a GNU build id from 1.24; name a copy of the executable by it.
    const ManifestRow *r = nullptr;
    for (const ManifestRow &row : rows)
      if (row["release"] == "go1.26.8" && row["scenario"] == "open-coded-defers" && row["build_mode"] == "exe" &&
          row["goarch"] == "amd64")
        r = &row;
    REQUIRE(r);
    auto exe = binary::Executable::open(kCores + (*r)["exe"]);
    REQUIRE(bool(exe));
    std::string id = (*exe)->gnu_build_id();
    REQUIRE(id.size() > 8);
    std::string dir = decompressed_copy(kCores + (*r)["exe"]) + ".debug-dir";
    llvm::sys::fs::create_directories(dir + "/.build-id/" + id.substr(0, 2));
    REQUIRE_FALSE(llvm::sys::fs::copy_file(decompressed_copy(kCores + (*r)["exe"]),
                                           dir + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2)));
    AnalysisOptions opts;
    opts.debug_dirs = {dir};
    Input in = analyze_input(kCores + (*r)["core"], opts);
    REQUIRE(in.reports.size() == 1);
    CHECK(in.reports[0].verdict.cls == VerdictClass::NilPointerDereference);
    opts.debug_dirs = {dir + "/nothing-here"};
    CHECK(analyze_input(kCores + (*r)["core"], opts).failed);
  }
  SECTION("a missing executable is named") {
    Input in = analyze_input(kCores + (*nil)["core"], AnalysisOptions{});
    CHECK(in.failed);
    REQUIRE_FALSE(in.diagnostics.empty());
    CHECK(in.diagnostics.back().message.find("--exe") != std::string::npos);
  }
  SECTION("truncated and corrupted cores") {
    std::string core_path = decompressed_copy(kCores + (*nil)["core"]);
    auto buf = llvm::MemoryBuffer::getFile(core_path);
    REQUIRE(buf);
    std::string bytes = (*buf)->getBuffer().str();
    AnalysisOptions opts;
    opts.exe = decompressed_copy(kCores + (*nil)["exe"]);
    size_t partial = 0;
    for (size_t cut : {size_t(64), size_t(4096), bytes.size() / 8, bytes.size() / 2, bytes.size() - 4096}) {
      INFO("cut at " << cut);
      std::string path = core_path + ".cut";
      std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(cut));
      Input in = analyze_input(path, opts);
      CHECK_FALSE(in.diagnostics.empty());
      partial += !in.reports.empty();
    }
    CHECK(partial >= 1);
    // A compressed core cut short (a systemd-coredump .zst interrupted):
    // the input is incomplete (an error, exit status 2), yet what was
    // decompressed is read.
    {
      auto zst = llvm::MemoryBuffer::getFile(kCores + (*nil)["core"]);
      REQUIRE(zst);
      std::string cut_path = core_path + ".cut.zst";
      std::ofstream(cut_path, std::ios::binary)
          .write((*zst)->getBufferStart(), std::streamsize((*zst)->getBufferSize() * 9 / 10));
      Input in = analyze_input(cut_path, opts);
      CHECK(in.failed);
      REQUIRE_FALSE(in.diagnostics.empty());
      CHECK(in.diagnostics.front().severity == Severity::Error);
      REQUIRE(in.reports.size() == 1);
      CHECK(in.reports[0].verdict.cls == VerdictClass::NilPointerDereference);
      CHECK(exit_status({in}) == 2);
    }
    // Flip bytes all over the file: whatever is read must not crash.
    std::string damaged = bytes;
    for (size_t at = 0; at < damaged.size(); at += 977) damaged[at] = char(damaged[at] ^ 0x5a);
    std::string path = core_path + ".damaged";
    std::ofstream(path, std::ios::binary).write(damaged.data(), std::streamsize(damaged.size()));
    Input in = analyze_input(path, opts);
    CHECK((in.failed || !in.reports.empty()));
  }
}

TEST_CASE("a core's culprit carries the module and version of its build info", "[cores][attribution]") {
  auto rows = read_manifest(kCores + "MANIFEST.tsv");
  size_t checked = 0;
  for (const ManifestRow &r : rows) {
    if (r["release"] != "go1.26.8" || r["expected_culprit"].rfind("main.", 0) != 0) continue;
    INFO("core " << r["core"]);
    Input in = analyze_core(r);
    REQUIRE(in.reports.size() == 1);
    const Report &rep = in.reports.front();
    REQUIRE(rep.process.build_info);
    REQUIRE(rep.verdict.culprit);
    // Package main: the build's main module, whose version a build from a
    // checkout records as "(devel)", which is no version.
    CHECK(rep.verdict.culprit->module == rep.process.build_info->main.path);
    CHECK(rep.process.build_info->main.version == "(devel)");
    CHECK(rep.verdict.culprit->version.empty());
    if (++checked == 3) break;
  }
  CHECK(checked == 3);
}
