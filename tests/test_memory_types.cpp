// Type propagation (lib/memory/types.h): on a hand-made graph with a table of
// DWARF types (pointees, slices' capacities read or counted from the slot,
// strings, channels' buffers, interfaces, interior pointers, conflicts and
// cycles), and on the testdata/memory fixtures of every release, cores (Go
// 1.22-1.27) and heap dumps (Go 1.21-1.27), against what the program
// allocated (testdata/scenarios-memory).
#include "io/input.h"
#include "memory/heap_graph.h"
#include "memory/retainers.h"
#include "memory/types.h"
#include "pipeline/analyze.h"

#include "llvm/BinaryFormat/Dwarf.h"

#include "test_support.h"

#include <catch2/catch.hpp>

#include <map>

using namespace crashctl;
using namespace crashctl::memory;

namespace {

// DWARF types from a table, as Go's linker writes them.
class TableProgram : public binary::GoProgram {
public:
  const binary::Func *func_at(uint64_t) const override { return nullptr; }
  const binary::Func *func_named(std::string_view) const override { return nullptr; }
  std::optional<int32_t> sp_delta(const binary::Func &, uint64_t) const override { return std::nullopt; }
  std::optional<int64_t> constant(std::string_view) const override { return std::nullopt; }
  std::optional<uint64_t> global_address(std::string_view) const override { return std::nullopt; }
  const binary::TypeInfo *type(std::string_view name) const override {
    auto it = types.find(std::string(name));
    return it == types.end() ? nullptr : &it->second;
  }
  void add(binary::TypeInfo t) { types[t.name] = std::move(t); }
  std::map<std::string, binary::TypeInfo> types;
};

binary::TypeInfo base(const std::string &name, uint64_t size) {
  binary::TypeInfo t;
  t.name = name;
  t.size = size;
  t.tag = llvm::dwarf::DW_TAG_base_type;
  return t;
}
binary::TypeInfo pointer(const std::string &to) {
  binary::TypeInfo t;
  t.name = "*" + to;
  t.size = 8;
  t.tag = llvm::dwarf::DW_TAG_pointer_type;
  t.go_kind = 22;
  t.elem = to;
  return t;
}
binary::TypeInfo structure(const std::string &name, uint64_t size, uint8_t kind,
                           std::vector<binary::TypeField> fields) {
  binary::TypeInfo t;
  t.name = name;
  t.size = size;
  t.tag = llvm::dwarf::DW_TAG_structure_type;
  t.go_kind = kind;
  t.fields = std::move(fields);
  return t;
}

TableProgram program() {
  TableProgram p;
  p.add(base("uint8", 1));
  p.add(base("int", 8));
  p.add(base("uint", 8));
  auto unsafe_pointer = base("unsafe.Pointer", 8);  // a DW_TAG_pointer_type without DW_AT_type
  unsafe_pointer.tag = llvm::dwarf::DW_TAG_pointer_type;
  unsafe_pointer.go_kind = 26;
  p.add(unsafe_pointer);
  p.add(pointer("uint8"));
  p.add(pointer("main.T"));
  auto slice = structure("[]uint8", 24, 23, {{"array", 0, "*uint8", 8}, {"len", 8, "int", 8}, {"cap", 16, "int", 8}});
  slice.elem = "uint8";
  p.add(slice);
  p.add(structure("string", 16, 24, {{"str", 0, "*uint8", 8}, {"len", 8, "int", 8}}));
  // type T struct { next *T; data []byte; name string }
  p.add(structure("main.T", 48, 25, {{"next", 0, "*main.T", 8}, {"data", 8, "[]uint8", 24}, {"name", 32, "string", 16}}));
  // chan *T: a typedef of *hchan<*main.T> (synthesizechantypes)
  binary::TypeInfo ch;
  ch.name = "chan *main.T";
  ch.size = 8;
  ch.tag = llvm::dwarf::DW_TAG_typedef;
  ch.go_kind = 18;
  ch.elem = "*main.T";
  ch.target = "*hchan<*main.T>";
  p.add(ch);
  p.add(pointer("hchan<*main.T>"));
  p.add(structure("hchan<*main.T>", 96, 0,
                  {{"qcount", 0, "uint", 8}, {"dataqsiz", 8, "uint", 8}, {"buf", 16, "unsafe.Pointer", 8}}));
  // sync/atomic.Pointer[T]: { _ [0]*T; _ noCopy; v unsafe.Pointer }
  binary::TypeInfo zero;
  zero.name = "[0]*main.T";
  zero.tag = llvm::dwarf::DW_TAG_array_type;
  zero.go_kind = 17;
  zero.elem = "*main.T";
  p.add(zero);
  p.add(structure("sync/atomic.Pointer[main.T]", 8, 25,
                  {{"_", 0, "[0]*main.T", 0}, {"_", 0, "sync/atomic.noCopy", 0}, {"v", 0, "unsafe.Pointer", 8}}));
  binary::TypeInfo any;
  any.name = "interface {}";
  any.size = 16;
  any.tag = llvm::dwarf::DW_TAG_typedef;
  any.go_kind = 20;
  any.target = "runtime.eface";
  p.add(any);
  return p;
}

uint32_t global(HeapGraphBuilder &b, const std::string &name, const std::string &type, uint64_t base) {
  Root r;
  r.info = {MemoryRootKind::Global, name, 0, "", name, type};
  r.base = base;
  return b.add_root(r);
}

std::string type_at(const HeapGraph &g, uint64_t addr) {
  ObjectId o = g.find(addr);
  return o == kNoObject ? "(none)" : g.type_name(g.type(o));
}

}  // namespace

TEST_CASE("types propagate from typed roots through fields, slices, strings, channels and interfaces", "[memory]") {
  TableProgram prog = program();
  HeapGraphBuilder b;
  ObjectId a = b.add_object(0x1000, 48), bb = b.add_object(0x2000, 48);
  b.add_object(0x3000, 64);  // A.data's array, also reached as a *main.T first
  b.add_object(0x4000, 64);  // B.data's array: its cap is not readable
  b.add_object(0x5000, 16);  // A.name's bytes
  b.add_object(0x6000, 48);  // reached only by an interior pointer
  ObjectId h = b.add_object(0x7000, 96), q = b.add_object(0x8000, 64);
  b.add_object(0x9000, 48);  // the channel's second element
  b.add_object(0xa000, 48);  // an interface's boxed main.T
  b.add_object(0xb000, 48);  // nothing points at it
  b.add_object(0xc000, 48);  // an atomic.Pointer[main.T]'s target
  b.add_pointer(a, 0, 0x2000);
  b.add_pointer(bb, 0, 0x1000);  // a cycle: each object is scanned once
  b.add_pointer(a, 8, 0x3000);
  b.add_pointer(bb, 8, 0x4000);
  b.add_pointer(a, 32, 0x5000);
  b.add_pointer(h, 16, 0x8000);
  b.add_pointer(q, 8, 0x9000);
  b.add_root_pointer(global(b, "main.root", "*main.T", 0x500000), 0x500000, 0x1000);
  b.add_root_pointer(global(b, "main.x", "*main.T", 0x500008), 0x500008, 0x3000);
  b.add_root_pointer(global(b, "main.p", "*main.T", 0x500010), 0x500010, 0x6008);
  b.add_root_pointer(global(b, "main.ch", "chan *main.T", 0x500018), 0x500018, 0x7000);
  b.add_root_pointer(global(b, "main.any", "interface {}", 0x510000), 0x510008, 0xa000);
  b.add_root_pointer(global(b, "main.ap", "sync/atomic.Pointer[main.T]", 0x520000), 0x520000, 0xc000);
  HeapGraph g = b.finish();

  std::map<uint64_t, uint64_t> memory{{0x1018, 50}, {0x7008, 4}, {0x510000, 0x400100}};
  TypeSource src;
  src.program = &prog;
  src.malloc_headers = false;
  src.word = [&](uint64_t addr) -> std::optional<uint64_t> {
    auto it = memory.find(addr);
    if (it == memory.end()) return std::nullopt;
    return it->second;
  };
  src.runtime_type = [&](uint64_t t) { return t == 0x400100 ? prog.type("main.T") : nullptr; };
  TypeStats st = propagate_types(g, src);

  CHECK(type_at(g, 0x1000) == "main.T");
  CHECK(type_at(g, 0x2000) == "main.T");
  CHECK(type_at(g, 0x3000) == "main.T");     // the first type kept ...
  CHECK(st.conflicts == 1);                  // ... and A.data's [50]uint8 counted
  CHECK(type_at(g, 0x4000) == "[64]uint8");  // no capacity: as many as the slot holds
  CHECK(st.slot_counts >= 1);
  CHECK(type_at(g, 0x5000) == "string data");
  CHECK(type_at(g, 0x6000) == "unknown");  // an interior pointer types nothing
  CHECK(type_at(g, 0x7000) == "hchan<*main.T>");
  CHECK(type_at(g, 0x8000) == "[4]*main.T");  // dataqsiz, not the slot's 8
  CHECK(type_at(g, 0x9000) == "main.T");
  CHECK(type_at(g, 0xa000) == "main.T");  // the eface's type word
  CHECK(st.interfaces == 1);
  CHECK(type_at(g, 0xb000) == "unknown");
  CHECK(type_at(g, 0xc000) == "main.T");  // v, by the `_ [0]*T` beside it
  REQUIRE(!g.notes.empty());
  CHECK(g.notes.back().find("types:") == 0);

  // A readable capacity names the array by it.
  MemoryReport rep = summarize(g);
  bool found = false;
  for (const MemoryTypeStat &t : rep.types) found |= t.type == "[64]uint8";
  CHECK(found);
}

TEST_CASE("a decoder's [N]T is renamed by a slice's capacity, and its pointers followed", "[memory]") {
  TableProgram prog = program();
  prog.add(pointer("[]uint8"));
  HeapGraphBuilder b;
  // A [][]uint8 backing array the decoder typed from its malloc header: 8-byte
  // header, room for 34 slices in 832 bytes; the slice says 32.
  ObjectId arr = b.add_object(0x10000, 832, "[34][]uint8");
  b.add_object(0x20000, 1024);
  b.add_pointer(arr, 8 + 24 * 3, 0x20000);  // element 3's data
  auto slices = structure("[][]uint8", 24, 23,
                          {{"array", 0, "*[]uint8", 8}, {"len", 8, "int", 8}, {"cap", 16, "int", 8}});
  slices.elem = "[]uint8";
  prog.add(slices);
  b.add_root_pointer(global(b, "main.blobs", "[][]uint8", 0x600000), 0x600000, 0x10008);
  HeapGraph g = b.finish();
  TypeSource src;
  src.program = &prog;
  src.word = [](uint64_t addr) -> std::optional<uint64_t> {
    if (addr == 0x600010) return 32;
    return std::nullopt;
  };
  TypeStats st = propagate_types(g, src);
  CHECK(st.typed_before == 1);
  CHECK(st.refined == 1);
  CHECK(type_at(g, 0x10000) == "[32][]uint8");
  CHECK(type_at(g, 0x20000) == "[1024]uint8");  // its elements' arrays, from the slot (no cap word)
}

namespace {

const std::string kMemoryDir = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/memory/";

const MemoryTypeStat *type_stat(const MemoryReport &m, const std::string &name) {
  for (const MemoryTypeStat &t : m.types)
    if (t.type == name) return &t;
  return nullptr;
}

}  // namespace

// testdata/memory: the "all" scenario's owners (testdata/README.md): a
// map[string][]uint8 of 3072 1024-byte values, a [][]uint8 local of 512
// 4096-byte slices, a chan []uint8 buffering 3072 512-byte slices, a tree of
// 3640 main.Tree nodes with 240-byte payloads, a [][]uint8 of 64 8192-byte
// slices.
TEST_CASE("types of the memory fixtures: cores 1.22-1.27 and heap dumps 1.21-1.27", "[memory]") {
  std::map<std::string, test::ManifestRow> fixtures;
  for (const test::ManifestRow &row : test::read_manifest(kMemoryDir + "MANIFEST.tsv"))
    if (row["scenario"] == "all") fixtures.emplace(row["fixture"], row);
  REQUIRE(fixtures.size() == 13);  // 6 cores, 7 dumps
  for (const auto &[fixture, row] : fixtures) {
    INFO(fixture);
    int minor = std::atoi(row["release"].c_str() + 4);
    AnalysisOptions opts;
    opts.progress = false;
    opts.memory = DecodeOptions::Memory::On;
    opts.exe = test::decompressed_copy(kMemoryDir + row["exe"]);
    Input in = analyze_input(kMemoryDir + fixture, opts);
    REQUIRE(in.reports.size() == 1);
    REQUIRE(in.reports[0].memory);
    const MemoryReport &m = *in.reports[0].memory;
    for (const std::string &n : m.notes) UNSCOPED_INFO("note: " << n);
    // Nearly every live byte typed (98.3% to 100% on these fixtures; the
    // rest is the runtime's small objects and, in go1.26+ dumps, unswept garbage).
    INFO("typed " << m.typed_bytes << " of " << m.live_bytes);
    CHECK(m.typed_bytes * 100 >= m.live_bytes * 97);
    // The owners' payloads, by the arrays the program allocated.
    for (auto [name, count] : std::vector<std::pair<std::string, uint64_t>>{
             {"[1024]uint8", 3072}, {"[4096]uint8", 512}, {"[512]uint8", 3072}, {"[240]uint8", 3640},
             {"[8192]uint8", 64}, {"main.Tree", 3640}, {"[3072][]uint8", 1}}) {
      INFO(name);
      const MemoryTypeStat *t = type_stat(m, name);
      REQUIRE(t);
      CHECK(t->objects == count);
    }
    // The map's internals: Swiss groups from Go 1.24, buckets before.
    bool groups = false;
    for (const MemoryTypeStat &t : m.types)
      groups |= t.type.find(minor >= 24 ? "noalg.map.group[string][]uint8" : "bucket<string,[]uint8>") !=
                std::string::npos;
    CHECK(groups);
    // The top retainers' paths are typed, down to the map's header and
    // directory or buckets, the channel's hchan and buffer, the tree's nodes.
    REQUIRE(m.retainers.size() >= 5);
    for (size_t i = 0; i < 5; ++i) {
      const MemoryRetainer &r = m.retainers[i];
      INFO(r.root.name);
      CHECK(!r.root.type.empty());
      for (const MemoryPathStep &s : r.path) CHECK(s.type != "unknown");
      if (r.root.name == "main.cache") {
        REQUIRE(!r.path.empty());
        CHECK(r.path[0].type == (minor >= 24 ? "map<string,[]uint8>" : "hash<string,[]uint8>"));
      }
      if (r.root.name == "main.queue") {
        REQUIRE(r.path.size() >= 2);
        CHECK(r.path[0].type == "hchan<[]uint8>");
        CHECK(r.path[1].type == "[3072][]uint8");
      }
      // Go 1.27's DWARF splits the slice local into pieces: "batch.ptr".
      if (r.root.kind == MemoryRootKind::Stack) CHECK(r.root.variable.rfind("batch", 0) == 0);
    }
  }
}
