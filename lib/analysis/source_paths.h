// Maps source paths recorded on the machine that built a Go program to files
// on this machine, so editors can open them.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crashctl {

// A file path as the build machine recorded it is absolute: "/src/x.go" or a
// drive letter ("C:/x.go"); -trimpath paths ("runtime/panic.go") are not.
bool is_absolute(llvm::StringRef build_path);

// Where Go keeps sources on this machine; "" when not found.
struct LocalGoEnvironment {
  std::string goroot;        // $GOROOT, else /usr/local/go or /usr/lib/go
  std::string module_cache;  // $GOMODCACHE, else $GOPATH/pkg/mod, else $HOME/go/pkg/mod

  using GetEnvFn = std::function<std::optional<std::string>(llvm::StringRef name)>;
  using ExistsFn = std::function<bool(llvm::StringRef path)>;
  // Runs no program; reads the environment and probes the default locations.
  static LocalGoEnvironment detect(const GetEnvFn &getenv, const ExistsFn &exists);
  static LocalGoEnvironment detect();  // process environment, real filesystem
};

// Mapping rules, first match wins:
//  1. --path-map OLD=NEW, longest OLD (matched at a path-component boundary);
//     applied whether or not the result exists.
//  2. The path itself when it exists locally.
//  3. A GOROOT file (".../go1.21.13/src/runtime/x.go", "runtime/x.go" from
//     -trimpath) -> <local GOROOT>/src/..., when that file exists.
//  4. A module cache file (".../pkg/mod/mod@v1/x.go", or "mod@v1/x.go" from
//     -trimpath) -> <local module cache>/..., when that file exists.
//  5. --source-root DIR: DIR joined with ever shorter suffixes of the path;
//     the first that exists.
//  6. The path unchanged.
class SourcePathMapper {
public:
  using ExistsFn = std::function<bool(llvm::StringRef path)>;
  static ExistsFn filesystem_exists();

  explicit SourcePathMapper(ExistsFn exists = filesystem_exists());

  // Adds "OLD=NEW" as given to --path-map. Fails when '=' or OLD is missing.
  llvm::Error add_path_map(llvm::StringRef old_equals_new);
  void add_path_map(std::string old_prefix, std::string new_prefix);
  void set_source_root(std::string dir) { source_root_ = std::move(dir); }
  void set_go_environment(LocalGoEnvironment env) { go_env_ = std::move(env); }

  // Never fails: returns PATH itself when no rule applies.
  std::string map(llvm::StringRef path) const;
  // map(PATH) when that file exists on this machine (HTML's editor links).
  std::optional<std::string> local_file(llvm::StringRef path) const;
  const std::string &source_root() const { return source_root_; }

  // The local file PATH names by the places the user configured: rules 1,
  // 3, 4 and (when UNDER_SOURCE_ROOT) 5, never rule 2 (a path that merely
  // exists here); only a file that exists. Which rule found it comes along:
  // a GOROOT file is the built one only for the same Go release.
  enum class Rule { PathMap, GoRoot, ModuleCache, SourceRoot };
  struct Found {
    std::string path;
    Rule rule;
  };
  std::optional<Found> find(llvm::StringRef path, bool under_source_root = true) const;

private:
  std::optional<std::string> map_explicit(llvm::StringRef path) const;
  std::optional<std::string> map_goroot(llvm::StringRef path) const;
  std::optional<std::string> map_module_cache(llvm::StringRef path) const;
  std::optional<std::string> map_source_root(llvm::StringRef path) const;

  ExistsFn exists_;
  std::vector<std::pair<std::string, std::string>> path_maps_;
  std::string source_root_;
  LocalGoEnvironment go_env_;
};

}  // namespace crashctl
