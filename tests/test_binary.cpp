// binary::Executable against the Go executables of testdata/cores. Expected
// values come from sources independent of the code under test: the ELF
// symbol table, LLVM's own .debug_frame parser, llvm-dwarfdump output of
// these releases (struct offsets), and DWARF versus pclntab symbolization.
#include "binary/executable.h"
#include "test_support.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugFrame.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <random>

using namespace crashctl::binary;

namespace {

const std::string kCores = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/cores/";

std::string read_file(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path, false, false);
  return buf ? (*buf)->getBuffer().str() : std::string();
}

// A fresh path in the test's scratch directory (removed at exit).
std::string temp_path(const std::string &stem) {
  static int n = 0;
  return crashctl::test::scratch_dir() + "/binary-" + std::to_string(n++) + "-" + stem;
}

void write_file(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// testdata/cores/REL.zst decompressed once per run; "" when absent.
std::string fixture(const std::string &rel) {
  return crashctl::test::decompressed_copy(kCores + rel + ".zst");
}

std::unique_ptr<Executable> open_fixture(const std::string &rel) {
  std::string path = fixture(rel);
  if (path.empty()) return nullptr;
  auto exe = Executable::open(path);
  REQUIRE(bool(exe));
  return std::move(*exe);
}

struct Release {
  const char *exe;  // under testdata/cores
  const char *version;
  bool pie, gnu_build_id, dwarf5;
  uint64_t g_size, goid_offset, gobuf_size;  // from llvm-dwarfdump-19 of these builds
};

const Release kReleases[] = {
    {"go1.21.13/scenarios-core.exe", "go1.21.13", false, false, false, 408, 152, 56},
    {"go1.21.13/scenarios-core.pie.exe", "go1.21.13", true, false, false, 408, 152, 56},
    {"go1.24.13/scenarios-core.exe", "go1.24.13", false, true, false, 440, 160, 56},
    {"go1.26.8/scenarios-core.exe", "go1.26.8", false, true, true, 456, 152, 48},
    {"go1.26.8/scenarios-core.pie.exe", "go1.26.8", true, true, true, 456, 152, 48},
    {"go1.27.4/scenarios-core.exe", "go1.27.4", false, true, true, 456, 152, 48},
};

bool is_hex(const std::string &s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// pc -> CFA offset from RSP, per LLVM's reading of .debug_frame.
std::map<uint64_t, std::pair<uint64_t, int64_t>> cfa_rows(const std::string &path, uint64_t lo, uint64_t hi) {
  std::map<uint64_t, std::pair<uint64_t, int64_t>> rows;  // start -> (end, offset)
  auto bin = llvm::object::ObjectFile::createObjectFile(path);
  if (!bin) {
    llvm::consumeError(bin.takeError());
    return rows;
  }
  auto ctx = llvm::DWARFContext::create(*bin->getBinary());
  auto frame = ctx->getDebugFrame();
  if (!frame) {
    llvm::consumeError(frame.takeError());
    return rows;
  }
  for (const llvm::dwarf::FrameEntry &entry : (*frame)->entries()) {
    auto *fde = llvm::dyn_cast<llvm::dwarf::FDE>(&entry);
    if (!fde || fde->getInitialLocation() < lo || fde->getInitialLocation() >= hi) continue;
    auto table = llvm::dwarf::UnwindTable::create(fde);
    if (!table) {
      llvm::consumeError(table.takeError());
      continue;
    }
    const uint64_t fde_end = fde->getInitialLocation() + fde->getAddressRange();
    std::vector<llvm::dwarf::UnwindRow> list(table->begin(), table->end());
    for (size_t i = 0; i < list.size(); ++i) {
      const auto &cfa = list[i].getCFAValue();
      if (cfa.getLocation() != llvm::dwarf::UnwindLocation::RegPlusOffset || cfa.getRegister() != 7) continue;
      uint64_t start = list[i].getAddress(), end = i + 1 < list.size() ? list[i + 1].getAddress() : fde_end;
      rows[start] = {end, cfa.getOffset()};
    }
  }
  return rows;
}

// DW_AT_go_runtime_type of the structure DIE named NAME, found by LLVM directly.
std::optional<uint64_t> runtime_type_of(const std::string &path, const std::string &name) {
  auto bin = llvm::object::ObjectFile::createObjectFile(path);
  if (!bin) {
    llvm::consumeError(bin.takeError());
    return std::nullopt;
  }
  auto ctx = llvm::DWARFContext::create(*bin->getBinary());
  for (const auto &cu : ctx->compile_units())
    for (llvm::DWARFDie die : cu->getUnitDIE(false).children())
      if (die.getTag() == llvm::dwarf::DW_TAG_structure_type &&
          name == llvm::dwarf::toString(die.find(llvm::dwarf::DW_AT_name), ""))
        if (auto v = die.find(llvm::dwarf::Attribute(0x2904))) return v->getAsAddress();
  return std::nullopt;
}

std::string describe(const std::vector<SymbolizedFrame> &frames) {
  std::string s;
  for (const auto &f : frames)
    s += f.function + " " + f.file + ":" + std::to_string(f.line) + (f.inlined ? " (inlined)" : "") + " | ";
  return s;
}

}  // namespace

TEST_CASE("Executable::open names the file and the problem", "[binary]") {
  auto expect_error = [](const std::string &path, const std::string &what) {
    auto exe = Executable::open(path);
    REQUIRE_FALSE(bool(exe));
    std::string msg = llvm::toString(exe.takeError());
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find(what) != std::string::npos);
  };
  expect_error("/nonexistent/crashctl-binary-test", "cannot open");
  std::string text = temp_path("text");
  write_file(text, "goroutine 1 [running]:\n");
  expect_error(text, "not an ELF file");
  std::string elf32 = temp_path("elf32");
  write_file(elf32, std::string("\x7f"
                                "ELF\x01\x01\x01",
                                7) +
                        std::string(57, '\0'));
  expect_error(elf32, "32-bit");

  std::string exe_path = fixture("go1.26.8/scenarios-core.exe");
  if (exe_path.empty()) {
    WARN("testdata/cores/go1.26.8/scenarios-core.exe.zst missing: core-type check skipped");
  } else {
    std::string bytes = read_file(exe_path);
    bytes[16] = 4;  // e_type = ET_CORE
    std::string core = temp_path("core");
    write_file(core, bytes);
    expect_error(core, "core dump");
    llvm::sys::fs::remove(core);
  }
  llvm::sys::fs::remove(text);
  llvm::sys::fs::remove(elf32);
}

TEST_CASE("Executable reads Go executables of every release", "[binary]") {
  for (const Release &r : kReleases) {
    DYNAMIC_SECTION(r.exe) {
      auto exe = open_fixture(r.exe);
      if (!exe) {
        WARN(std::string("fixture missing: ") + r.exe);
        continue;
      }
      CHECK(exe->machine() == 62);
      CHECK(exe->is_pie() == r.pie);
      CHECK(exe->has_dwarf());
      CHECK(exe->pclntab_error() == "");

      // Build ids: Go's note always; a GNU note from Go 1.24 on (readelf -n).
      std::string go_id = exe->go_build_id();
      CHECK(std::count(go_id.begin(), go_id.end(), '/') == 3);
      CHECK(exe->gnu_build_id().empty() != r.gnu_build_id);
      if (r.gnu_build_id) CHECK((exe->gnu_build_id().size() == 40 && is_hex(exe->gnu_build_id())));

      // Build info (go version -m).
      auto bi = exe->build_info();
      REQUIRE(bi);
      CHECK(bi->go_version == r.version);
      CHECK(bi->path == "crashctl.test/scenarios-core");
      CHECK(bi->main.path == "crashctl.test/scenarios-core");
      auto setting = [&](const std::string &k) -> std::string {
        for (auto &[key, value] : bi->settings)
          if (key == k) return value;
        return "<absent>";
      };
      CHECK(setting("GOARCH") == "amd64");
      CHECK(setting("GOOS") == "linux");
      CHECK(setting("-buildmode") == (r.pie ? "pie" : "exe"));

      // runtime.g layout as llvm-dwarfdump-19 prints it for these releases.
      const TypeInfo *g = exe->type("runtime.g");
      REQUIRE(g);
      CHECK(g->size == r.g_size);
      CHECK(g->tag == llvm::dwarf::DW_TAG_structure_type);
      CHECK(g->go_kind == 25);  // reflect.Struct
      REQUIRE(g->field("goid"));
      CHECK(g->field("goid")->offset == r.goid_offset);
      CHECK(g->field("goid")->type == "uint64");
      CHECK(g->field("goid")->size == 8);
      REQUIRE(g->field("sched"));
      CHECK(g->field("sched")->offset == 56);
      CHECK(g->field("sched")->type == "runtime.gobuf");
      CHECK(g->field("sched")->size == r.gobuf_size);
      REQUIRE(g->field("_defer"));
      CHECK(g->field("_defer")->offset == 40);
      CHECK(g->field("_defer")->type == "*runtime._defer");
      CHECK(exe->type("runtime.gobuf")->size == r.gobuf_size);
      const TypeInfo *allgs = exe->type("[]*runtime.g");
      REQUIRE(allgs);
      CHECK(allgs->size == 24);
      CHECK(allgs->go_kind == 23);  // reflect.Slice
      CHECK(allgs->elem == "*runtime.g");
      const TypeInfo *gp = exe->type("*runtime.g");
      REQUIRE(gp);
      CHECK(gp->tag == llvm::dwarf::DW_TAG_pointer_type);
      CHECK(gp->size == 8);
      CHECK(gp->elem == "runtime.g");
      CHECK(exe->type("no.such.Type") == nullptr);
      if (auto rt = runtime_type_of(fixture(r.exe), "runtime.g")) {
        const TypeInfo *by_rt = exe->type_by_runtime_offset(*rt);
        REQUIRE(by_rt);
        CHECK(by_rt->name == "runtime.g");
        CHECK(by_rt->size == r.g_size);
      }

      // Globals agree with the ELF symbol table; constants with the runtime source.
      auto allgs_sym = exe->symbol("runtime.allgs");
      REQUIRE(allgs_sym);
      CHECK(exe->global_address("runtime.allgs") == allgs_sym->first);
      CHECK(exe->constant("runtime._Gscan") == 0x1000);
      CHECK(exe->constant("runtime._Gwaiting") == 4);
      CHECK(exe->constant("internal/abi.FUNCDATA_InlTree") == 3);
      auto waits = exe->constants_with_prefix("runtime.waitReason");
      CHECK(waits.size() >= 30);
      for (auto &[name, value] : waits) CHECK(name.rfind("runtime.waitReason", 0) == 0);

      // pclntab functions agree with the symbol table (go tool nm).
      size_t compared = 0, mismatched = 0;
      for (const char *name : {"main.main", "main.guard", "runtime.gopanic", "runtime.main", "runtime.schedule"}) {
        const Func *f = exe->func_named(name);
        REQUIRE(f);
        auto sym = exe->symbol(name);
        REQUIRE(sym);
        CHECK(f->entry == sym->first);
        CHECK(exe->func_at(f->entry) == f);
        CHECK(exe->func_at(f->end - 1) == f);
        CHECK(exe->sp_delta(*f, f->entry) == 0);
      }
      for (uint64_t pc = exe->func_named("runtime.gopanic")->entry - 0x20000; compared < 3000; pc += 97) {
        const Func *f = exe->func_at(pc);
        if (!f) continue;
        // Assembly functions are "name.abi0" in the symbol table; their ABI
        // wrapper takes the plain name there but shares it in the pclntab.
        auto sym = exe->symbol(f->name), sym0 = exe->symbol(f->name + ".abi0");
        if (!sym) continue;
        ++compared;
        if (sym0 && sym0->first == f->entry) continue;
        if (sym->first != f->entry && mismatched++ < 3)
          WARN(f->name << " pclntab " << f->entry << " symtab " << sym->first);
      }
      CHECK(mismatched == 0);
      auto gofunc = exe->symbol("go:func.*");
      REQUIRE(gofunc);
      CHECK(exe->gofunc_base() == gofunc->first);

      // pcsp agrees with the CFA rows LLVM reads from .debug_frame (CFA = SP + delta + 8).
      const Func *from = exe->func_named("main.main");
      auto rows = cfa_rows(fixture(r.exe), from->entry - 0x4000, from->entry + 0x4000);
      size_t checked = 0, wrong = 0;
      for (auto &[start, row] : rows) {
        for (uint64_t pc = start; pc < row.first; ++pc) {
          const Func *f = exe->func_at(pc);
          if (!f) continue;
          auto d = exe->sp_delta(*f, pc);
          if (!d) continue;  // padding after the table's end
          ++checked;
          if (*d + 8 != row.second) ++wrong;
        }
      }
      CHECK(checked > 1000);
      CHECK(wrong == 0);

      // DWARF and the pclntab inline tree give the same logical frames.
      size_t pcs = 0, differ = 0, inlined = 0;
      for (uint64_t pc = from->entry - 0x4000; pc < from->entry + 0x4000; ++pc) {
        const Func *f = exe->func_at(pc);
        if (!f || f->name.rfind("main.", 0) != 0 || !exe->pcln_line(*f, pc)) continue;
        auto a = exe->symbolize(pc), b = exe->symbolize_pclntab(pc);
        ++pcs;
        if (a.size() > 1) ++inlined;
        bool same = a.size() == b.size();
        for (size_t i = 0; same && i < a.size(); ++i)
          same = a[i].function == b[i].function && a[i].line == b[i].line && a[i].file == b[i].file &&
                 a[i].inlined == b[i].inlined;
        if (!same && differ++ < 3) WARN("pc " << pc << ": dwarf " << describe(a) << " pclntab " << describe(b));
      }
      CHECK(pcs > 1000);
      CHECK(inlined > 0);
      CHECK(differ == 0);

      // Deferred functions that call recover directly (testdata/scenarios-core).
      auto calls = [&](const char *fn, const char *target) {
        const Func *f = exe->func_named(fn);
        REQUIRE(f);
        return exe->calls(*f, target);
      };
      CHECK(calls("main.guard", "runtime.gorecover") == true);
      CHECK(calls("main.tryRecover", "runtime.gorecover") == true);
      CHECK(calls("main.cleanupJob", "runtime.gorecover") == false);
      CHECK(calls("main.cleanupJob", "main.tryRecover") == true);
      CHECK(calls("main.guard", "no.such.func") == std::nullopt);
    }
  }
}

TEST_CASE("Executable symbolizes inlined frames innermost first", "[binary]") {
  // Every pc: all frames but the last flagged inlined, and the outermost
  // frame is the pclntab function containing the pc.
  auto exe = open_fixture("go1.26.8/scenarios-core.exe");
  if (!exe) return;
  const Func *m = exe->func_named("main.main");
  size_t seen = 0;
  for (uint64_t pc = m->entry - 0x2000; pc < m->entry + 0x2000; ++pc) {
    const Func *f = exe->func_at(pc);
    if (!f) continue;
    auto frames = exe->symbolize(pc);
    REQUIRE_FALSE(frames.empty());
    CHECK(frames.back().function == f->name);
    CHECK_FALSE(frames.back().inlined);
    for (size_t i = 0; i + 1 < frames.size(); ++i) CHECK(frames[i].inlined);
    if (frames.size() > 1) ++seen;
  }
  CHECK(seen > 0);
  // Cached results are identical.
  auto a = exe->symbolize(m->entry), b = exe->symbolize(m->entry);
  CHECK(describe(a) == describe(b));
}

TEST_CASE("Executable survives truncated and corrupted executables", "[binary]") {
  std::string path = fixture("go1.26.8/scenarios-core.exe");
  if (path.empty()) return;
  const std::string original = read_file(path);
  std::mt19937_64 rng(12345);
  const std::string scratch = temp_path("fuzz");
  int opened = 0;
  for (int round = 0; round < 40; ++round) {
    std::string bytes = original;
    if (round % 4 == 0) {
      bytes.resize(rng() % bytes.size());
    } else {
      // Overwrite a few spans with random bytes: headers, tables, DWARF.
      for (int k = 0; k < 1 + round % 7; ++k) {
        size_t at = (round % 3 == 0) ? rng() % 4096 : rng() % bytes.size();
        size_t len = 1 + rng() % 64;
        for (size_t i = at; i < std::min(bytes.size(), at + len); ++i) bytes[i] = char(rng());
      }
    }
    write_file(scratch, bytes);
    auto exe = Executable::open(scratch);
    if (!exe) {
      llvm::consumeError(exe.takeError());
      continue;
    }
    ++opened;
    (*exe)->build_info();
    (*exe)->type("runtime.g");
    (*exe)->type("[]*runtime.g");
    (*exe)->constants_with_prefix("runtime.");
    (*exe)->global_address("runtime.allgs");
    (*exe)->type_by_runtime_offset(0x1000);
    const Func *f = (*exe)->func_named("main.guard");
    if (f) {
      (*exe)->calls(*f, "runtime.gorecover");
      for (uint64_t pc = f->entry; pc < f->end; ++pc) {
        (*exe)->sp_delta(*f, pc);
        (*exe)->pcln_line(*f, pc);
        (*exe)->symbolize(pc);
      }
    }
    for (uint64_t pc = 0x401000; pc < 0x480000; pc += 0x1003) (*exe)->symbolize_pclntab(pc);
  }
  llvm::sys::fs::remove(scratch);
  CHECK(opened > 0);
}
