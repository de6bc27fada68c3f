// Files that change while crashctl reads them (issue 11, faults 1 and 4):
// a mapped core or executable that shrinks must not kill the process with
// SIGBUS, the input must fail or be fully analyzed, and a file that grows
// is read up to its size at open.
#include "cli_runner.h"
#include "io/input.h"
#include "io/mapped_file.h"
#include "pipeline/analyze.h"
#include "test_support.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

#include <zstd.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <thread>

using namespace crashctl;
using crashctl::test::decompressed_copy;

namespace {

const std::string kCores = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/cores/go1.26.8/";
const char kCrash[] = "panic: x\n\ngoroutine 1 [running]:\nmain.f()\n\t/a.go:1 +0x1\n";

std::string temp_dir() {
  llvm::SmallString<128> dir;
  REQUIRE_FALSE(llvm::sys::fs::createUniqueDirectory("crashctl-changing", dir));
  return std::string(dir);
}

void write_file(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

void append_file(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

std::string read_file(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false,
                                         /*IsVolatile=*/true);
  REQUIRE(buf);
  return (*buf)->getBuffer().str();
}

// Replaces DIR/NAME with BYTES through a hidden temporary file and rename:
// readers that have the old file open keep reading it.
void replace_file(const std::string &bytes, const std::string &dir, const std::string &name) {
  std::string tmp = dir + "/." + name + ".tmp";
  write_file(tmp, bytes);
  ::rename(tmp.c_str(), (dir + "/" + name).c_str());
}

std::string drain(ByteSource &src) {
  std::string out, buf(1 << 16, '\0');
  for (;;) {
    auto n = src.read(buf.data(), buf.size());
    if (!n) FAIL(llvm::toString(n.takeError()));
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

}  // namespace

TEST_CASE("map_file: a file that shrinks while mapped reads as zeros and is reported changed", "[io][mapped]") {
  const long page = ::sysconf(_SC_PAGESIZE);
  std::string dir = temp_dir();
  std::string path = dir + "/three-pages";
  write_file(path, std::string(size_t(3 * page), 'x'));
  auto mapped = map_file(path);
  REQUIRE(mapped);
  const llvm::MemoryBuffer &buf = **mapped;
  REQUIRE(buf.getBufferSize() == size_t(3 * page));
  CHECK_FALSE(bool(mapped_file_changed(buf)));  // llvm::Error converts to true when set
  CHECK(buf.getBufferStart()[2 * page] == 'x');

  REQUIRE(::truncate(path.c_str(), page) == 0);
  volatile const char *p = buf.getBufferStart();
  CHECK(p[0] == 'x');              // still in the file
  CHECK(p[2 * page + 5] == '\0');  // gone: SIGBUS without the guard, zeros with it
  CHECK(p[page] == '\0');
  llvm::Error changed = mapped_file_changed(buf);
  REQUIRE(bool(changed));
  std::string msg = llvm::toString(std::move(changed));
  CHECK(msg.find(path + ": changed while being read (truncated to " + std::to_string(page) + " bytes") == 0);

  // Growth after the mapping is not seen.
  append_file(path, std::string(size_t(4 * page), 'y'));
  CHECK(buf.getBufferSize() == size_t(3 * page));
  mapped->reset();
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("map_file: a SIGBUS outside guarded mappings still kills the process", "[io][mapped]") {
  const long page = ::sysconf(_SC_PAGESIZE);
  std::string dir = temp_dir();
  std::string path = dir + "/plain";
  write_file(path, std::string(size_t(2 * page), 'x'));
  { auto installs_the_handler = map_file(path); }  // the handler stays installed
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int fd = ::open(path.c_str(), O_RDWR);
    void *m = ::mmap(nullptr, size_t(2 * page), PROT_READ, MAP_SHARED, fd, 0);
    if (fd < 0 || m == MAP_FAILED || ::ftruncate(fd, 0) != 0) ::_exit(3);
    volatile char c = static_cast<const char *>(m)[page];
    (void)c;
    ::_exit(0);  // not reached: a plain mapping past the end raises SIGBUS
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  // Killed by SIGBUS; under ASan, whose handler comes before ours, ASan's report and exit 1.
  CHECK_FALSE((WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3)));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGBUS);
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("load_file: whole regular files only", "[io][mapped]") {
  std::string dir = temp_dir();
  write_file(dir + "/f", "hello");
  auto loaded = load_file(dir + "/f");
  if (!loaded) FAIL(llvm::toString(loaded.takeError()));
  CHECK((*loaded)->getBuffer() == "hello");
  auto dev = load_file("/dev/zero");
  REQUIRE_FALSE(bool(dev));
  CHECK(llvm::toString(dev.takeError()) == "/dev/zero: is a character device, not a regular file");
  auto missing = load_file(dir + "/none");
  REQUIRE_FALSE(bool(missing));
  CHECK(llvm::toString(missing.takeError()).find(dir + "/none: cannot open: ") == 0);
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("a file that grows while read is read up to its size at open", "[io][file]") {
  std::string dir = temp_dir();
  // Larger than what opening reads ahead (kind detection, the first raw buffer).
  std::string log;
  std::mt19937 rng(1);
  while (log.size() < (2 << 20)) log += "info: request " + std::to_string(rng()) + " done\n";
  log += kCrash;
  SECTION("plain text") {
    write_file(dir + "/log", log);
    auto in = open_input(dir + "/log");
    if (!in) FAIL(llvm::toString(in.takeError()));
    append_file(dir + "/log", std::string(1 << 20, 'a') + "\n" + kCrash);
    std::string got = drain(*in->source);
    CHECK(got.size() == log.size());
    CHECK((got == log));
  }
  SECTION("compressed: raw bytes beyond the size at open are not read") {
    std::string z = crashctl::test::zstd_frame(log);
    REQUIRE(z.size() > (256 << 10));
    write_file(dir + "/log.zst", z);
    auto in = open_input(dir + "/log.zst");
    if (!in) FAIL(llvm::toString(in.takeError()));
    append_file(dir + "/log.zst", crashctl::test::zstd_frame(std::string(3 << 20, 'b')));
    std::string got = drain(*in->source);
    CHECK(got.size() == log.size());
    CHECK((got == log));
  }
  SECTION("compressed and large: read on the read-ahead thread") {
    std::string big;
    while (big.size() < (8 << 20)) big += log;
    write_file(dir + "/big.zst", crashctl::test::zstd_frame(big));
    auto in = open_input(dir + "/big.zst");
    if (!in) FAIL(llvm::toString(in.takeError()));
    append_file(dir + "/big.zst", crashctl::test::zstd_frame(big));
    CHECK(drain(*in->source).size() == big.size());
  }
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("a core truncated while analyzed fails or is fully analyzed, never SIGBUS", "[core][stress]") {
  std::string dir = temp_dir();
  AnalysisOptions opts;
  opts.exe = decompressed_copy(kCores + "scenarios.exe.zst");
  const std::string core = read_file(decompressed_copy(kCores + "nil-deref.core.zst"));
  const std::string path = dir + "/core";
  write_file(path, core);
  analyze_input(path, opts);  // loads the executable, which stays cached
  auto started = std::chrono::steady_clock::now();
  Input intact = analyze_input(path, opts);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  REQUIRE_FALSE(intact.failed);
  REQUIRE(intact.reports.size() == 1);

  std::mt19937 rng(11);
  int changed = 0, whole = 0;
  for (int round = 0; round < 24; ++round) {
    write_file(path, core);
    auto delay = std::chrono::microseconds(rng() % (took.count() + 1));  // while it is read
    off_t cut = off_t(rng() % 4) * 4096;
    std::thread truncater([&] {
      std::this_thread::sleep_for(delay);
      REQUIRE(::truncate(path.c_str(), cut) == 0);
    });
    Input in = analyze_input(path, opts);
    truncater.join();
    INFO("round " << round << ", cut to " << cut << " after " << delay.count() << " us");
    if (in.size == core.size() && !in.failed) {  // read whole: the intact verdict
      REQUIRE(in.reports.size() == 1);
      CHECK(in.reports[0].verdict.signature == intact.reports[0].verdict.signature);
      ++whole;
    } else if (in.size == core.size()) {  // shrank while read: failed, naming why
      CHECK(in.reports.empty());
      bool named = false;
      for (const Diagnostic &d : in.diagnostics)
        named |= d.severity == Severity::Error && d.message.find("changed while being read") != std::string::npos;
      CHECK(named);
      ++changed;
    }  // else cut before it was opened: a short file, analyzed as it was
  }
  INFO("whole " << whole << ", changed while read " << changed << ", analysis " << took.count() << " us");
  CHECK(changed + whole > 0);
  llvm::sys::fs::remove_directories(dir);
}

TEST_CASE("triage over a tree that changes while read: nothing crashes, every file is analyzed or unreadable",
          "[triage][stress]") {
  std::string dir = temp_dir();
  const std::string exe = decompressed_copy(kCores + "scenarios.exe.zst");
  const std::string core = read_file(decompressed_copy(kCores + "nil-deref.core.zst"));
  std::string log;
  for (int i = 0; i < 2000; ++i) log += "info: line " + std::to_string(i) + "\n";
  log += kCrash;
  std::vector<std::string> names = {"a.core", "b.core", "c.log", "d.log", "e.log.zst", "f.log", "g.log.zst", "h.log"};
  auto initial = [&](const std::string &name) {
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".core") == 0) return core;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".zst") == 0) return crashctl::test::zstd_frame(log);
    return log;
  };
  for (const std::string &n : names) write_file(dir + "/" + n, initial(n));

  std::atomic<bool> stop{false};
  std::atomic<int> mutations{0};
  // Appends, truncates and replaces files while triage reads them.
  struct Joiner {
    std::atomic<bool> &stop;
    std::thread thread;
    ~Joiner() {
      stop = true;
      thread.join();
    }
  } mutator{stop, std::thread([&] {
              std::mt19937 rng(4);
              while (!stop.load()) {
                // Half of the changes cut a core: they are the files read in place.
                const std::string &name = rng() % 2 ? names[rng() % 2] : names[rng() % names.size()];
                std::string path = dir + "/" + name;
                switch (rng() % 5) {
                  case 0: append_file(path, kCrash); break;
                  case 1:
                  case 2: ::truncate(path.c_str(), off_t(rng() % 3) * 4096); break;
                  case 3: replace_file(initial(name), dir, name); break;
                  case 4: ::truncate(path.c_str(), 0), append_file(path, std::string(4096, '\0') + kCrash); break;
                }
                ++mutations;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
              }
            })};
  auto started = std::chrono::steady_clock::now();
  int rounds = 0;
  for (; rounds < 10 && std::chrono::steady_clock::now() - started < std::chrono::seconds(10); ++rounds) {
    std::string out;
    int rc = crashctl::testing::run_crashctl("triage -j2 -f json --exe " + exe + " " + dir, out);
    INFO("round " << rounds << ", exit " << rc << ", output: " << out.substr(0, 2000));
    REQUIRE((rc == 0 || rc == 1 || rc == 2));  // -1: killed by a signal
    auto doc = llvm::json::parse(out);
    REQUIRE(bool(doc));
    const llvm::json::Object *root = doc->getAsObject();
    REQUIRE(root);
    CHECK(root->getObject("totals")->getInteger("files") == int64_t(names.size()));
    // Every file is listed: in a bucket, as unreadable (with why) or unrecognized.
    std::set<std::string> seen;
    for (const llvm::json::Value &b : *root->getArray("buckets"))
      for (const llvm::json::Value &f : *b.getAsObject()->getArray("files"))
        seen.insert(f.getAsObject()->getString("path")->str());
    for (const llvm::json::Value &u : *root->getArray("unreadable")) {
      CHECK_FALSE(u.getAsObject()->getString("error")->empty());
      seen.insert(u.getAsObject()->getString("path")->str());
    }
    for (const llvm::json::Value &u : *root->getArray("unrecognized")) {
      const llvm::json::Object *o = u.getAsObject();
      seen.insert(o ? o->getString("path")->str() : u.getAsString()->str());
    }
    for (const std::string &n : names) CHECK(seen.count(dir + "/" + n) == 1);
  }
  INFO("triage rounds " << rounds << ", mutations " << mutations.load());
  CHECK(mutations.load() > 0);
  llvm::sys::fs::remove_directories(dir);
}
