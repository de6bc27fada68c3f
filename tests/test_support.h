// Helpers shared by the fixture-driven tests.
#pragma once

#include "io/input.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

// Failed checks show a verdict class by its id.
namespace Catch {
template <>
struct StringMaker<crashctl::VerdictClass> {
  static std::string convert(crashctl::VerdictClass c) { return crashctl::to_string(c); }
};
template <>
struct StringMaker<std::optional<crashctl::VerdictClass>> {
  static std::string convert(const std::optional<crashctl::VerdictClass> &c) {
    return c ? crashctl::to_string(*c) : "(no class)";
  }
};
}  // namespace Catch

namespace crashctl::test {

// ASan reserves terabytes of address space: a test that limits it
// (--limit memory-bytes, RLIMIT_AS) cannot run under ASan.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// One row of a tab-separated manifest with a header line, by column name.
struct ManifestRow {
  std::map<std::string, std::string> cols;
  const std::string &operator[](const std::string &k) const { return cols.at(k); }
  bool has(const std::string &k) const { return cols.count(k) && !cols.at(k).empty(); }
};
std::vector<ManifestRow> read_manifest(const std::string &path);

// The class a manifest names by its id (formats/taxonomy.md); throws for
// an id no class has, so a typo fails the test.
VerdictClass class_named(const std::string &id);

// The terminal column at which NEEDLE starts in LINE (wide characters take
// two); fails the test when LINE does not hold it.
size_t column_of(const std::string &line, const std::string &needle);

// A per-process temporary directory, removed with its contents at exit.
const std::string &scratch_dir();

// Decompresses a committed (zstd or gzip) fixture such as an executable
// into a file in scratch_dir(), once per path, and returns its path.
std::string decompressed_copy(const std::string &path);

// The decompressed bytes of a committed (zstd, gzip or plain) file.
std::string decompressed_bytes(const std::string &path);

// A core fixture of testdata/cores (DIR) that the tool reads as it is:
// DIR + ROW["core"], or, for a core compressed against its executable (the
// core_patch_from column: arm64 cores written by qemu), a decompressed copy
// in scratch_dir(), made once.
std::string core_fixture(const std::string &dir, const ManifestRow &row);

// CORE (an ELF core's bytes) with the executable path it records (NT_FILE)
// replaced by REPLACEMENT(length of the old path), which must keep the length.
std::string with_recorded_exe(const std::string &core, const std::function<std::string(size_t)> &replacement);

// DATA as one zstd frame (level 3, content size in the header).
std::string zstd_frame(const std::string &data, int level = 3);

// Every line a LineReader gives from SRC, with offsets and diagnostics.
struct Lines {
  std::vector<std::string> lines;
  std::vector<uint64_t> offsets;
  std::vector<Diagnostic> diags;
  std::string error;
};
Lines read_lines(ByteSource &src, size_t max_line = 16 << 20);

// Delivers at most `step` bytes per read, to exercise buffer boundaries.
class TrickleSource : public ByteSource {
public:
  TrickleSource(std::string data, size_t step) : data_(std::move(data)), step_(step) {}
  llvm::Expected<size_t> read(char *buf, size_t n) override {
    size_t k = std::min({n, step_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t raw_position() const override { return pos_; }
  uint64_t raw_size() const override { return data_.size(); }
  std::unique_ptr<ByteSource> range(uint64_t begin, uint64_t end) const override {
    if (begin > end || end > data_.size()) return nullptr;
    return std::make_unique<TrickleSource>(data_.substr(begin, end - begin), step_);
  }

private:
  std::string data_;
  size_t step_;
  size_t pos_ = 0;
};

}  // namespace crashctl::test
