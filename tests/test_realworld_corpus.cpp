// Real crash text other projects published (../shared/corpus/real-world, read
// in place, skipped when absent). Expected classes and culprits were read by
// hand against each file and its MANIFEST.tsv entry; where crashctl's rules
// pick another frame than the manifest's first choice, the comment says why.
#include "pipeline/analyze.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <llvm/ADT/StringRef.h>

using namespace crashctl;

namespace {

struct Expect {
  const char *prefix;   // file name prefix
  const char *cls;      // verdict class of the first report
  const char *culprit;  // culprit function, "" for none
  const char *culprit_file = "";  // the culprit's file, for frames without a function
};

const Expect kExpected[] = {
    {"001", "nil-pointer-dereference", "gvisor.googlesource.com/gvisor/pkg/sentry/fs/gofer.(*handleReadWriter).WriteFromBlocks"},
    {"002", "explicit-panic", "gvisor.googlesource.com/gvisor/pkg/sentry/fs.(*MountNamespace).FindLink"},
    {"003", "explicit-panic", "gvisor.googlesource.com/gvisor/pkg/refs.(*AtomicRefCount).DecRefWithDestructor"},
    {"005", "data-race", "gvisor.googlesource.com/gvisor/pkg/waiter.(*Entry).Next"},
    {"007", "snapshot", ""},  // a logged traceback, not a crash
    {"010", "runtime-fatal", ""},  // newosproc failure, no stack printed
    {"013", "out-of-memory", ""},  // truncated inside runtime frames
    {"014", "nil-pointer-dereference", "math.glob..func1"},  // only stdlib frames
    {"015", "index-out-of-range", "main.(*Manager).httpPrio"},
    {"016", "runtime-error", "cmd/compile/internal/gc.newliveness"},  // the program is the compiler
    {"018", "slice-bounds-out-of-range", "github.com/google/gonids.(*Rule).option"},
    {"019", "index-out-of-range", "github.com/test/project/runtime/vm.(*thread).Pop"},  // below the repanic
    // Manifest names go-ethereum's trie.(*Database).Cap (module cache); the
    // main module's first frame is preferred: go-opera's evmstore.(*Store).Commit.
    {"046", "concurrent-map-access", "github.com/Fantom-foundation/go-opera/gossip/evmstore.(*Store).Commit"},
    {"052", "snapshot", ""},
    {"054", "data-race", "package/race.TestRace.func1"},
    {"061", "external-signal", ""},
    {"062", "snapshot", ""},
    // Manifest: modernc.org/libc.Xmemset (module cache); first project frame preferred.
    {"063", "runtime-fatal", "github.com/juanfont/headscale/hscontrol/db.openDB"},
    {"064", "explicit-panic", "main.(*stackImpl).DelInterfaceAddress"},
    {"065", "slice-bounds-out-of-range", "syscall/zx/fidl.(*Binding).dispatch"},
    {"067", "explicit-panic", "github.com/google/syzkaller/pkg/image.mustDecompress"},
    {"079", "slice-bounds-out-of-range", "agones.dev/agones/pkg/sdkserver.(*SDKServer).sendGameServerUpdate"},
    {"080", "external-signal", ""},
    {"081", "stack-overflow", "_/src/go.recursive_sum"},
    {"082", "out-of-memory", "construct/v1.Unpack"},
    // HandleCrash's old FILE:LINE list under kubectl's --prefix, then the re-panic's lines.
    {"083", "closed-channel", "", "controller/instance_manager_controller.go"},
    {"085", "cgo-signal", "main.main"},
    {"086", "explicit-panic", "main.main"},
    {"087", "runtime-fatal", ""},  // emulator fault inside runtime.gogo
};

std::string find_file(const std::string &dir, const std::string &prefix) {
  std::ifstream manifest(dir + "MANIFEST.tsv");
  std::string line;
  while (std::getline(manifest, line))
    if (line.compare(0, prefix.size(), prefix) == 0) return line.substr(0, line.find('\t'));
  return "";
}

}  // namespace

TEST_CASE("real-world corpus: verdicts read by hand", "[corpus][realworld]") {
  const std::string dir = std::string(CRASHCTL_SOURCE_DIR) + "/../shared/corpus/real-world/";
  if (!std::ifstream(dir + "MANIFEST.tsv")) {
    WARN("corpus not present: " << dir);
    return;
  }
  for (const Expect &e : kExpected) {
    std::string file = find_file(dir, e.prefix);
    INFO("corpus file " << e.prefix << " " << file);
    REQUIRE_FALSE(file.empty());
    Input in = analyze_input(dir + file, AnalysisOptions{});
    CHECK_FALSE(in.failed);
    REQUIRE_FALSE(in.reports.empty());
    const Verdict &v = in.reports.front().verdict;
    CHECK(v.cls == e.cls);
    if (*e.culprit) {
      REQUIRE(v.culprit.has_value());
      CHECK(v.culprit->frame.function == e.culprit);
    } else if (*e.culprit_file) {
      REQUIRE(v.culprit.has_value());
      CHECK(v.culprit->frame.function.empty());
      CHECK(llvm::StringRef(v.culprit->frame.file).ends_with(e.culprit_file));
    } else {
      CHECK_FALSE(v.culprit.has_value());
    }
  }
}
