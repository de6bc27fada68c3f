// The heap of real cores (testdata/cores, Go 1.22 to 1.27) as an object
// graph (lib/core/heap.h): every allocated object against the spans' own
// allocCount, pointers and types from the runtime's metadata, and the roots
// (globals by symbol and DWARF type, goroutine frames by function and local).
#include "core/decoder.h"
#include "memory/heap_graph.h"
#include "test_support.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

using namespace crashctl;
using crashctl::test::decompressed_bytes;
using crashctl::test::decompressed_copy;
using crashctl::test::ManifestRow;
using crashctl::test::read_manifest;

namespace {

const std::string kCores = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/cores/";

struct Walked {
  Input in;
  HeapCapture heap;
};

Walked walk(const ManifestRow &r, size_t keep_bytes = 0) {
  Walked w;
  DecodeOptions opts;
  opts.exe = decompressed_copy(kCores + r["exe"]);
  std::string bytes = decompressed_bytes(test::core_fixture(kCores, r));
  if (keep_bytes && keep_bytes < bytes.size()) bytes.resize(keep_bytes);
  w.in.path = r["core"];
  decode_core_heap(bytes, r["core"], w.in, opts, w.heap);
  return w;
}

int minor(const std::string &release) {
  return std::atoi(release.c_str() + 4);  // "go1.26.8"
}

// One core per release and build mode: the goroutine leak (200 parked
// goroutines, a global map of scenarios) and the PIE builds.
std::vector<ManifestRow> heap_rows() {
  std::vector<ManifestRow> out;
  std::set<std::string> seen;
  for (const ManifestRow &r : read_manifest(kCores + "MANIFEST.tsv")) {
    if (minor(r["release"]) < 22 || r["source"] != "kernel") continue;
    bool want = r["scenario"] == "goroutine-leak" || r["build_mode"] == "pie";
    if (want && seen.insert(r["release"] + "/" + r["build_mode"]).second) out.push_back(r);
  }
  return out;
}

const memory::Root *root_named(const memory::HeapGraph &g, const std::string &name) {
  for (size_t i = 0; i < g.root_count(); ++i)
    if (g.root(i).info.name == name) return &g.root(i);
  return nullptr;
}

size_t root_index(const memory::HeapGraph &g, const memory::Root *r) {
  return size_t(r - &g.root(0));
}

}  // namespace

TEST_CASE("core heap: allocated objects agree with the spans' allocCount on Go 1.22 to 1.27", "[memory]") {
  auto rows = heap_rows();
  std::set<int> releases;
  for (const ManifestRow &r : rows) {
    INFO("core " << r["core"]);
    Walked w = walk(r);
    for (const Diagnostic &d : w.in.diagnostics) {
      INFO(d.message);
      CHECK(d.severity != Severity::Error);
    }
    REQUIRE(w.heap.graph);
    const memory::HeapGraph &g = *w.heap.graph;
    const core::HeapWalkStats &st = w.heap.stats;
    releases.insert(minor(r["release"]));
    for (const std::string &n : g.notes) UNSCOPED_INFO("note: " << n);
    // allocBits/freeindex per slot against the allocator's own counter.
    CHECK(st.in_use_spans > 10);
    CHECK(st.skipped_spans == 0);
    CHECK(st.objects > 200);
    CHECK(st.objects == st.alloc_count_objects);
    CHECK(st.bytes == st.alloc_count_bytes);
    CHECK(g.object_count() == st.objects);  // no object overlaps another
    // Green tea is the default from Go 1.26 (internal/buildcfg/exp.go).
    CHECK(st.green_tea == (minor(r["release"]) >= 26));
    // Pointers: most objects of a Go heap are reached from another.
    CHECK(st.pointers > st.objects / 4);
    CHECK(st.typed_objects >= 5);
    CHECK(g.dangling_pointers == 0);
    // The report carries the totals.
    REQUIRE(w.in.reports.size() == 1);
    REQUIRE(w.in.reports[0].memory);
    CHECK(w.in.reports[0].memory->live_objects == st.objects);
    CHECK(w.in.reports[0].memory->live_bytes == st.bytes);
  }
  CHECK(releases == std::set<int>{22, 23, 24, 25, 26, 27});
}

TEST_CASE("core heap: globals are roots named by symbol and typed from DWARF", "[memory]") {
  for (const ManifestRow &r : heap_rows()) {
    INFO("core " << r["core"]);
    Walked w = walk(r);
    REQUIRE(w.heap.graph);
    const memory::HeapGraph &g = *w.heap.graph;
    CHECK(w.heap.stats.global_slots > 10);
    // runtime.allgs: a []*runtime.g whose backing array is on the heap.
    const memory::Root *allgs = root_named(g, "runtime.allgs");
    REQUIRE(allgs);
    CHECK(allgs->info.kind == MemoryRootKind::Global);
    CHECK(allgs->info.variable == "runtime.allgs");
    CHECK(allgs->info.type == "[]*runtime.g");
    size_t ri = root_index(g, allgs);
    REQUIRE(g.root_edges_end(ri) - g.root_edges_begin(ri) == 1);
    const memory::Edge &e = *g.root_edges_begin(ri);
    CHECK(e.from_offset == 0);  // the slice's data pointer
    // Past the malloc header of an object over 512 bytes (Go 1.22+).
    CHECK(e.to_offset == (g.size(e.target) > 512 ? 8u : 0u));
    // Its target holds the g pointers: more than 200 goroutines' worth in the leak.
    uint64_t gs = uint64_t(g.edges_end(e.target) - g.edges_begin(e.target));
    if (r["scenario"] == "goroutine-leak") CHECK(gs >= 200);
    // A package-level map of the scenario program.
    const memory::Root *scen = root_named(g, "main.scenarios");
    REQUIRE(scen);
    CHECK(scen->info.type == "map[string]func()");
    const memory::Root *never = root_named(g, "main.never");
    REQUIRE(never);
    CHECK(never->info.type == "chan struct {}");
  }
}

TEST_CASE("core heap: goroutine frames are roots named by goroutine, function and local", "[memory]") {
  for (const ManifestRow &r : heap_rows()) {
    INFO("core " << r["core"]);
    Walked w = walk(r);
    REQUIRE(w.heap.graph);
    const memory::HeapGraph &g = *w.heap.graph;
    const core::HeapWalkStats &st = w.heap.stats;
    CHECK(st.precise_frames > 0);
    std::set<int64_t> goroutines;
    size_t named = 0, stack_roots = 0;
    for (size_t i = 0; i < g.root_count(); ++i) {
      const MemoryRoot &info = g.root(i).info;
      if (info.kind != MemoryRootKind::Stack) continue;
      ++stack_roots;
      CHECK(info.goroutine > 0);
      CHECK(!info.function.empty());
      CHECK(info.name.rfind("goroutine " + std::to_string(info.goroutine) + ": " + info.function + ": ", 0) == 0);
      goroutines.insert(info.goroutine);
      if (!info.variable.empty()) ++named;
    }
    CHECK(stack_roots > 0);
    CHECK(named > 0);
    if (r["scenario"] == "goroutine-leak") {
      // Each of the 200 parked handleConn goroutines holds its channel.
      CHECK(goroutines.size() >= 200);
    }
  }
}

TEST_CASE("core heap: a truncated core gives a partial graph with notes", "[memory]") {
  auto rows = heap_rows();
  REQUIRE(!rows.empty());
  const ManifestRow &r = rows.back();
  Walked full = walk(r);
  REQUIRE(full.heap.graph);
  size_t partial = 0;
  for (size_t keep : {size_t(4096), size_t(1) << 20, size_t(8) << 20, size_t(24) << 20}) {
    INFO("kept " << keep << " bytes of " << r["core"]);
    Walked w = walk(r, keep);
    if (!w.heap.graph) continue;  // the decoder gave up before the heap
    CHECK(w.heap.stats.objects <= full.heap.stats.objects);
    if (w.heap.stats.objects < full.heap.stats.objects) {
      ++partial;
      CHECK(!w.heap.graph->notes.empty());
    }
  }
  CHECK(partial > 0);
}

TEST_CASE("core heap: dump (manual)", "[.dump]") {
  const char *want = std::getenv("CORE_HEAP_DUMP");
  for (const ManifestRow &r : heap_rows()) {
    if (want && r["core"].find(want) == std::string::npos) continue;
    Walked w = walk(r);
    const memory::HeapGraph &g = *w.heap.graph;
    const core::HeapWalkStats &st = w.heap.stats;
    std::printf(
        "== %s objects %llu bytes %llu alloc %llu/%llu ptrs %llu typed %llu large %llu dangling %llu roots %zu "
        "precise %llu cons %llu dead %llu fin %llu\n",
        r["core"].c_str(), (unsigned long long)st.objects, (unsigned long long)st.bytes,
        (unsigned long long)st.alloc_count_objects, (unsigned long long)st.alloc_count_bytes,
        (unsigned long long)st.pointers, (unsigned long long)st.typed_objects, (unsigned long long)st.large_objects,
        (unsigned long long)g.dangling_pointers, g.root_count(), (unsigned long long)st.precise_frames,
        (unsigned long long)st.conservative_frames, (unsigned long long)st.dead_frames,
        (unsigned long long)st.finalizers);
    for (const std::string &n : g.notes) std::printf("note: %s\n", n.c_str());
    std::map<std::string, int> types;
    for (size_t o = 0; o < g.object_count(); ++o) types[g.type_name(g.type(memory::ObjectId(o)))]++;
    for (auto &[t, n] : types) std::printf("type %6d %s\n", n, t.c_str());
    for (size_t i = 0; i < g.root_count(); ++i) {
      const memory::Root &rt = g.root(i);
      std::printf("root %s | %s | %s | var=%s type=%s edges=%ld\n", to_string(rt.info.kind), rt.info.name.c_str(),
                  rt.info.function.c_str(), rt.info.variable.c_str(), rt.info.type.c_str(),
                  long(g.root_edges_end(i) - g.root_edges_begin(i)));
    }
  }
}

// CORE_HEAP_FILE=core CORE_HEAP_EXE=exe crashctl_tests "[.probe]": what each
// root reaches (objects, bytes), for checking a scenario by hand.
TEST_CASE("core heap: probe a core (manual)", "[.probe]") {
  const char *core = std::getenv("CORE_HEAP_FILE"), *exe = std::getenv("CORE_HEAP_EXE");
  if (!core || !exe) return;
  DecodeOptions opts;
  opts.exe = exe;
  std::string bytes = decompressed_bytes(core);
  Input in;
  HeapCapture heap;
  decode_core_heap(bytes, core, in, opts, heap);
  REQUIRE(heap.graph);
  const memory::HeapGraph &g = *heap.graph;
  std::printf("objects %llu bytes %llu allocCount %llu/%llu pointers %llu typed %llu roots %zu dangling %llu\n",
              (unsigned long long)heap.stats.objects, (unsigned long long)heap.stats.bytes,
              (unsigned long long)heap.stats.alloc_count_objects, (unsigned long long)heap.stats.alloc_count_bytes,
              (unsigned long long)heap.stats.pointers, (unsigned long long)heap.stats.typed_objects, g.root_count(),
              (unsigned long long)g.dangling_pointers);
  std::vector<char> all(g.object_count());
  for (size_t r = 0; r < g.root_count(); ++r) {
    std::vector<char> seen(g.object_count());
    std::vector<memory::ObjectId> todo;
    for (const memory::Edge *e = g.root_edges_begin(r); e != g.root_edges_end(r); ++e) todo.push_back(e->target);
    uint64_t n = 0, b = 0;
    while (!todo.empty()) {
      memory::ObjectId o = todo.back();
      todo.pop_back();
      if (seen[o]) continue;
      seen[o] = all[o] = 1;
      ++n;
      b += g.size(o);
      for (const memory::Edge *e = g.edges_begin(o); e != g.edges_end(o); ++e) todo.push_back(e->target);
    }
    if (b > 100000 || std::getenv("CORE_HEAP_ALL"))
      std::printf("root %-60s %-24s reaches %llu objects %llu bytes\n", g.root(r).info.name.c_str(),
                  g.root(r).info.type.c_str(), (unsigned long long)n, (unsigned long long)b);
  }
  uint64_t rn = 0, rb = 0;
  for (size_t o = 0; o < g.object_count(); ++o)
    if (all[o]) ++rn, rb += g.size(memory::ObjectId(o));
  std::printf("reachable %llu objects %llu bytes\n", (unsigned long long)rn, (unsigned long long)rb);
  for (const std::string &n : g.notes) std::printf("note: %s\n", n.c_str());
}
