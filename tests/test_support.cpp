#include "test_support.h"

#include "core/core_file.h"
#include "io/input.h"

#include <catch2/catch.hpp>

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Unicode.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace crashctl::test {

namespace {
// Hermetic tests: no debuginfod server from the environment (Debian's
// /etc/profile.d/debuginfod.sh sets DEBUGINFOD_URLS in login shells). A
// test that wants one sets it itself.
[[maybe_unused]] const bool kNoDebuginfodFromEnvironment = [] { return ::unsetenv("DEBUGINFOD_URLS") == 0; }();
}  // namespace

VerdictClass class_named(const std::string &id) {
  if (auto c = parse_verdict_class(id)) return *c;
  throw std::invalid_argument("no verdict class has the id \"" + id + "\"");
}

size_t column_of(const std::string &line, const std::string &needle) {
  size_t at = line.find(needle);
  INFO(line);
  REQUIRE(at != std::string::npos);
  int w = llvm::sys::unicode::columnWidthUTF8(line.substr(0, at));
  REQUIRE(w >= 0);
  return size_t(w);
}

std::vector<ManifestRow> read_manifest(const std::string &path) {
  std::vector<ManifestRow> rows;
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf) return rows;
  std::istringstream in((*buf)->getBuffer().str());
  auto split = [](const std::string &l) {
    std::vector<std::string> out;
    std::stringstream ss(l);
    std::string cell;
    while (std::getline(ss, cell, '\t')) out.push_back(cell);
    return out;
  };
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header = split(line);
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto cells = split(line);
    ManifestRow r;
    for (size_t i = 0; i < header.size(); ++i) r.cols[header[i]] = i < cells.size() ? cells[i] : "";
    rows.push_back(std::move(r));
  }
  return rows;
}

const std::string &scratch_dir() {
  struct Dir {
    std::string path = "/tmp/crashctl-tests-" + std::to_string(getpid());
    Dir() { mkdir(path.c_str(), 0700); }
    // nftw, not llvm::sys::fs::remove_directories: that leaves FIFOs.
    ~Dir() {
      nftw(
          path.c_str(), [](const char *p, const struct stat *, int, struct FTW *) { return ::remove(p); }, 16,
          FTW_DEPTH | FTW_PHYS);
    }
  };
  static const Dir dir;
  return dir.path;
}

std::string decompressed_bytes(const std::string &path) {
  auto in = open_input(path, /*detect_kind=*/false);
  REQUIRE(bool(in));
  std::string out, buf(1 << 20, '\0');
  for (;;) {
    auto n = in->source->read(buf.data(), buf.size());
    REQUIRE(bool(n));
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

std::string core_fixture(const std::string &dir, const ManifestRow &row) {
  std::string path = dir + row["core"];
  if (!row.has("core_patch_from") || row["core_patch_from"] == "-") return path;
  static std::mutex mu;
  static std::map<std::string, std::string> done;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = done.find(path); it != done.end()) return it->second;
  // zstd -d --long=27 --patch-from=EXE: the executable is the frame's prefix.
  std::string prefix = decompressed_bytes(dir + row["core_patch_from"]);
  auto frame = llvm::MemoryBuffer::getFile(path);
  REQUIRE(bool(frame));
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx *)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  REQUIRE(!ZSTD_isError(ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 31)));
  REQUIRE(!ZSTD_isError(ZSTD_DCtx_refPrefix(dctx.get(), prefix.data(), prefix.size())));
  std::string out_path = scratch_dir() + "/" + std::to_string(done.size()) + "-core-" +
                         path.substr(path.rfind('/') + 1, path.rfind(".patch.zst") - path.rfind('/') - 1);
  // Written sparse (zero pages skipped), as `zstd -d` does: the cores are
  // 50 MB of mostly zeros, and every test process makes its own copies.
  int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  std::string buf(1 << 16, '\0');
  ZSTD_inBuffer in{(*frame)->getBufferStart(), (*frame)->getBufferSize(), 0};
  size_t ret = 1;
  off_t size = 0;
  constexpr size_t kPage = 4096;
  const std::string zeros(kPage, '\0');
  for (;;) {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    ret = ZSTD_decompressStream(dctx.get(), &out, &in);
    INFO(path << ": " << (ZSTD_isError(ret) ? ZSTD_getErrorName(ret) : ""));
    REQUIRE(!ZSTD_isError(ret));
    for (size_t at = 0; at < out.pos; at += kPage) {
      size_t n = std::min(kPage, out.pos - at);
      if (n == kPage && std::memcmp(buf.data() + at, zeros.data(), kPage) == 0) continue;
      REQUIRE(::pwrite(fd, buf.data() + at, n, size + off_t(at)) == ssize_t(n));
    }
    size += off_t(out.pos);
    if (ret == 0 || (in.pos == in.size && out.pos < out.size)) break;
  }
  REQUIRE(ret == 0);  // the frame ended
  REQUIRE(::ftruncate(fd, size) == 0);
  ::close(fd);
  done[path] = out_path;
  return out_path;
}

std::string with_recorded_exe(const std::string &core, const std::function<std::string(size_t)> &replacement) {
  auto parsed = core::CoreFile::from_bytes(core, "core");
  REQUIRE(bool(parsed));
  REQUIRE_FALSE((*parsed)->files().empty());
  std::string old = (*parsed)->files().front().path, now = replacement(old.size());
  REQUIRE(now.size() == old.size());
  std::string out = core;
  size_t notes_end = std::min<size_t>(out.size(), 1 << 16);
  for (size_t at = out.find(old); at != std::string::npos && at < notes_end; at = out.find(old, at + 1))
    out.replace(at, old.size(), now);
  return out;
}

std::string decompressed_copy(const std::string &path) {
  static std::mutex mu;
  static std::map<std::string, std::string> done;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = done.find(path); it != done.end()) return it->second;
  std::string out = scratch_dir() + "/" + std::to_string(done.size()) + "-" + path.substr(path.rfind('/') + 1);
  if (out.size() > 4 && out.compare(out.size() - 4, 4, ".zst") == 0) out.resize(out.size() - 4);
  auto opened = open_input(path, /*detect_kind=*/false);
  if (!opened) {
    llvm::consumeError(opened.takeError());
    return "";
  }
  std::ofstream f(out, std::ios::binary);
  std::string buf(1 << 16, '\0');
  for (;;) {
    auto n = opened->source->read(buf.data(), buf.size());
    if (!n) {
      llvm::consumeError(n.takeError());
      return "";
    }
    if (*n == 0) break;
    f.write(buf.data(), std::streamsize(*n));
  }
  f.close();
  chmod(out.c_str(), 0755);
  done[path] = out;
  return out;
}

std::string zstd_frame(const std::string &data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

Lines read_lines(ByteSource &src, size_t max_line) {
  Lines out;
  LineReader r(src, "in", max_line);
  r.on_diagnostic = [&](Diagnostic d) { out.diags.push_back(d); };
  std::string_view line;
  uint64_t off;
  while (r.next(line, off)) {
    out.lines.emplace_back(line);
    out.offsets.push_back(off);
  }
  out.error = r.error();
  return out;
}

}  // namespace crashctl::test
