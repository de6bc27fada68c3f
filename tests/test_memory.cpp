// lib/memory on synthetic graphs: the dominator tree against a brute-force
// definition, and retained sizes, shared and unreachable bytes, paths and
// type totals on a small heap whose answer is worked out by hand.
#include "analysis/diff.h"
#include "io/input.h"
#include "memory/heap_graph.h"
#include "memory/retainers.h"
#include "pipeline/analyze.h"

#include "llvm/Support/raw_ostream.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>

using namespace crashctl;
using namespace crashctl::memory;

namespace {

// d dominates v when v cannot be reached from 0 without passing d.
std::vector<bool> reachable_without(uint32_t n, const std::vector<std::vector<uint32_t>> &adj, uint32_t removed) {
  std::vector<bool> seen(n, false);
  if (removed == 0) return seen;
  std::vector<uint32_t> stack{0};
  seen[0] = true;
  while (!stack.empty()) {
    uint32_t v = stack.back();
    stack.pop_back();
    for (uint32_t w : adj[v])
      if (w != removed && !seen[w]) seen[w] = true, stack.push_back(w);
  }
  return seen;
}

// A global root NAME at BASE.
uint32_t add_global(HeapGraphBuilder &b, const std::string &name, uint64_t base) {
  Root r;
  r.info = {MemoryRootKind::Global, name, 0, "", name, ""};
  r.base = base;
  return b.add_root(r);
}

}  // namespace

TEST_CASE("dominators match the definition on random graphs", "[memory]") {
  std::mt19937 rng(1234);
  for (int round = 0; round < 200; ++round) {
    uint32_t n = 1 + rng() % 40;
    std::vector<std::vector<uint32_t>> adj(n);
    uint32_t edges = rng() % (3 * n + 1);
    for (uint32_t e = 0; e < edges; ++e) adj[rng() % n].push_back(rng() % n);
    std::vector<uint64_t> start{0};
    std::vector<uint32_t> succ;
    for (auto &a : adj) {
      succ.insert(succ.end(), a.begin(), a.end());
      start.push_back(succ.size());
    }
    std::vector<uint32_t> idom = dominators(n, start, succ);
    std::vector<bool> reach = reachable_without(n, adj, n);  // nothing removed (n is no node)
    std::vector<std::vector<bool>> without(n);
    for (uint32_t d = 0; d < n; ++d) without[d] = reachable_without(n, adj, d);
    for (uint32_t v = 1; v < n; ++v) {
      INFO("round " << round << " node " << v);
      if (!reach[v]) {
        CHECK(idom[v] == kUnreached);
        continue;
      }
      // The immediate dominator dominates v, and every other dominator of v dominates it.
      uint32_t d = idom[v];
      REQUIRE(d < n);
      CHECK(d != v);
      CHECK((d == 0 || !without[d][v]));
      for (uint32_t x = 1; x < n; ++x)
        if (x != v && !without[x][v]) CHECK((x == d || !without[x][d]));
    }
  }
}

TEST_CASE("retained sizes, shared and unreachable bytes on a hand-made heap", "[memory]") {
  HeapGraphBuilder b;
  // main.cache -> map header (48) -> buckets (1024) -> three values (4096 each);
  // a goroutine's local -> slice backing (8192) -> nothing;
  // both -> shared (64); garbage (256) reachable from nothing.
  ObjectId map = b.add_object(0x1000, 48, "runtime.hmap");
  ObjectId buckets = b.add_object(0x2000, 1024);
  ObjectId v1 = b.add_object(0x3000, 4096), v2 = b.add_object(0x4000, 4096), v3 = b.add_object(0x5000, 4096);
  ObjectId backing = b.add_object(0x10000, 8192, "[1024]uint8");
  b.add_object(0x20000, 64);   // shared
  b.add_object(0x30000, 256);  // garbage
  b.add_pointer(map, 16, 0x2000);
  b.add_pointer(buckets, 8, 0x3000);
  b.add_pointer(buckets, 16, 0x4008);  // interior pointer
  b.add_pointer(buckets, 24, 0x5000);
  b.add_pointer(v1, 0, 0x20000);
  b.add_pointer(backing, 0, 0x8000);  // between objects: dangling, in the heap's range
  b.add_pointer(v3, 0, 0xdead0000);   // outside the heap: dropped
  (void)v2;
  Root global;
  global.info = {MemoryRootKind::Global, "main.cache", 0, "", "main.cache", "map[string][]uint8"};
  global.base = 0x500000;
  uint32_t g = b.add_root(global);
  b.add_root_pointer(g, 0x500000, 0x1000);
  Root local;
  local.info = {MemoryRootKind::Stack, "goroutine 7: main.worker: buf", 7, "main.worker", "buf", "[]uint8"};
  local.base = 0xc000100000;
  uint32_t s = b.add_root(local);
  b.add_root_pointer(s, 0xc000100018, 0x10000);
  b.add_root_pointer(s, 0xc000100020, 0x20000);
  CHECK(b.add_root(local) == s);  // same variable: one root

  HeapGraph graph = b.finish();
  REQUIRE(graph.object_count() == 8);
  CHECK(graph.find(0x4008) == graph.find(0x4000));
  CHECK(graph.find(0x8000) == kNoObject);
  CHECK(graph.find(0x30100) == kNoObject);  // one past the last object
  CHECK(graph.dangling_pointers == 1);

  MemoryReport rep = summarize(graph);
  CHECK(rep.live_objects == 8);
  CHECK(rep.live_bytes == 48 + 1024 + 3 * 4096 + 8192 + 64 + 256);
  CHECK(rep.unreachable_bytes == 256);
  CHECK(rep.unreachable_objects == 1);
  CHECK(rep.shared_bytes == 64);
  REQUIRE(rep.retainers.size() == 2);
  const MemoryRetainer &top = rep.retainers[0];
  CHECK(top.root.name == "main.cache");
  CHECK(top.retained_bytes == 48 + 1024 + 3 * 4096);
  CHECK(top.retained_objects == 5);
  REQUIRE(top.path.size() == 2);  // the map header, then its buckets (no single value holds half)
  CHECK(top.path[0].address == 0x1000);
  CHECK(top.path[0].type == "runtime.hmap");
  CHECK(top.path[1].address == 0x2000);
  CHECK(top.path[1].retained_bytes == 1024 + 3 * 4096);
  const MemoryRetainer &second = rep.retainers[1];
  CHECK(second.root.goroutine == 7);
  CHECK(second.root.variable == "buf");
  CHECK(second.retained_bytes == 8192);
  REQUIRE(!second.path.empty());
  CHECK(second.path[0].type == "[1024]uint8");

  REQUIRE(!rep.types.empty());
  CHECK(rep.types[0].type == "unknown");
  CHECK(rep.types[0].size_class == 4096);
  CHECK(rep.types[0].objects == 3);
  CHECK(rep.types[1].type == "[1024]uint8");
  CHECK(rep.typed_bytes == 48 + 8192);
}

TEST_CASE("of children retaining as much, the path takes the lowest object, not the first searched", "[memory]") {
  // The root's slots point at the higher object first: the depth-first
  // search numbers it first, the path still goes into the lower one.
  HeapGraphBuilder b;
  ObjectId low = b.add_object(0x1000, 1024), high = b.add_object(0x2000, 1024);
  uint32_t ri = add_global(b, "main.pair", 0x500000);
  b.add_root_pointer(ri, 0x500000, 0x2000);
  b.add_root_pointer(ri, 0x500008, 0x1000);
  HeapGraph g = b.finish();
  MemoryReport rep = summarize(g);
  REQUIRE(rep.retainers.size() == 1);
  CHECK(rep.retainers[0].retained_bytes == 2048);
  REQUIRE(rep.retainers[0].path.size() == 1);
  CHECK(rep.retainers[0].path[0].address == g.address(low));
  (void)high;
}

TEST_CASE("an overlapping object from a corrupt dump is dropped with a note", "[memory]") {
  HeapGraphBuilder b;
  b.add_object(0x1000, 64);
  b.add_object(0x1020, 64);
  HeapGraph graph = b.finish();
  CHECK(graph.object_count() == 1);
  REQUIRE(graph.notes.size() == 1);
  CHECK(graph.notes[0].find("overlapping") != std::string::npos);
}

TEST_CASE("objects and pointers in address order or shuffled give the same graph", "[memory]") {
  // A core's walk adds objects in address order and each object's pointers
  // right after it (the builder's direct path); a heap dump may not (the
  // sorted path). Both must give the same graph, find and summary.
  std::mt19937 rng(15);
  for (int round = 0; round < 20; ++round) {
    struct Obj {
      uint64_t addr, size;
      std::string type;
    };
    std::vector<Obj> objs;
    uint64_t at = 0xc000000000 + (rng() % 64) * 8192;
    size_t count = 1 + rng() % 400;
    for (size_t i = 0; i < count; ++i) {
      uint64_t size = round % 3 == 0 ? 16 : 8 * (1 + rng() % 64);
      if (rng() % 10 == 0) size = 8192 * (1 + rng() % 3);  // a large object
      if (rng() % 4 == 0) at += 8 * (1 + rng() % 600);     // free slots, gaps between spans
      if (round == 7 && i == 5) size = 0;                  // an empty object
      objs.push_back({at, size, rng() % 3 ? "" : "T" + std::to_string(rng() % 4)});
      at += size;
    }
    const uint64_t lo = objs.front().addr, hi = at;
    struct Ptr {
      size_t from;
      uint64_t offset, to;
    };
    std::vector<Ptr> ptrs;
    for (size_t i = 0; i < objs.size(); ++i)
      for (size_t k = rng() % 4; k-- > 0;) {
        uint64_t to = lo + rng() % (hi - lo + 64);  // inside objects, between them, past the end
        if (rng() % 8 == 0) to = 0x1000;            // outside the heap
        ptrs.push_back({i, 8 * k, to});
      }
    auto build = [&](const std::vector<size_t> &order, bool pointers_after_each, unsigned threads = 1) {
      HeapGraphBuilder b;
      std::vector<ObjectId> id(objs.size());
      auto add_ptrs = [&](size_t i) {
        for (const Ptr &p : ptrs)
          if (p.from == i) b.add_pointer(id[i], p.offset, p.to);
      };
      for (size_t i : order) {
        id[i] = b.add_object(objs[i].addr, objs[i].size, objs[i].type);
        if (pointers_after_each) add_ptrs(i);
      }
      if (!pointers_after_each)
        for (size_t i : order) add_ptrs(i);
      Root r;
      r.info = {MemoryRootKind::Global, "main.x", 0, "", "main.x", ""};
      r.base = 0x500000;
      uint32_t ri = b.add_root(r);
      for (size_t k = 0; k < 5; ++k) b.add_root_pointer(ri, 0x500000 + 8 * k, objs[rng() % objs.size()].addr);
      return b.finish(threads);
    };
    std::vector<size_t> in_order(objs.size());
    std::iota(in_order.begin(), in_order.end(), size_t(0));
    std::vector<size_t> shuffled = in_order;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    auto root_rng = rng;
    HeapGraph direct = build(in_order, true);
    rng = root_rng;
    HeapGraph sorted = build(shuffled, false);
    rng = root_rng;
    HeapGraph in_order_late = build(in_order, false);
    // The direct path's pointers resolved in parts on several threads (more
    // parts than edges, in small graphs).
    rng = root_rng;
    HeapGraph direct3 = build(in_order, true, 3);
    rng = root_rng;
    HeapGraph direct8 = build(in_order, true, 8);
    for (const HeapGraph *g : {&sorted, &in_order_late, &direct3, &direct8}) {
      REQUIRE(g->object_count() == direct.object_count());
      CHECK(g->dangling_pointers == direct.dangling_pointers);
      for (ObjectId o = 0; o < direct.object_count(); ++o) {
        CHECK(g->address(o) == direct.address(o));
        CHECK(g->type_name(g->type(o)) == direct.type_name(direct.type(o)));
        REQUIRE(g->edges_end(o) - g->edges_begin(o) == direct.edges_end(o) - direct.edges_begin(o));
        for (const Edge *e = direct.edges_begin(o), *f = g->edges_begin(o); e != direct.edges_end(o); ++e, ++f) {
          CHECK(e->target == f->target);
          CHECK(e->from_offset == f->from_offset);
          CHECK(e->to_offset == f->to_offset);
        }
      }
    }
    // find against a scan of every object.
    for (int k = 0; k < 2000; ++k) {
      uint64_t a = lo - 64 + rng() % (hi - lo + 192);
      ObjectId want = kNoObject;
      for (ObjectId o = 0; o < direct.object_count(); ++o)
        if (a >= direct.address(o) && a - direct.address(o) < direct.size(o)) want = o;
      CHECK(direct.find(a) == want);
      CHECK(sorted.find(a) == want);
    }
    MemoryReport x = summarize(direct), y = summarize(sorted);
    CHECK(x.live_bytes == y.live_bytes);
    CHECK(x.reachable_bytes == y.reachable_bytes);
    CHECK(x.shared_bytes == y.shared_bytes);
    REQUIRE(x.retainers.size() == y.retainers.size());
    for (size_t i = 0; i < x.retainers.size(); ++i) {
      CHECK(x.retainers[i].retained_bytes == y.retainers[i].retained_bytes);
      CHECK(x.retainers[i].path.size() == y.retainers[i].path.size());
    }
  }
}

namespace {

// Every figure of a report, for comparing two.
std::string describe(const MemoryReport &r) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << r.source << ' ' << r.live_bytes << ' ' << r.live_objects << ' ' << r.reachable_bytes << ' '
     << r.reachable_objects << ' ' << r.unreachable_bytes << ' ' << r.unreachable_objects << ' ' << r.shared_bytes
     << ' ' << r.shared_objects << ' ' << r.typed_bytes << '\n';
  for (const MemoryTypeStat &t : r.types)
    os << t.type << ' ' << t.size_class << ' ' << t.objects << ' ' << t.bytes << '\n';
  for (const MemoryRetainer &x : r.retainers) {
    os << int(x.root.kind) << ' ' << x.root.name << ' ' << x.root.goroutine << ' ' << x.root.function << ' '
       << x.root.variable << ' ' << x.root.type << ' ' << x.retained_bytes << ' ' << x.retained_objects << '\n';
    for (const MemoryPathStep &p : x.path)
      os << "  " << p.address << ' ' << p.type << ' ' << p.size << ' ' << p.retained_bytes << '\n';
  }
  for (const std::string &n : r.notes) os << n << '\n';
  return s;
}

}  // namespace

TEST_CASE("types propagated alongside the dominator tree give the report of types first", "[memory]") {
  // summarize(g, alongside) runs the types (here: a stand-in that names
  // objects and adds a note) on another thread while it builds the
  // dominator tree; the report must be the one of types, then summarize.
  std::mt19937 rng(77);
  for (int round = 0; round < 10; ++round) {
    auto build = [&](std::mt19937 r) {
      HeapGraphBuilder b;
      size_t count = 1 + r() % 3000;
      uint64_t at = 0xc000000000;
      for (size_t i = 0; i < count; ++i) {
        b.add_object(at, 16 * (1 + r() % 8), r() % 5 ? "" : "T" + std::to_string(r() % 3));
        at += 256;
      }
      for (size_t i = 0; i < count; ++i)
        for (size_t k = r() % 3; k-- > 0;) b.add_pointer(ObjectId(i), 8 * k, 0xc000000000 + 256 * (r() % count));
      for (int x = 0; x < 4; ++x) {
        uint64_t base = 0x500000 + 64 * x;
        uint32_t ri = add_global(b, "main.g" + std::to_string(x), base);
        for (size_t k = 0; k < 3; ++k) b.add_root_pointer(ri, base + 8 * k, 0xc000000000 + 256 * (r() % count));
      }
      return b.finish();
    };
    auto types = [](HeapGraph &g) {
      for (ObjectId o = 0; o < g.object_count(); ++o)
        if (!g.type(o) && o % 3 != 1) g.set_type(o, g.intern_type(o % 2 ? "main.A" : "[4]main.B"));
      g.notes.push_back("typed");
    };
    std::mt19937 seed(rng());
    HeapGraph first = build(seed), along = build(seed), inline_ = build(seed);
    types(first);
    const std::string want = describe(summarize(first));
    CHECK(want.find("main.A") != std::string::npos);
    SummarizeOptions two;
    two.threads = 2;
    CHECK(describe(summarize(along, [&] { types(along); }, two)) == want);
    SummarizeOptions one;
    one.threads = 1;
    CHECK(describe(summarize(inline_, [&] { types(inline_); }, one)) == want);
  }
  // An exception from the other thread reaches the caller.
  HeapGraphBuilder b;
  b.add_object(0x1000, 16);
  HeapGraph g = b.finish();
  SummarizeOptions two;
  two.threads = 2;
  CHECK_THROWS_AS(summarize(g, [] { throw std::runtime_error("types"); }, two), std::runtime_error);
}

TEST_CASE("parallel_for runs every item once, on any number of threads", "[memory]") {
  for (unsigned threads : {1u, 2u, 5u}) {
    for (size_t n : {size_t(0), size_t(1), size_t(3), size_t(100)}) {
      std::vector<std::atomic<int>> seen(n);
      parallel_for(n, threads, [&](size_t i) { seen[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) CHECK(seen[i].load() == 1);
    }
  }
  CHECK_THROWS_AS(parallel_for(10, 3,
                               [](size_t i) {
                                 if (i == 4) throw std::runtime_error("x");
                               }),
                  std::runtime_error);
}

namespace {

const std::string kMemoryDir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/memory/";

// The executable of a fixture, decompressed once to the scratch directory.
std::string fixture_exe(const std::string &zst) {
  return test::decompressed_copy(kMemoryDir + zst);
}

bool within(uint64_t got, uint64_t want, double tolerance) {
  return double(got) >= double(want) * (1 - tolerance) && double(got) <= double(want) * (1 + tolerance);
}

}  // namespace

// testdata/memory: programs whose owners the runtime measured (HeapAlloc
// deltas around each allocation, after GC) before writing a heap dump or
// dying in a core (a panic, or out of memory under ulimit).
TEST_CASE("memory of heap dumps and cores matches the runtime's own figures", "[memory][heapdump][cores]") {
  std::map<std::string, std::vector<test::ManifestRow>> by_fixture;
  for (const test::ManifestRow &row : test::read_manifest(kMemoryDir + "MANIFEST.tsv"))
    by_fixture[row["fixture"]].push_back(row);
  size_t dumps = 0, cores = 0, out_of_memory = 0;
  for (const auto &[fixture, owners] : by_fixture) {
    INFO(fixture);
    const bool dump = owners.front()["format"] == "heapdump";
    const bool oom = owners.front()["scenario"] == "oom";
    (dump ? dumps : cores) += 1;
    out_of_memory += oom;
    AnalysisOptions opts;
    opts.progress = false;
    opts.exe = fixture_exe(owners.front()["exe"]);
    // The default: on for heap dumps and out-of-memory cores only.
    if (!dump && !oom) {
      Input plain = analyze_input(kMemoryDir + fixture, opts);
      REQUIRE(plain.reports.size() == 1);
      CHECK(!plain.reports[0].memory);
      // ... but a line with the heap's size, from the spans alone.
      const auto &notes = plain.reports[0].process.notes;
      CHECK(std::any_of(notes.begin(), notes.end(), [](const std::string &n) {
        return n.rfind("heap: ", 0) == 0 && n.find(" MiB live in ") != std::string::npos &&
               n.find("--memory shows what holds it") != std::string::npos;
      }));
      opts.memory = DecodeOptions::Memory::On;
    }
    Input in = analyze_input(kMemoryDir + fixture, opts);
    REQUIRE(in.reports.size() == 1);
    const Report &r = in.reports[0];
    REQUIRE(r.memory);
    const MemoryReport &m = *r.memory;
    CHECK(m.source == (dump ? "heap dump" : "core"));
    uint64_t heap_alloc = std::stoull(owners.front()["heap_alloc"]);
    INFO("live_bytes " << m.live_bytes << " HeapAlloc " << heap_alloc);
    CHECK(within(m.live_bytes, heap_alloc, 0.10));
    for (const test::ManifestRow &owner : owners) {
      INFO(owner["owner"] << " (" << owner["kind"] << "), " << owner["bytes"] << " bytes");
      const MemoryRetainer *found = nullptr;
      for (const MemoryRetainer &rt : m.retainers) {
        if (owner["kind"] == "global" && rt.root.kind == MemoryRootKind::Global && rt.root.name == owner["owner"])
          found = &rt;
        if (owner["kind"] == "stack" && rt.root.kind == MemoryRootKind::Stack &&
            std::to_string(rt.root.goroutine) == owner["goroutine"] && rt.root.function == owner["function"] &&
            rt.root.variable == owner["variable"])
          found = &rt;
      }
      REQUIRE(found);
      INFO("retained " << found->retained_bytes);
      CHECK(within(found->retained_bytes, std::stoull(owner["bytes"]), 0.15));
      if (owner["kind"] == "global") CHECK(found->root.type == owner["type"]);
    }
    // The biggest owner is the top retainer; an out-of-memory or snapshot verdict names it.
    const std::string top = oom ? "main.hoard" : "main.cache";
    CHECK(m.retainers.front().root.name == top);
    if (dump || oom) {
      CHECK((r.verdict.summary.find(top + " ([][]uint8) retains") != std::string::npos ||
             r.verdict.summary.find(top + " (map[string][]uint8) retains") != std::string::npos));
      CHECK(r.verdict.explanation.find("What holds the heap: " + top) != std::string::npos);
    }
  }
  CHECK(dumps >= 7);      // go1.21 to go1.27
  CHECK(cores >= 6 + 4);  // go1.22 to go1.27, and four out of memory
  CHECK(out_of_memory >= 4);
}

TEST_CASE("diff of two heaps: retainers matched by root across goroutine ids, growth first", "[memory][diff]") {
  auto retainer = [](MemoryRootKind kind, std::string name, uint64_t bytes) {
    MemoryRetainer r;
    r.root.kind = kind;
    r.root.name = std::move(name);
    r.retained_bytes = bytes;
    r.retained_objects = bytes / 1024;
    return r;
  };
  MemoryReport before, after;
  before.live_bytes = 10 << 20;
  after.live_bytes = 30 << 20;
  before.retainers = {retainer(MemoryRootKind::Global, "main.cache", 8 << 20),
                      retainer(MemoryRootKind::Stack, "goroutine 7: main.worker: buf", 1 << 20),
                      retainer(MemoryRootKind::Global, "main.gone", 1 << 20)};
  after.retainers = {retainer(MemoryRootKind::Global, "main.cache", 27 << 20),
                     retainer(MemoryRootKind::Stack, "goroutine 9: main.worker: buf", 1 << 20),
                     retainer(MemoryRootKind::Stack, "goroutine 12: main.worker: buf", 2 << 20)};
  before.types = {{"unknown", 1024, 100, 100 << 10}};
  after.types = {{"unknown", 1024, 300, 300 << 10}, {"main.T", 0, 1, 64}};
  MemoryDiff d = diff_memory(before, after);
  CHECK(d.old_live_bytes == 10u << 20);
  CHECK(d.new_live_bytes == 30u << 20);
  REQUIRE(d.retainers.size() == 3);
  CHECK(d.retainers[0].name == "main.cache");
  CHECK(d.retainers[0].delta_bytes == 19 << 20);
  // Both goroutines running main.worker with buf are one retainer in the newer dump.
  CHECK(d.retainers[1].name == "main.worker: buf");
  CHECK(d.retainers[1].kind == "stack");
  CHECK(d.retainers[1].new_bytes == 3u << 20);
  CHECK(d.retainers[1].delta_bytes == 2 << 20);
  CHECK(d.retainers[2].name == "main.gone");
  CHECK(d.retainers[2].old_listed);
  CHECK_FALSE(d.retainers[2].new_listed);
  CHECK(d.retainers[2].delta_bytes == -(1 << 20));
  REQUIRE(d.types.size() == 2);
  CHECK(d.types[0].size_class == 1024);
  CHECK(d.types[0].delta_bytes == 200 << 10);
  CHECK_FALSE(d.types[1].old_listed);
}
