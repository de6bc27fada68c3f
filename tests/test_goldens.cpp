// JSON and editor goldens: the tool's output for real fixtures, reviewed by
// hand against the runtime's own text. Regenerate with
//   CRASHCTL_UPDATE_GOLDENS=1 build/tests/crashctl_tests "[goldens]"
// and review the diff line by line before committing.
#include "json_schema_check.h"

#include "analysis/source_paths.h"
#include "pipeline/analyze.h"
#include "render/render.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

using namespace crashctl;

namespace {

const char *kGoldens[] = {
    "go1.26.8/nil-deref.all",         "go1.21.13/panic-in-defer", "go1.19.8/deadlock",
    "go1.25.14/repanic",              "go1.22.12/stack-overflow", "go1.27.4/labels",
    "go1.24.13/sigquit",              "go1.23.12/race",           "go1.26.8/test-timeout",
    "go1.21.13/deep-recursion-panic",
};

std::string slurp(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

std::string render(const Input &in, bool json) {
  // Paths map the same way on every machine: no filesystem probing.
  SourcePathMapper paths([](llvm::StringRef) { return false; });
  paths.add_path_map("/work/main/testdata", "testdata");
  RenderOptions opts;
  opts.paths = &paths;
  opts.tool_version = "golden";
  std::string out;
  llvm::raw_string_ostream os(out);
  if (json) render_json(os, {in}, opts);
  else render_editor(os, {in}, opts);
  os.flush();
  return out;
}

}  // namespace

TEST_CASE("goldens: JSON and editor output of real fixtures", "[goldens]") {
  const std::string src = CRASHCTL_SOURCE_DIR;
  auto schema = llvm::json::parse(slurp(src + "/formats/output.schema.json"));
  REQUIRE(bool(schema));
  bool update = std::getenv("CRASHCTL_UPDATE_GOLDENS") != nullptr;
  for (const char *name : kGoldens) {
    INFO("golden " << name);
    std::string rel = std::string("testdata/fixtures/") + name + ".txt.zst";
    Input in = analyze_input(src + "/" + rel, AnalysisOptions{});
    in.path = rel;
    std::string stem = std::string(name);
    std::replace(stem.begin(), stem.end(), '/', '_');
    for (bool json : {true, false}) {
      std::string got = render(in, json);
      std::string path = src + "/testdata/goldens/" + stem + (json ? ".json" : ".editor");
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
