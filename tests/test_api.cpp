// The library API (include/crashctl/crashctl.h) in-tree; tests/install_test.sh
// uses it from an installed prefix.
#include "cli_runner.h"
#include "crashctl/crashctl.h"

#include <catch2/catch.hpp>

#include <sstream>
#include <stdexcept>

namespace api = crashctl::api;

namespace {
const std::string kNilMap = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/fixtures/go1.26.8/nil-map.txt.zst";
}

TEST_CASE("the library API analyzes a file into plain structs", "[api]") {
  api::Analysis a = api::analyze_file(kNilMap);
  CHECK(a.path == kNilMap);
  CHECK(a.format == "traceback");
  CHECK_FALSE(a.failed);
  REQUIRE(a.reports.size() == 1);
  const api::Report &r = a.reports[0];
  CHECK(r.kind == "crash");
  CHECK(r.verdict_class == "nil-map-assignment");
  CHECK(r.summary.find("assignment to entry in nil map") != std::string::npos);
  CHECK(r.recoverable);
  CHECK(r.goroutine == 1);
  REQUIRE(r.culprit);
  CHECK(r.culprit->function == "main.(*Registry).register");
  CHECK(r.culprit->line == 117);
  CHECK(r.culprit->file.size() > 17);
  CHECK(r.culprit->file.compare(r.culprit->file.size() - 17, 17, "runtime_errors.go") == 0);
  CHECK(r.go_version.empty());  // crash text under /work/main: no GOROOT path tells it
  CHECK(r.signature.size() == 16);
  CHECK(r.goroutines >= 1);
  CHECK(api::exit_status({a}) == 0);
  CHECK(std::string(api::version()) == CRASHCTL_PROJECT_VERSION);
}

TEST_CASE("the library API: bytes, bad input, unusable options, limits, render", "[api]") {
  api::Analysis none = api::analyze_bytes("hello\n", "hello.txt");
  CHECK(none.path == "hello.txt");
  CHECK(none.reports.empty());
  CHECK(api::exit_status({none}) == 1);

  api::Analysis missing = api::analyze_file("/nonexistent/crash.txt");
  CHECK(missing.failed);
  REQUIRE_FALSE(missing.diagnostics.empty());
  CHECK(missing.diagnostics[0].severity == "error");
  CHECK(missing.diagnostics[0].message.find("cannot open") != std::string::npos);
  CHECK(api::exit_status({none, missing}) == 2);

  api::Options bad;
  bad.owners = "/nonexistent/owners";
  CHECK_THROWS_AS(api::analyze_file(kNilMap, bad), std::invalid_argument);
  api::Options bad_map;
  bad_map.path_maps = {"no-equals-sign"};
  std::ostringstream sink;
  CHECK_THROWS_AS(api::render({kNilMap}, api::Format::Editor, sink, bad_map), std::invalid_argument);
  CHECK_THROWS_AS(api::set_limit("no-such-limit=1"), std::invalid_argument);
  CHECK_THROWS_AS(api::set_limit("line-bytes=lots"), std::invalid_argument);
  CHECK_NOTHROW(api::set_limit("line-bytes=16M"));  // the default

  std::ostringstream json, text, editor;
  CHECK(api::render({kNilMap}, api::Format::Json, json) == 0);
  CHECK(json.str().find(std::string("\"schema_version\": \"") + api::json_schema_version() + "\"") !=
        std::string::npos);
  CHECK(json.str().find("\"nil-map-assignment\"") != std::string::npos);
  CHECK(api::render({kNilMap}, api::Format::Text, text) == 0);
  CHECK(text.str().find("culprit: main.(*Registry).register") != std::string::npos);
  CHECK(api::render({kNilMap, "/nonexistent/crash.txt"}, api::Format::Editor, editor) == 2);
  CHECK(editor.str().find(":117:1: error: nil-map-assignment") != std::string::npos);
  // HTML and SARIF as the CLI writes them.
  for (auto [format, flag] : {std::pair{api::Format::Html, "html"}, std::pair{api::Format::Sarif, "sarif"}}) {
    std::ostringstream lib;
    std::string cli;
    CHECK(api::render({kNilMap}, format, lib) == 0);
    CHECK(crashctl::testing::run_crashctl(std::string("analyze -f ") + flag + " " + kNilMap, cli) == 0);
    CHECK(lib.str() == cli);
    CHECK(lib.str().find("nil-map-assignment") != std::string::npos);
  }
}
