// Heap dumps (runtime/debug.WriteHeapDump) from real Go releases
// (testdata/generate-heapdumps.sh), cross-checked against the debug=2
// goroutine profile taken just before each leak dump.
#include "analysis/groups.h"
#include "heapdump/decoder.h"
#include "io/input.h"
#include "pipeline/analyze.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <sstream>

using namespace crashctl;

namespace {

const std::string kDir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/heapdumps/";

std::vector<std::map<std::string, std::string>> manifest() {
  std::vector<std::map<std::string, std::string>> rows;
  for (const test::ManifestRow &r : test::read_manifest(kDir + "MANIFEST.tsv")) rows.push_back(r.cols);
  return rows;
}

// The decompressed bytes of a fixture file.
std::string decompressed(const std::string &path) {
  auto opened = open_input(path, /*detect_kind=*/false);
  REQUIRE(bool(opened));
  std::string out;
  char buf[65536];
  for (;;) {
    auto n = opened->source->read(buf, sizeof buf);
    REQUIRE(bool(n));
    if (!*n) break;
    out.append(buf, *n);
  }
  return out;
}

// Decodes bytes in memory; the extra pass for panic values reads them again.
Input decode(const std::string &bytes) {
  Input in;
  in.path = "mem";
  HeapDumpOptions o;
  o.show_progress = false;
  o.reopen = [&bytes]() { return memory_source(bytes, "mem"); };
  auto src = memory_source(bytes, "mem");
  decode_heapdump(*src, in, o);
  return in;
}

size_t errors(const Input &in) {
  size_t n = 0;
  for (const Diagnostic &d : in.diagnostics) n += d.severity == Severity::Error;
  return n;
}

const Goroutine *by_id(const Process &p, int64_t id) {
  for (const Goroutine &g : p.goroutines)
    if (g.id == id) return &g;
  return nullptr;
}

// The executable of a manifest row, decompressed to a temporary file.
std::string exe_path(const std::string &zst) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(zst);
  if (it != cache.end()) return it->second;
  std::string bytes = decompressed(kDir + zst);
  std::string tmp = crashctl::test::scratch_dir() + "/heapdump-exe-" + std::to_string(cache.size());
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(tmp, ec);
    REQUIRE(!ec);
    os << bytes;
  }
  return cache[zst] = tmp;
}

}  // namespace

TEST_CASE("heap dump fixtures decode without errors and match their scenario", "[heapdump]") {
  auto rows = manifest();
  REQUIRE(rows.size() >= 14);  // two scenarios for each of 7 releases
  for (const auto &row : rows) {
    const std::string &file = row.at("file");
    for (bool with_exe : {false, true}) {
      if (with_exe && row.at("exe") == "-") continue;
      INFO(file << (with_exe ? " --exe" : ""));
      AnalysisOptions opts;
      opts.progress = false;
      if (with_exe) opts.exe = exe_path(row.at("exe"));
      Input in = analyze_input(kDir + file, opts);
      for (const Diagnostic &d : in.diagnostics) INFO(d.offset << ": " << d.message);
      CHECK(errors(in) == 0);
      CHECK(!in.failed);
      REQUIRE(in.format == InputFormat::HeapDump);
      REQUIRE(in.reports.size() == 1);
      const Report &r = in.reports[0];
      const Process &p = r.process;
      CHECK(p.go_version.version == row.at("go_version"));
      CHECK(r.verdict.cls == test::class_named(row.at("expected_class")));
      CHECK(p.threads.size() >= 1);
      CHECK(!p.memstats.empty());
      CHECK(p.memstats.back().first == "NumGC");
      for (const Goroutine &g : p.goroutines) CHECK(g.stack);

      if (row.at("scenario") == "panic") {
        CHECK(r.kind == ReportKind::Crash);
        REQUIRE(p.panics.size() == 1);
        const PanicRecord &pr = p.panics[0];
        CHECK(pr.message == row.at("expected_panic"));
        CHECK(pr.value == row.at("expected_panic"));
        CHECK(pr.goroutine == 1);
        // The dump names pointer types by package only; the executable's DWARF
        // names them fully.
        CHECK(pr.value_type == (with_exe ? "*errors.errorString" : "errors."));
        REQUIRE(!p.goroutines.empty());
        const Goroutine &g = p.goroutines.front();
        CHECK(g.id == 1);
        CHECK(g.wait_reason == "dumping heap");
        // 9 stack-allocated defers in handleOrder, 3 heap ones from runPanic's
        // loop; Go 1.21 also lists checkout's open-coded frame while it runs.
        const auto &ds = g.details().defers;
        int minor = std::stoi(row.at("go_version").substr(4));
        size_t n_stack = 0, n_heap = 0, n_open = 0;
        for (const Defer &d : ds) {
          REQUIRE(d.frame_index >= 0);
          REQUIRE(size_t(d.frame_index) < g.stack->frames.size());
          const std::string &fn = g.stack->frames[size_t(d.frame_index)].function;
          if (d.kind == DeferKind::Stack) {
            ++n_stack;
            CHECK(fn == "main.handleOrder");
          } else if (d.kind == DeferKind::Heap) {
            ++n_heap;
            CHECK((fn == "main.runPanic" || (minor <= 21 && !with_exe && fn == "main.checkout")));
          } else if (d.kind == DeferKind::OpenCoded) {
            ++n_open;
            CHECK(fn == "main.checkout");
          }
          if (with_exe) {
            CHECK(d.calls_recover == std::optional<bool>(false));
            CHECK(d.line > 0);
          }
        }
        CHECK(n_stack == 9);
        // Go 1.21's open-coded frame record is recognized with the executable.
        CHECK(n_heap == (minor <= 21 && !with_exe ? 4u : 3u));
        CHECK(n_open == (minor <= 21 && with_exe ? 1u : 0u));
        CHECK(ds.size() == n_stack + n_heap + n_open);
        if (with_exe) {
          // `defer releaseSlot(100 + i)`: the wrapper is unwrapped to the
          // deferred function, even where releaseSlot was inlined into it.
          CHECK(ds.back().function == "main.releaseSlot");
          CHECK(ds.back().line == 35);
        }
        // The panic's own frames, under the deferred call that took the dump.
        bool reserve = false;
        for (const Frame &f : g.stack->frames)
          if (f.function == "main.reserve") {
            reserve = true;
            if (with_exe) CHECK(f.line == 60);
          }
        CHECK(reserve);
      } else {
        CHECK(r.kind == ReportKind::Snapshot);
        CHECK(p.panics.empty());
        size_t want = std::stoul(row.at("expected_leak_goroutines"));
        REQUIRE(!r.groups.empty());
        const GoroutineGroup &big = r.groups.front();
        CHECK(big.goroutine_ids.size() == want);
        CHECK(big.wait_reason == "chan receive");
        if (with_exe) {
          CHECK(!big.leak_reasons.empty());
          CHECK(r.verdict.leak_suspects == 1);
          REQUIRE(big.created_by);
          CHECK(big.created_by->function == "main.startSubscribers");
        }
      }
    }
  }
}

TEST_CASE("heap dump goroutines match the debug=2 profile taken before the dump", "[heapdump]") {
  for (const auto &row : manifest()) {
    if (row.at("scenario") != "leak") continue;
    std::string base = row.at("file").substr(0, row.at("file").size() - std::string(".dump.zst").size());
    for (bool with_exe : {false, true}) {
      if (with_exe && row.at("exe") == "-") continue;
      INFO(row.at("file") << (with_exe ? " --exe" : ""));
      AnalysisOptions opts;
      opts.progress = false;
      if (with_exe) opts.exe = exe_path(row.at("exe"));
      Input dump = analyze_input(kDir + row.at("file"), opts);
      Input prof = analyze_input(kDir + base + ".profile.txt.zst", opts);
      REQUIRE(dump.reports.size() == 1);
      REQUIRE(prof.reports.size() == 1);
      const Process &dp = dump.reports[0].process, &pp = prof.reports[0].process;
      CHECK(pp.goroutines.size() == std::stoul(row.at("goroutines")));
      size_t subscribers = 0;
      for (const Goroutine &pg : pp.goroutines) {
        INFO("goroutine " << pg.id);
        const Goroutine *dg = by_id(dp, pg.id);
        REQUIRE(dg);
        if (pg.id == 1) {
          // Running while it wrote the profile; waiting while it dumps.
          CHECK(pg.status == GoroutineStatus::Running);
          CHECK(dg->wait_reason == "dumping heap");
          continue;
        }
        bool sub = false;
        for (const Frame &f : pg.stack->frames) sub |= f.function == "main.(*subscriber).run";
        if (!sub) continue;
        ++subscribers;
        CHECK(dg->status == pg.status);
        CHECK(dg->wait_reason == pg.wait_reason);
        if (!with_exe) continue;
        // The profile hides runtime frames: its frames are a subsequence of
        // the dump's, by function and line, inlined frames included.
        size_t j = 0;
        for (const Frame &df : dg->stack->frames)
          if (j < pg.stack->frames.size() && df.function == pg.stack->frames[j].function &&
              df.line == pg.stack->frames[j].line && df.inlined == pg.stack->frames[j].inlined)
            ++j;
        CHECK(j == pg.stack->frames.size());
        REQUIRE(pg.created_by);
        REQUIRE(dg->created_by);
        CHECK(dg->created_by->function == pg.created_by->function);
        CHECK(dg->created_by->line == pg.created_by->line);
      }
      CHECK(subscribers == 100);
    }
  }
}

TEST_CASE("truncated heap dumps keep what was read and name the offset", "[heapdump]") {
  std::string full = decompressed(kDir + "go1.26.8/panic.dump.zst");
  Input whole = decode(full);
  REQUIRE(errors(whole) == 0);
  size_t all = whole.reports.at(0).process.goroutines.size();
  REQUIRE(all == 5);
  size_t prev = 0;
  std::vector<size_t> cuts;
  for (size_t i = 0; i < 64; ++i) cuts.push_back(i);
  for (size_t c = 64; c < full.size(); c += full.size() / 300 + 1) cuts.push_back(c);
  cuts.push_back(full.size() - 1);
  for (size_t cut : cuts) {
    INFO("cut at " << cut);
    Input in = decode(full.substr(0, cut));
    REQUIRE(errors(in) >= 1);
    bool named = false;
    for (const Diagnostic &d : in.diagnostics) {
      CHECK(d.offset <= cut);
      named |= d.severity == Severity::Error && d.message.find("offset") != std::string::npos;
    }
    CHECK(named);
    if (cut >= 16 + 8) {
      REQUIRE(in.reports.size() == 1);
      size_t n = in.reports[0].process.goroutines.size();
      CHECK(n >= prev);  // a longer prefix never yields fewer goroutines
      CHECK(n <= all);
      prev = n;
    }
  }
  CHECK(prev == all);  // cut after the last goroutine: all of them
}

TEST_CASE("corrupted heap dumps never crash the decoder", "[heapdump]") {
  std::string full = decompressed(kDir + "go1.22.12/leak.dump.zst");
  std::mt19937 rng(5);
  size_t with_diag = 0;
  for (int i = 0; i < 300; ++i) {
    std::string b = full;
    for (int k = 0; k < 4; ++k) b[16 + rng() % (b.size() - 16)] ^= char(1 + rng() % 255);
    Input in = decode(b);
    for (const Diagnostic &d : in.diagnostics) CHECK(d.offset <= b.size());
    for (const Report &r : in.reports)
      for (const Goroutine &g : r.process.goroutines) CHECK(g.stack);
    with_diag += !in.diagnostics.empty();
  }
  CHECK(with_diag > 0);
}

TEST_CASE("heap dump primitives are bounds-checked", "[heapdump]") {
  auto uv = [](uint64_t v) {
    std::string s;
    while (v >= 0x80) {
      s += char(v | 0x80);
      v >>= 7;
    }
    return s + char(v);
  };
  auto str = [&](const std::string &s) { return uv(s.size()) + s; };
  std::string params =
      uv(6) + uv(0) + uv(8) + uv(0xc000000000) + uv(0xc004000000) + str("amd64") + str("go1.99.1") + uv(4);
  std::string g = uv(4) + uv(0xc000001000) + uv(0xc000100000) + uv(42) + uv(0x401000) + uv(4) + uv(0) + uv(0) +
                  uv(123) + str("select") + uv(0) + uv(0) + uv(0) + uv(0);
  std::string frame = uv(5) + uv(0xc000100000) + uv(0) + uv(0) + str(std::string(16, '\0')) + uv(0x402000) +
                      uv(0x402010) + uv(0x402010) + str("main.wait") + uv(1) + uv(8) + uv(0);
  std::string ok = "go1.7 heap dump\n" + params + g + frame + uv(0);

  Input in = decode(ok);
  REQUIRE(errors(in) == 0);
  REQUIRE(in.reports.size() == 1);
  const Process &p = in.reports[0].process;
  CHECK(p.go_version.version == "go1.99.1");
  REQUIRE(p.goroutines.size() == 1);
  CHECK(p.goroutines[0].id == 42);
  CHECK(p.goroutines[0].wait_reason == "select");
  CHECK(p.goroutines[0].details().wait_since_ns == 123);
  REQUIRE(p.goroutines[0].stack->frames.size() == 1);
  CHECK(p.goroutines[0].stack->frames[0].function == "main.wait");
  CHECK(p.goroutines[0].stack->frames[0].pc_offset == std::optional<uint64_t>(0x10));
  CHECK(in.reports[0].kind == ReportKind::Snapshot);

  auto first_error = [](const Input &i) {
    for (const Diagnostic &d : i.diagnostics)
      if (d.severity == Severity::Error) return d;
    return Diagnostic{};
  };
  // An unknown tag, at the offset where the frame record starts.
  size_t at = 16 + params.size() + g.size();
  Diagnostic d = first_error(decode("go1.7 heap dump\n" + params + g + uv(99)));
  CHECK(d.offset == at);
  CHECK(d.message.find("unknown tag 99") != std::string::npos);
  // A uvarint of 11 bytes.
  d = first_error(decode("go1.7 heap dump\n" + params + uv(4) + std::string(10, '\xff') + '\x01'));
  CHECK(d.offset == 16 + params.size() + 1);
  CHECK(d.message.find("overflows") != std::string::npos);
  // A field kind that does not exist.
  std::string bad = frame;
  bad[bad.size() - 3] = 7;
  d = first_error(decode("go1.7 heap dump\n" + params + g + bad + uv(0)));
  CHECK(d.message.find("field kind 7") != std::string::npos);
  // A string longer than the input.
  d = first_error(decode("go1.7 heap dump\n" + params + uv(4) + uv(1) + uv(2) + uv(3) + uv(4) + uv(4) + uv(0) + uv(0) +
                         uv(0) + uv(1000)));
  CHECK(d.message.find("goroutine.waitreason") != std::string::npos);
  // A bool that is not 0 or 1.
  d = first_error(decode("go1.7 heap dump\n" + uv(6) + uv(2)));
  CHECK(d.offset == 17);
  // Other headers.
  Input old = decode("go1.6 heap dump\n" + params + uv(0));
  CHECK(first_error(old).message.find("unsupported heap dump version") != std::string::npos);
  CHECK(old.reports.empty());
  // No EOF record.
  CHECK(first_error(decode("go1.7 heap dump\n" + params)).message.find("EOF") != std::string::npos);
}

// The runtime prints an inlined call as f(...) (see runtime.goparkunlock(...)
// in the crash text next to each core in testdata/cores); cores and heap
// dumps symbolize with the same binary::GoSymbolizer.
TEST_CASE("heap dump inlined frames carry args ... as the runtime prints them", "[heapdump]") {
  AnalysisOptions opts;
  opts.progress = false;
  opts.exe = exe_path("go1.26.8/exe.zst");
  Input in = analyze_input(kDir + "go1.26.8/panic.dump.zst", opts);
  REQUIRE(in.reports.size() == 1);
  size_t inlined = 0;
  for (const Goroutine &g : in.reports[0].process.goroutines) {
    for (size_t i = 0; i < g.stack->frames.size(); ++i) {
      const Frame &f = g.stack->frames[i];
      INFO(g.id << " " << f.function);
      CHECK(frame_args(g, i) == (f.inlined ? "..." : ""));
      inlined += f.inlined;
    }
  }
  CHECK(inlined > 0);
}

TEST_CASE("heap dumps find their executable under --debug-dir", "[heapdump]") {
  // A dump records no build id: each file under the directory is checked
  // against the dump's frame entries, and the first that matches is used.
  std::string dir = crashctl::test::scratch_dir() + "/heapdump-debug-dir";
  llvm::sys::fs::create_directories(dir + "/.build-id/ab");
  REQUIRE_FALSE(llvm::sys::fs::copy_file(exe_path("go1.21.13/exe.zst"), dir + "/a-other-release"));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(dir + "/b-not-elf", ec);
    REQUIRE(!ec);
    os << "not an executable\n";
  }
  REQUIRE_FALSE(llvm::sys::fs::copy_file(exe_path("go1.26.8/exe.zst"), dir + "/.build-id/ab/cdef"));
  AnalysisOptions opts;
  opts.progress = false;
  opts.debug_dirs = {dir};
  Input in = analyze_input(kDir + "go1.26.8/panic.dump.zst", opts);
  REQUIRE(in.reports.size() == 1);
  CHECK_FALSE(in.failed);
  const Process &p = in.reports[0].process;
  CHECK(p.executable == dir + "/.build-id/ab/cdef");
  size_t with_lines = 0;
  for (const Goroutine &g : p.goroutines)
    for (const Frame &f : g.stack->frames) with_lines += f.line > 0;
  CHECK(with_lines > 0);

  opts.debug_dirs = {dir + "/nothing-here"};
  Input none = analyze_input(kDir + "go1.26.8/panic.dump.zst", opts);
  REQUIRE(none.reports.size() == 1);
  CHECK(none.reports[0].process.executable.empty());
  bool noted = false;
  for (const Diagnostic &d : none.diagnostics) noted |= d.message.find("--debug-dir") != std::string::npos;
  CHECK(noted);
}
