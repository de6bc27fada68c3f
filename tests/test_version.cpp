// `crashctl --version`: the version, commit, LLVM, the Go releases of each
// input kind (as formats/ documents them) and the JSON schema versions.
#include "cli_runner.h"
#include "pipeline/analyze.h"
#include "render/diff_render.h"
#include "render/render.h"
#include "triage/triage.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

#include <regex>

using crashctl::testing::run_crashctl;

namespace {
std::string source_file(const std::string &rel) {
  auto buf = llvm::MemoryBuffer::getFile(std::string(CRASHCTL_SOURCE_DIR) + "/" + rel);
  REQUIRE(buf);
  return (*buf)->getBuffer().str();
}
}  // namespace

TEST_CASE("crashctl --version names the version, commit, LLVM, Go releases per input kind and schema versions",
          "[cli][version]") {
  std::string out;
  REQUIRE(run_crashctl("--version", out) == 0);
  INFO(out);
  CHECK(out.rfind("crashctl " CRASHCTL_PROJECT_VERSION "\ncommit ", 0) == 0);
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("\ncommit (\\S+)\n")));
  CHECK(std::regex_match(m[1].str(), std::regex("[0-9a-f]{40}|unknown")));
  CHECK(out.find("\nLLVM " LLVM_VERSION_STRING " ") != std::string::npos);
  CHECK(out.find("\n  crash text and logs   go1.2 to go1.27\n") != std::string::npos);
  CHECK(out.find("\n  core dumps            go1.21 to go1.27\n") != std::string::npos);
  CHECK(out.find("\n  heap dumps            go1.21 to go1.27\n") != std::string::npos);
  CHECK(out.find("\n  goroutine profiles    go1.23 to go1.27\n") != std::string::npos);
  CHECK(out.find(std::string("JSON output schemas: analyze ") + crashctl::kJsonSchemaVersion + ", diff " +
                 crashctl::kDiffSchemaVersion + ", triage " + crashctl::triage::kSchemaVersion + "\n") !=
        std::string::npos);
  // The schema files say the same versions.
  CHECK(source_file("formats/output.schema.json").find(std::string("\"const\": \"") + crashctl::kJsonSchemaVersion) !=
        std::string::npos);
  CHECK(source_file("formats/diff.schema.json").find(std::string("\"const\": \"") + crashctl::kDiffSchemaVersion) !=
        std::string::npos);
  CHECK(
      source_file("formats/triage.schema.json").find(std::string("\"const\": \"") + crashctl::triage::kSchemaVersion) !=
      std::string::npos);
}

TEST_CASE("the Go releases of each decoder are those its formats/ page was checked against", "[version]") {
  const std::map<crashctl::InputFormat, std::string> page = {
      {crashctl::InputFormat::Traceback, "formats/traceback.md"},
      {crashctl::InputFormat::Core, "formats/core.md"},
      {crashctl::InputFormat::HeapDump, "formats/heapdump.md"},
      {crashctl::InputFormat::Profile, "formats/profile.md"},
  };
  auto releases = crashctl::supported_go_releases();
  CHECK(releases.size() == page.size());
  for (const crashctl::GoReleases &r : releases) {
    INFO(crashctl::to_string(r.format) << ": " << r.oldest << " to " << r.newest);
    REQUIRE(page.count(r.format));
    std::string doc = source_file(page.at(r.format));
    // "go1.21" is documented as a patch release, "go1.21.13", or as "Go 1.21".
    auto documented = [&](const std::string &release) {
      std::string spoken = "Go " + release.substr(2);
      return doc.find(release + ".") != std::string::npos || std::regex_search(doc, std::regex(spoken + "(?![0-9.])"));
    };
    CHECK(documented(r.oldest));
    CHECK(documented(r.newest));
    // Nothing older than the oldest is claimed: go1.20 is not in core.md.
    std::string before = "go1." + std::to_string(std::stoi(std::string(r.oldest).substr(4)) - 1) + ".";
    CHECK(doc.find(before) == std::string::npos);
  }
}
