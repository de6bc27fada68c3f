// Issue 11, executables and cores: only regular files are read as
// executables, decompressed executables are bounded, a core is read only
// with the executable that produced it, and a truncated core says so instead
// of inventing a verdict. Damaged cores are made here from the committed ones.
#include "binary/executable.h"
#include "binary/locate.h"
#include "cli_runner.h"
#include "core/core_file.h"
#include "pipeline/analyze.h"
#include "support/limits.h"
#include "test_support.h"

#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELF.h"
#include "llvm/Support/FileSystem.h"

#include <zlib.h>
#include <zstd.h>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <set>

using namespace crashctl;
using crashctl::test::decompressed_bytes;
using crashctl::test::decompressed_copy;
using crashctl::test::ManifestRow;
using crashctl::test::read_manifest;
using crashctl::test::scratch_dir;
using crashctl::test::with_recorded_exe;

namespace {

const std::string kCores = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/cores/";

void write_file(const std::string &path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

bool contains(const std::string &s, const std::string &what) {
  return s.find(what) != std::string::npos;
}

std::string all_messages(const Input &in) {
  std::string out;
  for (const Diagnostic &d : in.diagnostics) out += d.message + "\n";
  return out;
}

const ManifestRow &row(const std::string &release, const std::string &scenario, const std::string &mode = "exe") {
  static const auto rows = read_manifest(kCores + "MANIFEST.tsv");
  for (const ManifestRow &r : rows)
    if (r["release"] == release && r["scenario"] == scenario && r["build_mode"] == mode && r["goarch"] == "amd64")
      return r;
  FAIL("no manifest row " << release << " " << scenario << " " << mode);
  return rows.front();
}

// Runs F on a thread; if it has not returned after a few seconds it is
// blocked opening FIFO for reading: open the FIFO for writing to release it,
// and fail.
template <typename F>
auto without_blocking_on(const std::string &fifo, F f) {
  auto result = std::async(std::launch::async, f);
  if (result.wait_for(std::chrono::seconds(10)) == std::future_status::timeout) {
    int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (w >= 0) ::close(w);
    result.wait();
    FAIL("blocked on the FIFO " << fifo);
  }
  return result.get();
}

// Program headers of an ELF64 core held in memory.
struct Phdr {
  size_t at;  // offset of the header in the file
  llvm::ELF::Elf64_Phdr h;
};
std::vector<Phdr> program_headers(const std::string &core) {
  llvm::ELF::Elf64_Ehdr eh;
  std::memcpy(&eh, core.data(), sizeof eh);
  std::vector<Phdr> out;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Phdr p;
    p.at = eh.e_phoff + size_t(i) * eh.e_phentsize;
    std::memcpy(&p.h, core.data() + p.at, sizeof p.h);
    out.push_back(p);
  }
  return out;
}
// Leaves the memory at VADDR out of the core (p_filesz 0), as a core
// written without that mapping would.
void drop_memory(std::string &core, uint64_t vaddr) {
  for (Phdr &p : program_headers(core))
    if (p.h.p_type == llvm::ELF::PT_LOAD && vaddr - p.h.p_vaddr < p.h.p_memsz) {
      p.h.p_filesz = 0;
      std::memcpy(core.data() + p.at, &p.h, sizeof p.h);
    }
}
size_t file_offset(const std::string &core, uint64_t vaddr) {
  for (const Phdr &p : program_headers(core))
    if (p.h.p_type == llvm::ELF::PT_LOAD && vaddr - p.h.p_vaddr < p.h.p_filesz)
      return p.h.p_offset + (vaddr - p.h.p_vaddr);
  FAIL("address " << vaddr << " is not in the core");
  return 0;
}

}  // namespace

// --- Fault 2: executables that are not regular files, or bombs ------------

TEST_CASE("executables: only regular files are opened, and nothing blocks", "[binary][hostile]") {
  auto dev = binary::Executable::open("/dev/zero");
  REQUIRE_FALSE(bool(dev));
  CHECK(llvm::toString(dev.takeError()) == "/dev/zero: is a character device, not a regular file");

  auto dir = binary::Executable::open(scratch_dir());
  REQUIRE_FALSE(bool(dir));
  CHECK(contains(llvm::toString(dir.takeError()), "is a directory, not a regular file"));

  std::string fifo = scratch_dir() + "/exe.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto error = without_blocking_on(fifo, [&] {
    auto exe = binary::Executable::open(fifo);
    return exe ? std::string("opened") : llvm::toString(exe.takeError());
  });
  CHECK(error == fifo + ": is a FIFO, not a regular file");
}

TEST_CASE("a core whose recorded executable is a device or FIFO is refused", "[cores][hostile]") {
  const ManifestRow &r = row("go1.26.8", "nil-deref");
  std::string core = decompressed_bytes(test::core_fixture(kCores, r));

  SECTION("/dev/zero: refused at once, not read without end") {
    std::string path = scratch_dir() + "/records-dev-zero.core";
    write_file(path, with_recorded_exe(core, [](size_t n) {
                 REQUIRE(n >= 9);
                 return "/dev/" + std::string(n - 9, '/') + "zero";
               }));
    std::string out;
    // The address-space limit turns the old unbounded read into a quick
    // failure (ASan cannot run under one).
    std::string limit = crashctl::test::kAddressSanitizer ? "" : " --limit memory-bytes=2G";
    int rc = crashctl::testing::run_crashctl("analyze " + path + limit, out, true);
    CHECK(rc == 2);
    CHECK(contains(out, "zero: is a character device, not a regular file"));
  }
  SECTION("a FIFO: refused without blocking") {
    std::string dir = scratch_dir();
    std::string fifo = dir + "/f";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string bytes = with_recorded_exe(core, [&](size_t n) {
      REQUIRE(n >= dir.size() + 2);
      return dir + std::string(n - dir.size() - 1, '/') + "f";
    });
    Input in = without_blocking_on(fifo, [&] { return analyze_bytes(bytes, "records-fifo.core", AnalysisOptions{}); });
    CHECK(in.failed);
    CHECK(in.reports.empty());
    CHECK(contains(all_messages(in), "f: is a FIFO, not a regular file"));
  }
}

TEST_CASE("a compressed executable is decompressed only up to its limits", "[binary][hostile]") {
  SECTION("a zstd bomb is refused by the ratio, naming the file and the limit") {
    std::string zeros(size_t(64) << 20, '\0');
    std::string bomb(ZSTD_compressBound(zeros.size()), '\0');
    size_t n = ZSTD_compress(bomb.data(), bomb.size(), zeros.data(), zeros.size(), 3);
    REQUIRE_FALSE(ZSTD_isError(n));
    bomb.resize(n);
    std::string path = scratch_dir() + "/bomb.exe.zst";
    write_file(path, bomb);
    auto exe = binary::Executable::open(path);
    REQUIRE_FALSE(bool(exe));
    std::string msg = llvm::toString(exe.takeError());
    CHECK(contains(msg, path + ": cannot decompress: it decompresses to more than " + std::to_string(16 * bomb.size()) +
                            " bytes"));
    CHECK(contains(msg, "--limit executable-ratio=16"));
  }
  SECTION("a gzip bomb too") {
    std::string zeros(size_t(16) << 20, '\0');
    z_stream z{};
    REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string gz(deflateBound(&z, zeros.size()), '\0');
    z.next_in = reinterpret_cast<Bytef *>(zeros.data());
    z.avail_in = uInt(zeros.size());
    z.next_out = reinterpret_cast<Bytef *>(gz.data());
    z.avail_out = uInt(gz.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    gz.resize(z.total_out);
    deflateEnd(&z);
    std::string path = scratch_dir() + "/bomb.exe.gz";
    write_file(path, gz);
    auto exe = binary::Executable::open(path);
    REQUIRE_FALSE(bool(exe));
    CHECK(contains(llvm::toString(exe.takeError()), "executable-ratio"));
  }
  SECTION("executable-bytes caps a real executable; the default lets it through") {
    std::string path = kCores + "go1.26.8/scenarios-core.exe.zst";
    REQUIRE(bool(binary::Executable::open(path)));
    ResourceLimits saved = resource_limits(), small = saved;
    small.executable_bytes = 1 << 20;
    set_resource_limits(small);
    auto exe = binary::Executable::open(path);
    set_resource_limits(saved);
    REQUIRE_FALSE(bool(exe));
    CHECK(contains(llvm::toString(exe.takeError()), "more than 1048576 bytes; the limit is --limit executable-bytes"));
  }
}

// --- Fault 3: a mismatched executable is accepted -------------------------

TEST_CASE("a core is read only with the executable that produced it", "[cores][exe-match]") {
  SECTION("the issue's repro: a PIE build for a non-PIE core") {
    AnalysisOptions opts;
    opts.exe = kCores + "go1.26.8/scenarios-core.pie.exe.zst";
    Input in = analyze_input(kCores + "go1.26.8/nil-deref.core.zst", opts);
    CHECK(in.failed);
    CHECK(in.reports.empty());
    CHECK(exit_status({in}) == 2);
    CHECK(contains(all_messages(in), "scenarios-core.pie.exe.zst is not the executable that produced"));
  }
  SECTION("every core build against every executable") {
    // One core per release and build mode; every committed executable.
    std::vector<const ManifestRow *> cores;
    std::set<std::string> seen, exes;
    static const auto rows = read_manifest(kCores + "MANIFEST.tsv");
    for (const ManifestRow &r : rows) {
      exes.insert(r["exe"]);
      if (r["source"] == "kernel" && seen.insert(r["release"] + r["build_mode"]).second) cores.push_back(&r);
    }
    REQUIRE(cores.size() >= 10);
    REQUIRE(exes.size() >= 12);
    std::map<std::string, std::unique_ptr<binary::Executable>> opened;
    for (const std::string &e : exes) {
      auto exe = binary::Executable::open(kCores + e);
      REQUIRE(bool(exe));
      opened[e] = std::move(*exe);
    }
    for (const ManifestRow *r : cores) {
      auto in = open_input(kCores + (*r)["core"]);
      REQUIRE(bool(in));
      auto core = core::CoreFile::open(kCores + (*r)["core"], *in);
      REQUIRE(bool(core));
      for (const auto &[name, exe] : opened) {
        INFO((*r)["core"] << " with " << name);
        auto bias = binary::load_bias(**core, *exe);
        REQUIRE(bias);
        auto matched = binary::check_executable(**core, *exe, *bias, "core", name);
        if (name == (*r)["exe"]) {
          REQUIRE(bool(matched));
          CHECK(contains(*matched, "runtime.firstmoduledata"));
          CHECK(contains(*matched, "Go build id"));
        } else {
          REQUIRE_FALSE(bool(matched));
          CHECK(contains(llvm::toString(matched.takeError()), name + " is not the executable that produced core"));
        }
      }
    }
  }
  for (const char *release : {"go1.21.13", "go1.26.8"}) {
    DYNAMIC_SECTION("each piece of evidence on its own, " << release) {
      const ManifestRow &r = row(release, "open-coded-defers");
      auto exe = binary::Executable::open(kCores + r["exe"]);
      REQUIRE(bool(exe));
      const binary::Executable &x = **exe;
      const std::string pristine = decompressed_bytes(test::core_fixture(kCores, r));
      auto check = [&](const std::string &bytes) -> llvm::Expected<std::string> {
        auto core = core::CoreFile::from_bytes(bytes, "core");
        REQUIRE(bool(core));
        return binary::check_executable(**core, x, 0, "core", "exe");
      };
      auto refused = [&](const std::string &bytes) {
        auto m = check(bytes);
        REQUIRE_FALSE(bool(m));
        return llvm::toString(m.takeError());
      };
      auto first = check(pristine);
      REQUIRE(bool(first));
      // Go writes a GNU build id from Go 1.24.
      CHECK(contains(*first, "GNU build id") == !x.gnu_build_id().empty());
      CHECK(contains(*first, "Go build id"));

      // A different Go build id in the core's copy of the program header.
      std::string bytes = pristine;
      size_t at = bytes.find(x.go_build_id());
      REQUIRE(at != std::string::npos);
      bytes[at + 5] ^= 1;
      CHECK(contains(refused(bytes), "its Go build id is"));

      // Without the program's pages, runtime.firstmoduledata decides.
      auto core = core::CoreFile::from_bytes(pristine, "core");
      REQUIRE(bool(core));
      auto header = binary::core_program_header(**core);
      REQUIRE(header);
      bytes = pristine;
      drop_memory(bytes, header->address);
      auto only_moduledata = check(bytes);
      REQUIRE(bool(only_moduledata));
      CHECK(*only_moduledata == "runtime.firstmoduledata");

      auto md = x.global_address("runtime.firstmoduledata");
      const binary::TypeInfo *type = x.type("runtime.moduledata");
      REQUIRE(md);
      REQUIRE(type);
      REQUIRE(type->field("text"));
      std::string moved = bytes;
      moved[file_offset(moved, *md + type->field("text")->offset) + 1] ^= 0x10;  // text 4 KiB off
      CHECK(contains(refused(moved), "runtime.firstmoduledata.text in the core is"));

      // And without that too, nothing is left to check: refused.
      drop_memory(bytes, *md);
      CHECK(contains(refused(bytes), "exe cannot be checked against core"));
    }
  }
}

// --- Fault 6: truncated cores get confident verdicts ----------------------

TEST_CASE("truncated cores: the runtime's own abort is not an outside signal, and confidence is low",
          "[cores][truncated]") {
  const ManifestRow &r = row("go1.26.8", "nil-deref");
  const std::string core = decompressed_bytes(test::core_fixture(kCores, r));
  AnalysisOptions opts;
  opts.exe = kCores + r["exe"];

  // The runtime aborts with tgkill(own pid): SI_TKILL from the process itself.
  auto parsed = core::CoreFile::from_bytes(core, "core");
  REQUIRE(bool(parsed));
  REQUIRE((*parsed)->siginfo());
  CHECK((*parsed)->siginfo()->signo == 6);
  CHECK((*parsed)->siginfo()->code == -6);
  CHECK((*parsed)->siginfo()->pid == (*parsed)->pid());
  CHECK((*parsed)->siginfo()->sent_by((*parsed)->pid()));

  Input whole = analyze_bytes(core, "whole.core", opts);
  REQUIRE(whole.reports.size() == 1);
  CHECK(whole.reports[0].verdict.cls == VerdictClass::NilPointerDereference);
  CHECK_FALSE(whole.reports[0].verdict.low_confidence);

  auto truncated_reason = [](const Verdict &v) {
    for (const std::string &why : v.confidence_reasons)
      if (contains(why, "the core is truncated")) return true;
    return false;
  };
  SECTION("cut at 1 MiB: the panic is gone; the cause is unknown and the input fails") {
    Input in = analyze_bytes(std::string_view(core).substr(0, 1 << 20), "cut-1m.core", opts);
    REQUIRE(in.reports.size() == 1);
    const Verdict &v = in.reports[0].verdict;
    CHECK(v.cls == VerdictClass::Unknown);
    CHECK(v.low_confidence);
    CHECK(truncated_reason(v));
    CHECK(in.failed);
    CHECK(exit_status({in}) == 2);
    CHECK(contains(all_messages(in), "the crash cannot be read from this incomplete core"));
  }
  SECTION("the same cut, but SIGABRT sent by another process: an outside signal") {
    std::string bytes = core.substr(0, 1 << 20);
    const char pattern[] = "\x06\0\0\0\0\0\0\0\xfa\xff\xff\xff";  // signo 6, errno 0, SI_TKILL
    size_t at = bytes.find(std::string(pattern, 12));
    REQUIRE(at != std::string::npos);
    int32_t other = (*parsed)->pid() + 1;
    std::memcpy(bytes.data() + at + 16, &other, 4);  // si_pid
    Input in = analyze_bytes(bytes, "cut-1m-kill.core", opts);
    REQUIRE(in.reports.size() == 1);
    CHECK(in.reports[0].verdict.cls == VerdictClass::ExternalSignal);
  }
  for (size_t cut : {core.size() / 2, core.size() - 4096}) {
    DYNAMIC_SECTION("cut at " << cut << " of " << core.size() << ": the panic is read, with low confidence") {
      Input in = analyze_bytes(std::string_view(core).substr(0, cut), "cut.core", opts);
      REQUIRE(in.reports.size() == 1);
      const Verdict &v = in.reports[0].verdict;
      CHECK(v.cls == VerdictClass::NilPointerDereference);
      CHECK(v.low_confidence);
      CHECK(truncated_reason(v));
      CHECK_FALSE(in.failed);
    }
  }
}

// --- Smaller faults ---------------------------------------------------------

TEST_CASE("an --exe naming no usable file is an error for any input", "[cli][hostile]") {
  std::string text = scratch_dir() + "/crash.txt";
  write_file(text, "panic: x\n\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n");
  std::string out;
  CHECK(crashctl::testing::run_crashctl("analyze " + text, out) == 0);
  CHECK(crashctl::testing::run_crashctl("analyze " + text + " --exe /nonexistent/server", out, true) == 2);
  CHECK(contains(out, "--exe /nonexistent/server: cannot open: No such file or directory"));
  CHECK(crashctl::testing::run_crashctl("analyze " + text + " --exe /dev/null", out, true) == 2);
  CHECK(contains(out, "--exe /dev/null: is a character device, not a regular file"));
  CHECK(crashctl::testing::run_crashctl("triage " + text + " --exe /nonexistent/server", out, true) == 2);
  CHECK(contains(out, "--exe /nonexistent/server: cannot open"));
}

namespace {
// EXE with every line table of its .debug_line given DWARF version 77: the
// section decompressed (Go compresses DWARF), damaged, appended to the file,
// and its section header pointed there.
std::string with_damaged_line_tables(const std::string &exe) {
  auto elf = llvm::object::ELFFile<llvm::object::ELF64LE>::create(exe);
  REQUIRE(bool(elf));
  auto sections = elf->sections();
  REQUIRE(bool(sections));
  std::string out = exe;
  for (const auto &sec : *sections) {
    auto name = elf->getSectionName(sec);
    REQUIRE(bool(name));
    if (*name != ".debug_line") continue;
    std::string plain;
    llvm::StringRef raw(exe.data() + sec.sh_offset, sec.sh_size);
    if (sec.sh_flags & llvm::ELF::SHF_COMPRESSED) {
      llvm::ELF::Elf64_Chdr ch;
      std::memcpy(&ch, raw.data(), sizeof ch);
      REQUIRE(ch.ch_type == llvm::ELF::ELFCOMPRESS_ZLIB);
      plain.resize(ch.ch_size);
      uLongf len = uLongf(ch.ch_size);
      REQUIRE(uncompress(reinterpret_cast<Bytef *>(plain.data()), &len,
                         reinterpret_cast<const Bytef *>(raw.data() + sizeof ch),
                         uLong(raw.size() - sizeof ch)) == Z_OK);
    } else {
      plain = raw.str();
    }
    for (size_t at = 0; at + 6 <= plain.size();) {  // unit_length (32-bit DWARF), version
      uint32_t len;
      std::memcpy(&len, plain.data() + at, 4);
      plain[at + 4] = 77;
      plain[at + 5] = 0;
      at += 4 + size_t(len);
    }
    llvm::ELF::Elf64_Shdr sh;
    std::memcpy(&sh, &sec, sizeof sh);
    sh.sh_offset = out.size();
    sh.sh_size = plain.size();
    sh.sh_flags &= ~uint64_t(llvm::ELF::SHF_COMPRESSED);
    out += plain;
    size_t index = size_t(&sec - &(*sections)[0]);
    std::memcpy(out.data() + elf->getHeader().e_shoff + index * sizeof sh, &sh, sizeof sh);
    return out;
  }
  FAIL("no .debug_line");
  return "";
}
}  // namespace

TEST_CASE("a damaged .debug_line is a warning naming the executable and the table's offset", "[cores][dwarf]") {
  const ManifestRow &r = row("go1.26.8", "nil-deref");
  std::string exe = scratch_dir() + "/damaged-lines.exe";
  write_file(exe, with_damaged_line_tables(decompressed_bytes(kCores + r["exe"])));
  AnalysisOptions opts;
  opts.exe = exe;
  Input in = analyze_input(test::core_fixture(kCores, r), opts);
  REQUIRE(in.reports.size() == 1);  // still read: the pclntab has the lines
  size_t warnings = 0;
  for (const Diagnostic &d : in.diagnostics)
    if (d.severity == Severity::Warning &&
        contains(d.message, exe + ": DWARF: parsing line table prologue at offset 0x"))
      ++warnings;
  CHECK(warnings >= 1);
  // One per damaged table, not one per frame.
  CHECK(warnings <= 100);
  CHECK(contains(all_messages(in), "unsupported version 77"));
}
