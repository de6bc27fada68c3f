// Helpers shared by the fixture-driven tests.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace crashctl::test {

// One row of a tab-separated manifest with a header line, by column name.
struct ManifestRow {
  std::map<std::string, std::string> cols;
  const std::string &operator[](const std::string &k) const { return cols.at(k); }
  bool has(const std::string &k) const { return cols.count(k) && !cols.at(k).empty(); }
};
std::vector<ManifestRow> read_manifest(const std::string &path);

// Decompresses a committed (zstd or gzip) fixture such as an executable
// into a per-process temporary file, once per path, and returns its path.
std::string decompressed_copy(const std::string &path);

}  // namespace crashctl::test
