// Real crash text other projects published (../shared/corpus/real-world, read
// in place, skipped when absent). Expected classes and culprits were read by
// hand against each file and its MANIFEST.tsv entry; where crashctl's rules
// pick another frame than the manifest's first choice, the comment says why.
#include "pipeline/analyze.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include <llvm/ADT/StringRef.h>
#include <fstream>

using namespace crashctl;

namespace {

struct Expect {
  const char *prefix;             // file name prefix
  VerdictClass cls;               // verdict class of the first report
  const char *culprit;            // culprit function, "" for none
  const char *culprit_file = "";  // the culprit's file, for frames without a function
};

const Expect kExpected[] = {
    {"001", VerdictClass::NilPointerDereference,
     "gvisor.googlesource.com/gvisor/pkg/sentry/fs/gofer.(*handleReadWriter).WriteFromBlocks"},
    {"002", VerdictClass::ExplicitPanic, "gvisor.googlesource.com/gvisor/pkg/sentry/fs.(*MountNamespace).FindLink"},
    {"003", VerdictClass::ExplicitPanic,
     "gvisor.googlesource.com/gvisor/pkg/refs.(*AtomicRefCount).DecRefWithDestructor"},
    {"005", VerdictClass::DataRace, "gvisor.googlesource.com/gvisor/pkg/waiter.(*Entry).Next"},
    {"007", VerdictClass::Snapshot, ""},                               // a logged traceback, not a crash
    {"010", VerdictClass::RuntimeFatal, ""},                           // newosproc failure, no stack printed
    {"013", VerdictClass::OutOfMemory, ""},                            // truncated inside runtime frames
    {"014", VerdictClass::NilPointerDereference, "math.glob..func1"},  // only stdlib frames
    {"015", VerdictClass::IndexOutOfRange, "main.(*Manager).httpPrio"},
    {"016", VerdictClass::RuntimeError, "cmd/compile/internal/gc.newliveness"},  // the program is the compiler
    {"018", VerdictClass::SliceBoundsOutOfRange, "github.com/google/gonids.(*Rule).option"},
    {"019", VerdictClass::IndexOutOfRange, "github.com/test/project/runtime/vm.(*thread).Pop"},  // below the repanic
    // Manifest names go-ethereum's trie.(*Database).Cap (module cache); the
    // main module's first frame is preferred: go-opera's evmstore.(*Store).Commit.
    {"046", VerdictClass::ConcurrentMapAccess, "github.com/Fantom-foundation/go-opera/gossip/evmstore.(*Store).Commit"},
    {"052", VerdictClass::Snapshot, ""},
    {"054", VerdictClass::DataRace, "package/race.TestRace.func1"},
    {"061", VerdictClass::ExternalSignal, ""},
    {"062", VerdictClass::Snapshot, ""},
    // Manifest: modernc.org/libc.Xmemset (module cache); first project frame preferred.
    {"063", VerdictClass::RuntimeFatal, "github.com/juanfont/headscale/hscontrol/db.openDB"},
    {"064", VerdictClass::ExplicitPanic, "main.(*stackImpl).DelInterfaceAddress"},
    {"065", VerdictClass::SliceBoundsOutOfRange, "syscall/zx/fidl.(*Binding).dispatch"},
    {"067", VerdictClass::ExplicitPanic, "github.com/google/syzkaller/pkg/image.mustDecompress"},
    {"079", VerdictClass::SliceBoundsOutOfRange, "agones.dev/agones/pkg/sdkserver.(*SDKServer).sendGameServerUpdate"},
    {"080", VerdictClass::ExternalSignal, ""},
    {"081", VerdictClass::StackOverflow, "_/src/go.recursive_sum"},
    {"082", VerdictClass::OutOfMemory, "construct/v1.Unpack"},
    // HandleCrash's old FILE:LINE list under kubectl's --prefix, then the re-panic's lines.
    {"083", VerdictClass::ClosedChannel, "", "controller/instance_manager_controller.go"},
    {"085", VerdictClass::CgoSignal, "main.main"},
    {"086", VerdictClass::ExplicitPanic, "main.main"},
    {"087", VerdictClass::RuntimeFatal, ""},  // emulator fault inside runtime.gogo
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
