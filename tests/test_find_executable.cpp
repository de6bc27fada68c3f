// Issue 14: the one search for the executable of a core or heap dump (--exe,
// the path the core records, --debug-dir, debuginfod), input.executable, and
// debuginfod servers that refuse, do not answer, or are not to be asked
// (--offline). A real debuginfod server: tests/debuginfod_test.sh.
#include "binary/debuginfod.h"
#include "binary/executable.h"
#include "pipeline/analyze.h"
#include "test_support.h"

#include "llvm/Debuginfod/Debuginfod.h"
#include "llvm/Support/FileSystem.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>

using namespace crashctl;
using crashctl::test::decompressed_bytes;
using crashctl::test::decompressed_copy;
using crashctl::test::scratch_dir;
using crashctl::test::with_recorded_exe;

namespace {

const std::string kCores = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/cores/";
// Go writes a GNU build id from 1.24: a core and its executable, and
// another program's executable of the same release.
const std::string kCore = kCores + "go1.26.8/open-coded-defers.core.zst";
const std::string kExe = kCores + "go1.26.8/scenarios-core.exe.zst";
const std::string kOtherExe = kCores + "go1.26.8/scenarios.exe.zst";

bool contains(const std::string &s, const std::string &what) {
  return s.find(what) != std::string::npos;
}

std::string all_messages(const Input &in) {
  std::string out;
  for (const Diagnostic &d : in.diagnostics) out += d.message + "\n";
  return out;
}

std::string gnu_build_id(const std::string &exe) {
  auto opened = binary::Executable::open(exe);
  REQUIRE(bool(opened));
  return (*opened)->gnu_build_id();
}

void write_file(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// A copy of the core that records PATH (padded with slashes to the length
// of the path it recorded) as its executable.
std::string core_recording(const std::string &path, const std::string &name) {
  std::string bytes = with_recorded_exe(decompressed_bytes(kCore), [&](size_t n) {
    REQUIRE(n >= path.size() + 1);
    size_t slash = path.rfind('/');
    return path.substr(0, slash) + std::string(n - path.size(), '/') + path.substr(slash);
  });
  std::string out = scratch_dir() + "/" + name;
  write_file(out, bytes);
  return out;
}

// DIR/.build-id/xx/rest holding a copy of EXE.
std::string debug_dir_with(const std::string &exe, const std::string &name) {
  std::string id = gnu_build_id(exe), dir = scratch_dir() + "/" + name;
  llvm::sys::fs::create_directories(dir + "/.build-id/" + id.substr(0, 2));
  REQUIRE_FALSE(
      llvm::sys::fs::copy_file(decompressed_copy(exe), dir + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2)));
  return dir;
}

// Sets environment variables for one scope.
class ScopedEnv {
public:
  void set(const char *name, const std::string &value) {
    const char *old = std::getenv(name);
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
      if (it->second)
        ::setenv(it->first, it->second->c_str(), 1);
      else
        ::unsetenv(it->first);
  }

private:
  std::vector<std::pair<const char *, std::optional<std::string>>> saved_;
};

// A TCP socket bound to a free port of 127.0.0.1; listening or not (then a
// connection is refused at once).
class LocalPort {
public:
  explicit LocalPort(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr *>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    if (listening) REQUIRE(::listen(fd_, 4) == 0);
  }
  ~LocalPort() { ::close(fd_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Whether a client has connected (a listening port; never answered).
  bool contacted() {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return false;
    ::close(c);
    return true;
  }

private:
  int fd_ = -1;
  unsigned port_ = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a core's executable: one search order, and input.executable says where", "[cores][find-exe]") {
  const std::string id = gnu_build_id(kExe), other_id = gnu_build_id(kOtherExe);
  REQUIRE(id.size() == 40);
  REQUIRE(other_id.size() == 40);
  REQUIRE(id != other_id);

  SECTION("--exe") {
    AnalysisOptions opts;
    opts.exe = decompressed_copy(kExe);
    Input in = analyze_input(kCore, opts);
    REQUIRE(in.reports.size() == 1);
    REQUIRE(in.executable);
    CHECK(in.executable->source == ExecutableSource::Argument);
    CHECK(in.executable->path == opts.exe);
    CHECK(in.executable->build_id == id);
  }
  SECTION("--exe with another build id is refused, naming both ids") {
    AnalysisOptions opts;
    opts.exe = decompressed_copy(kOtherExe);
    Input in = analyze_input(kCore, opts);
    CHECK(in.failed);
    CHECK(in.reports.empty());
    CHECK_FALSE(in.executable);
    std::string msg = all_messages(in);
    CHECK(contains(msg, "its GNU build id is " + other_id + ", the core's program's " + id));
    CHECK(contains(msg, "(pass the executable that ran with --exe)"));
  }
  SECTION("the path the core records") {
    std::string exe = scratch_dir() + "/recorded-exe";
    REQUIRE_FALSE(llvm::sys::fs::copy_file(decompressed_copy(kExe), exe));
    std::string core = core_recording(exe, "records-exe.core");
    Input in = analyze_input(core, AnalysisOptions{});
    REQUIRE(in.reports.size() == 1);
    REQUIRE(in.executable);
    CHECK(in.executable->source == ExecutableSource::CorePath);
    CHECK(llvm::StringRef(in.executable->path).ends_with("/recorded-exe"));
    CHECK(in.executable->build_id == id);
    // --exe comes first.
    AnalysisOptions opts;
    opts.exe = decompressed_copy(kExe);
    CHECK(analyze_input(core, opts).executable->source == ExecutableSource::Argument);
  }
  SECTION("a rebuilt program at the recorded path: --debug-dir by build id, else refused naming both ids") {
    std::string exe = scratch_dir() + "/rebuilt-exe";
    REQUIRE_FALSE(llvm::sys::fs::copy_file(decompressed_copy(kOtherExe), exe));
    std::string core = core_recording(exe, "records-rebuilt.core");
    AnalysisOptions opts;
    opts.debug_dirs = {debug_dir_with(kExe, "debug-dir-rebuilt")};
    Input in = analyze_input(core, opts);
    REQUIRE(in.reports.size() == 1);
    CHECK(in.reports[0].verdict.cls == VerdictClass::NilPointerDereference);
    REQUIRE(in.executable);
    CHECK(in.executable->source == ExecutableSource::DebugDir);
    CHECK(in.executable->path == opts.debug_dirs[0] + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2));
    CHECK(in.executable->build_id == id);

    Input refused = analyze_input(core, AnalysisOptions{});
    CHECK(refused.failed);
    CHECK_FALSE(refused.executable);
    std::string msg = all_messages(refused);
    CHECK(contains(msg, "the executable is needed to read a core: pass --exe PROGRAM"));
    CHECK(contains(msg, "its GNU build id is " + other_id + ", the core's program's " + id));
  }
  SECTION("nothing found: each step says what it found") {
    AnalysisOptions opts;
    opts.debug_dirs = {scratch_dir() + "/empty-debug-dir"};
    Input in = analyze_input(kCore, opts);
    CHECK(in.failed);
    std::string msg = all_messages(in);
    CHECK(contains(msg, "which does not exist here"));
    CHECK(contains(msg, "no file is named by build id " + id + " under --debug-dir " + opts.debug_dirs[0]));
  }
}

TEST_CASE("a heap dump's executable: --exe or --debug-dir, in input.executable", "[heapdump][find-exe]") {
  const std::string dump = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/heapdumps/go1.26.8/panic.dump.zst";
  const std::string exe = std::string(CRASHCTL_SOURCE_DIR) + "/testdata/heapdumps/go1.26.8/exe.zst";
  AnalysisOptions opts;
  opts.progress = false;
  opts.exe = decompressed_copy(exe);
  Input given = analyze_input(dump, opts);
  REQUIRE(given.executable);
  CHECK(given.executable->source == ExecutableSource::Argument);
  CHECK(given.executable->path == opts.exe);
  CHECK(given.executable->build_id == gnu_build_id(exe));

  opts.exe.clear();
  opts.debug_dirs = {debug_dir_with(exe, "heapdump-find-exe")};
  Input found = analyze_input(dump, opts);
  REQUIRE(found.executable);
  CHECK(found.executable->source == ExecutableSource::DebugDir);
  CHECK(found.reports.at(0).process.executable == found.executable->path);

  opts.debug_dirs.clear();
  CHECK_FALSE(analyze_input(dump, opts).executable);
}

TEST_CASE("debuginfod settings come from the environment", "[debuginfod]") {
  ScopedEnv env;
  env.set("DEBUGINFOD_URLS", "  https://a.example/  http://b.example:8002\thttp://c ");
  env.set("DEBUGINFOD_TIMEOUT", "7");
  auto config = binary::DebuginfodConfig::from_environment();
  CHECK(config.urls == std::vector<std::string>{"https://a.example/", "http://b.example:8002", "http://c"});
  CHECK(config.timeout == std::chrono::seconds(7));
  env.set("DEBUGINFOD_TIMEOUT", "soon");
  CHECK(binary::DebuginfodConfig::from_environment().timeout == binary::kDefaultDebuginfodTimeout);
  env.set("DEBUGINFOD_URLS", "");
  CHECK(binary::DebuginfodConfig::from_environment().urls.empty());
}

TEST_CASE("debuginfod: a refusing server, one that does not answer, and --offline", "[cores][debuginfod]") {
  const std::string id = gnu_build_id(kExe);
  ScopedEnv env;
  static int cache_dirs = 0;
  env.set("DEBUGINFOD_CACHE_PATH", scratch_dir() + "/debuginfod-cache-" + std::to_string(cache_dirs++));

  SECTION("a refusing server: a diagnostic naming the URL and the build id, at once") {
    LocalPort refusing(/*listening=*/false);
    env.set("DEBUGINFOD_URLS", refusing.url());
    auto start = std::chrono::steady_clock::now();
    Input in = analyze_input(kCore, AnalysisOptions{});
    CHECK(seconds_since(start) < 10);
    CHECK(in.failed);
    CHECK_FALSE(in.executable);
    std::string msg = all_messages(in);
    CHECK(contains(msg, "debuginfod: no executable with build id " + id + ": " + refusing.url() + ": "));
    CHECK(contains(msg, "Couldn't connect to server"));
    // Not asked again in this process.
    CHECK(contains(all_messages(analyze_input(kCore, AnalysisOptions{})), refusing.url() + " not asked again"));
  }
  SECTION("--offline asks no server; without it, one that never answers costs DEBUGINFOD_TIMEOUT") {
    LocalPort silent(/*listening=*/true);
    env.set("DEBUGINFOD_URLS", silent.url());
    env.set("DEBUGINFOD_TIMEOUT", "1");
    AnalysisOptions opts;
    opts.offline = true;
    Input offline = analyze_input(kCore, opts);
    CHECK(offline.failed);
    CHECK_FALSE(silent.contacted());
    std::string msg = all_messages(offline);
    CHECK(contains(msg, "debuginfod: build id " + id + " is not in the cache"));
    CHECK(contains(msg, "--offline: " + silent.url() + " not asked"));

    auto start = std::chrono::steady_clock::now();
    Input online = analyze_input(kCore, AnalysisOptions{});
    CHECK(seconds_since(start) < 10);
    CHECK(online.failed);
    CHECK(silent.contacted());
    msg = all_messages(online);
    CHECK(contains(msg, "debuginfod: no executable with build id " + id + ": " + silent.url() + ": "));
    CHECK(contains(msg, "after 1 s (DEBUGINFOD_TIMEOUT)"));
  }
  SECTION("--offline reads the cache") {
    // An executable a server gave earlier, where LLVM's client keeps it.
    std::string cache = std::getenv("DEBUGINFOD_CACHE_PATH");
    llvm::SmallVector<uint8_t> id_bytes;
    for (size_t i = 0; i < id.size(); i += 2) id_bytes.push_back(uint8_t(std::stoi(id.substr(i, 2), nullptr, 16)));
    std::string cached =
        cache + "/llvmcache-" + llvm::getDebuginfodCacheKey(llvm::getDebuginfodExecutableUrlPath(id_bytes));
    LocalPort refusing(/*listening=*/false);
    env.set("DEBUGINFOD_URLS", refusing.url());
    AnalysisOptions opts;
    opts.offline = true;
    CHECK(contains(all_messages(analyze_input(kCore, opts)), "is not in the cache " + cache));
    REQUIRE_FALSE(llvm::sys::fs::create_directories(cache));
    REQUIRE_FALSE(llvm::sys::fs::copy_file(decompressed_copy(kExe), cached));
    Input in = analyze_input(kCore, opts);
    REQUIRE(in.reports.size() == 1);
    REQUIRE(in.executable);
    CHECK(in.executable->source == ExecutableSource::Debuginfod);
    CHECK(in.executable->path == cached);
    CHECK(in.executable->build_id == id);
  }
}
