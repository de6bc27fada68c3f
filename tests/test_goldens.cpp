// JSON, editor and text goldens: the tool's output for real fixtures,
// reviewed by hand against the runtime's own text. Regenerate with
//   CRASHCTL_UPDATE_GOLDENS=1 build/tests/crashctl_tests "[goldens]"
// and review the diff line by line before committing.
#include "json_schema_check.h"
#include "test_support.h"

#include "analysis/source_paths.h"
#include "pipeline/analyze.h"
#include "render/render.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>

using namespace crashctl;

namespace {

const char *kGoldens[] = {
    "go1.26.8/nil-deref.all",   "go1.21.13/panic-in-defer",
    "go1.19.8/deadlock",        "go1.25.14/repanic",
    "go1.22.12/stack-overflow", "go1.27.4/labels",
    "go1.24.13/sigquit",        "go1.23.12/race",
    "go1.26.8/test-timeout",    "go1.21.13/deep-recursion-panic",
};

// Logs from real libraries and pipelines (testdata/logs), goldens named
// logs_<release>_<scenario>: recovered panics of four producers, a log with
// a recovered panic and then its crash, both profile forms, CRI chunks.
const char *kLogGoldens[] = {
    "logs/go1.26.8/nethttp.log.zst",
    "logs/go1.26.8/gin-recovery.log.zst",
    "logs/go1.26.8/zap-production.log.zst",
    "logs/go1.26.8/klog-crash.log.zst",
    "logs/go1.26.8/profile-debug1.a.txt.zst",
    "logs/go1.26.8/profile-debug0.a.pb.gz",
    "logs/wrapped/cri/panic-in-goroutine.all.max40.log.zst",
};

// Cores and heap dumps, read with their executable: {input, executable}
// under testdata/.
const std::pair<const char *, const char *> kBinaryGoldens[] = {
    {"cores/go1.26.8/open-coded-defers.core.zst", "cores/go1.26.8/scenarios-core.exe.zst"},
    {"cores/go1.21.13/goexit-pending.core.zst", "cores/go1.21.13/scenarios-core.exe.zst"},
    {"heapdumps/go1.26.8/panic.dump.zst", "heapdumps/go1.26.8/exe.zst"},
};

std::string slurp(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

enum class Golden { Json, Editor, Text };

std::string render(const Input &in, Golden what) {
  // Paths map the same way on every machine: no filesystem probing.
  SourcePathMapper paths([](llvm::StringRef) { return false; });
  paths.add_path_map("/work/main/testdata", "testdata");
  RenderOptions opts;
  opts.paths = &paths;
  opts.tool_version = "golden";
  std::string out;
  llvm::raw_string_ostream os(out);
  switch (what) {
    case Golden::Json: render_json(os, {in}, opts); break;
    case Golden::Editor: render_editor(os, {in}, opts); break;
    case Golden::Text: render_text(os, {in}, opts); break;
  }
  os.flush();
  return out;
}

}  // namespace

TEST_CASE("goldens: JSON, editor and text output of real fixtures", "[goldens]") {
  const std::string src = CRASHCTL_SOURCE_DIR;
  auto schema = llvm::json::parse(slurp(src + "/formats/output.schema.json"));
  REQUIRE(bool(schema));
  bool update = std::getenv("CRASHCTL_UPDATE_GOLDENS") != nullptr;
  std::vector<std::pair<std::string, std::string>> cases;  // input, executable
  for (const char *name : kGoldens) cases.emplace_back(std::string("fixtures/") + name + ".txt.zst", "");
  for (const auto &[input, exe] : kBinaryGoldens) cases.emplace_back(input, exe);
  for (const char *log : kLogGoldens) cases.emplace_back(log, "");
  for (const auto &[name, exe] : cases) {
    INFO("golden " << name);
    std::string rel = "testdata/" + name;
    AnalysisOptions opts;
    if (!exe.empty()) opts.exe = test::decompressed_copy(src + "/testdata/" + exe);
    Input in = analyze_input(src + "/" + rel, opts);
    in.path = rel;
    // The executable was decompressed to a temporary path: name the committed one.
    for (Report &r : in.reports)
      if (!r.process.executable.empty()) r.process.executable = "testdata/" + exe;
    if (in.executable) in.executable->path = "testdata/" + exe;
    std::string stem = name.rfind("logs/", 0) == 0 ? name : name.substr(name.find('/') + 1);
    for (const char *ext : {".txt.zst", ".log.zst", ".pb.gz", ".zst"})
      if (stem.size() > strlen(ext) && stem.compare(stem.size() - strlen(ext), strlen(ext), ext) == 0)
        stem.resize(stem.size() - strlen(ext));
    std::replace(stem.begin(), stem.end(), '/', '_');
    for (Golden what : {Golden::Json, Golden::Editor, Golden::Text}) {
      bool json = what == Golden::Json;
      std::string got = render(in, what);
      std::string path = src + "/testdata/goldens/" + stem +
                         (json                     ? ".json"
                          : what == Golden::Editor ? ".editor"
                                                   : ".text");
      if (update) {
        std::ofstream(path, std::ios::binary) << got;
        continue;
      }
      std::string want = slurp(path);
      REQUIRE_FALSE(want.empty());
      CHECK(got == want);
      if (json) {
        auto doc = llvm::json::parse(got);
        REQUIRE(bool(doc));
        auto errors = schema_check::validate(*schema, *doc);
        for (const auto &e : errors) FAIL_CHECK(e);
      }
    }
  }
}
