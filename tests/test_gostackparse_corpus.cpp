// Cross-checks the text decoder against DataDog/gostackparse's fixtures and
// golden answers, read in place from ../shared/corpus (skipped when absent).
#include "pipeline/analyze.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

#include <set>

using namespace crashctl;

namespace {

std::string corpus_dir() {
  return std::string(CRASHCTL_SOURCE_DIR) + "/../shared/corpus/gostackparse/";
}

std::string read_file(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf) return {};
  return (*buf)->getBuffer().str();
}

std::string state_text(const Goroutine &g) {
  return g.wait_reason.empty() ? to_string(g.status) : g.wait_reason;
}

std::vector<const Goroutine *> all_goroutines(const Input &in) {
  std::vector<const Goroutine *> out;
  for (const Report &r : in.reports)
    for (const Goroutine &g : r.process.goroutines) out.push_back(&g);
  return out;
}

void compare_frame(const llvm::json::Object &gf, const Frame &f) {
  CHECK(f.function == gf.getString("Func").value_or("").str());
  CHECK(f.file == gf.getString("File").value_or("").str());
  CHECK(f.line == gf.getInteger("Line").value_or(-1));
}

// Goroutines that gostackparse drops on a parse error and crashctl keeps
// (with a diagnostic), per fixture.
const std::map<std::string, std::set<int64_t>> kKeptByCrashctl = {
    {"errorhandling", {2}},         // garbled frame kept as a raw frame
    {"empty_stack", {1, 2}},        // no frames: kept, with a diagnostic
    {"partial_createdby", {1, 2}},  // "created by" without file:line
    {"partial_stack", {1, 2}},      // frame without file:line
};

void check_fixture(const std::string &name) {
  std::string text = read_file(corpus_dir() + name + ".txt");
  std::string golden = read_file(corpus_dir() + name + ".golden.json");
  if (golden.empty()) {
    WARN("corpus not present: " << corpus_dir());
    return;
  }
  auto parsed = llvm::json::parse(golden);
  REQUIRE(bool(parsed));
  const llvm::json::Object *root = parsed->getAsObject();
  REQUIRE(root);
  Input in = analyze_bytes(text, name + ".txt", AnalysisOptions{});
  auto ours = all_goroutines(in);
  const llvm::json::Array *gs = root->getArray("Goroutines");
  std::vector<const Goroutine *> matched;
  std::set<int64_t> kept = kKeptByCrashctl.count(name) ? kKeptByCrashctl.at(name) : std::set<int64_t>{};
  for (const Goroutine *g : ours)
    if (!kept.count(g->id)) matched.push_back(g);
  size_t expected = gs ? gs->size() : 0;
  INFO("fixture " << name);
  REQUIRE(matched.size() == expected);
  for (size_t i = 0; i < expected; ++i) {
    const llvm::json::Object &eg = *(*gs)[i].getAsObject();
    const Goroutine &g = *matched[i];
    INFO("goroutine " << g.id);
    CHECK(g.id == eg.getInteger("ID").value_or(-1));
    CHECK(state_text(g) == eg.getString("State").value_or("").str());
    int64_t waitNs = eg.getInteger("Wait").value_or(0);
    CHECK((g.wait_minutes < 0 ? 0 : g.wait_minutes * 60000000000LL) == waitNs);
    CHECK(g.locked_to_thread == eg.getBoolean("LockedToThread").value_or(false));
    const llvm::json::Array *stack = eg.getArray("Stack");
    REQUIRE(stack);
    REQUIRE(g.stack);
    REQUIRE(g.stack->frames.size() == stack->size());
    for (size_t j = 0; j < stack->size(); ++j) compare_frame(*(*stack)[j].getAsObject(), g.stack->frames[j]);
    CHECK(g.stack->elided_at.has_value() == eg.getBoolean("FramesElided").value_or(false));
    const llvm::json::Object *cb = eg.getObject("CreatedBy");
    CHECK(bool(cb) == bool(g.created_by));
    if (cb && g.created_by) compare_frame(*cb, *g.created_by);
    const llvm::json::Object *anc = eg.getObject("Ancestor");
    CHECK(bool(anc) == !g.details().ancestors.empty());
    if (anc && !g.details().ancestors.empty()) {
      CHECK(g.details().ancestors[0].goid == anc->getInteger("ID").value_or(-1));
      const llvm::json::Array *as = anc->getArray("Stack");
      REQUIRE(as);
      REQUIRE(g.details().ancestors[0].stack->frames.size() == as->size());
      for (size_t j = 0; j < as->size(); ++j)
        compare_frame(*(*as)[j].getAsObject(), g.details().ancestors[0].stack->frames[j]);
    }
  }
  // gostackparse's own errors must show up as our diagnostics.
  const llvm::json::Array *errs = root->getArray("Errors");
  if (errs && !errs->empty()) CHECK(!in.diagnostics.empty());
}

}  // namespace

TEST_CASE("gostackparse corpus: goroutines, states, waits, frames, creators", "[corpus][traceback]") {
  for (const char *name :
       {"ancestors", "cgo", "empty_stack", "errorhandling", "frameselided", "frameselided_goroutine", "go121_createdby",
        "lockedm", "partial_createdby", "partial_stack", "waitsince", "windows"}) {
    SECTION(name) {
      check_fixture(name);
    }
  }
}

TEST_CASE("gostackparse corpus: empty input is reported, not silent", "[corpus][traceback]") {
  std::string text = read_file(corpus_dir() + "empty_input.txt");
  Input in = analyze_bytes(text, "empty_input.txt", AnalysisOptions{});
  CHECK(in.reports.empty());
  REQUIRE(!in.diagnostics.empty());
  CHECK(in.diagnostics.back().message.find("no Go crash text found") != std::string::npos);
  CHECK(exit_status({in}) == 1);
}
