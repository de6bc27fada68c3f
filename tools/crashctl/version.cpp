// `crashctl --version`: what this build is and what it reads and writes.
#include "commands.h"

#include "build_info.h"
#include "pipeline/analyze.h"
#include "render/diff_render.h"
#include "render/render.h"
#include "triage/triage.h"

#include "llvm/Config/llvm-config.h"

namespace crashctl_cli {

namespace {
const char *input_kind_label(crashctl::InputFormat f) {
  switch (f) {
    case crashctl::InputFormat::Traceback: return "crash text and logs";
    case crashctl::InputFormat::Core: return "core dumps";
    case crashctl::InputFormat::HeapDump: return "heap dumps";
    case crashctl::InputFormat::Profile: return "goroutine profiles";
    case crashctl::InputFormat::Unknown: break;
  }
  return crashctl::to_string(f);
}
}  // namespace

std::string version_text() {
  std::string s = std::string("crashctl ") + CRASHCTL_VERSION + "\n";
  s += std::string("commit ") + CRASHCTL_GIT_COMMIT + "\n";
  s += "LLVM " LLVM_VERSION_STRING " (linked statically)\n";
  s += "Go releases read:\n";
  for (const crashctl::GoReleases &r : crashctl::supported_go_releases()) {
    std::string label = input_kind_label(r.format);
    s += "  " + label + std::string(label.size() < 22 ? 22 - label.size() : 1, ' ') + r.oldest + " to " + r.newest +
         "\n";
  }
  s += std::string("JSON output schemas: analyze ") + crashctl::kJsonSchemaVersion + ", diff " +
       crashctl::kDiffSchemaVersion + ", triage " + crashctl::triage::kSchemaVersion;
  return s;
}

}  // namespace crashctl_cli
