// Attribution of the culprit frame (formats/attribution.md): the module and
// version it belongs to, and who owns it (CODEOWNERS, an --owners file).
// Loaded once per run from AnalysisOptions and shared by every input.
#pragma once

#include "analysis/verdict.h"
#include "model/report.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace crashctl {

// --- modules ---------------------------------------------------------------------

struct ModuleVersion {
  std::string module;   // "github.com/BurntSushi/toml", "std"
  std::string version;  // "v1.3.2", "go1.21.13"; "" when unknown
};

// The module cache's case-encoding: "!b" is "B". Nothing for an invalid
// encoding (an upper-case letter, '!' not followed by a lower-case letter).
std::optional<std::string> unescape_module_path(llvm::StringRef escaped);

// Module and version of a module cache file: ".../pkg/mod/MODULE@VERSION/..."
// or, from a -trimpath build, "MODULE@VERSION/..." (both case-encoded).
// The Go toolchain module (golang.org/toolchain@v0.0.1-go1.22.12.linux-amd64/src/...)
// is the standard library: {"std", "go1.22.12"}.
std::optional<ModuleVersion> module_from_cache_path(llvm::StringRef file);

// The import path under the last "vendor/" element of FILE's directory
// ("/src/app/vendor/github.com/x/y/z/f.go" -> "github.com/x/y/z"), or nothing.
std::optional<std::string> vendored_package_dir(llvm::StringRef file);

// A guess at the module root of an import path, for when nothing better is
// known: github.com, gitlab.com, bitbucket.org, codeberg.org and golang.org/x
// paths keep three elements (plus a "/vN" major version), gopkg.in paths end at
// their ".vN" element, other paths end before an "internal", "cmd" or "pkg"
// element.
std::string guess_module_root(llvm::StringRef import_path);

// The main module inferred from a stack: the longest common import-path
// prefix (whole elements) of the packages of its in-app, non-dependency,
// non-main frames, cut by guess_module_root; "" when there are none or the
// prefix's first element has no dot.
std::string infer_main_module(const Stack &stack, const InAppRules &rules);

// vendor/modules.txt: which module provides each vendored package.
class VendorModules {
public:
  static VendorModules parse(llvm::StringRef text);
  // The module providing PACKAGE (exact package line, else the longest module
  // path that is a prefix at an element boundary).
  std::optional<ModuleVersion> lookup(llvm::StringRef package) const;
  bool empty() const { return modules_.empty(); }

private:
  std::vector<ModuleVersion> modules_;
  std::unordered_map<std::string, size_t> packages_;  // package -> index in modules_
};

// --- CODEOWNERS ------------------------------------------------------------------

// One CODEOWNERS pattern with GitHub's semantics (gitignore-like).
class CodeOwnersPattern {
public:
  // Nothing, with the reason in *why, for syntax GitHub does not support
  // ('!' negation, '[ ]' ranges, "***") or a pattern that matches nothing.
  static std::optional<CodeOwnersPattern> compile(llvm::StringRef pattern, std::string *why = nullptr);
  // PATH is repo-relative, '/'-separated ("internal/db/db.go").
  bool matches(llvm::StringRef path) const;

private:
  enum class Kind { DoubleStar, Star, Glob };
  struct Segment {
    Kind kind;
    std::string text;  // Glob: the segment, escapes kept
  };
  bool match_from(size_t si, const std::vector<llvm::StringRef> &parts, size_t pi) const;
  std::vector<Segment> segments_;
};

class CodeOwners {
public:
  struct Rule {
    std::string pattern;
    std::vector<std::string> owners;  // empty: the pattern un-assigns
    size_t line = 0;                  // 1-based
    CodeOwnersPattern compiled;
  };
  // Never fails: lines GitHub would skip (unsupported syntax, invalid owners)
  // are skipped with a warning "NAME:LINE: ..." appended to *warnings.
  static CodeOwners parse(llvm::StringRef text, llvm::StringRef name, std::vector<std::string> *warnings = nullptr);
  // Fails when the file cannot be read (the error names it).
  static llvm::Expected<CodeOwners> load(const std::string &path, std::vector<std::string> *warnings = nullptr);

  // The last rule matching PATH, or null. A rule without owners un-assigns.
  const Rule *match(llvm::StringRef repo_path) const;
  size_t size() const { return rules_.size(); }

private:
  std::vector<Rule> rules_;
};

// --- --owners FILE ---------------------------------------------------------------

// "pattern=owner" lines: a package path (it and its subpackages), an exact
// function name, or a glob over function names; "=ignore" skips the frame;
// "default=OWNER" applies when no frame is owned. '#' and ';' start comments.
class OwnersFile {
public:
  struct Rule {
    std::string pattern;
    std::string owner;
    size_t line = 0;  // 1-based
    bool ignore = false;
  };
  // Fails on a line that is not PATTERN=OWNER; the error names NAME and the line.
  static llvm::Expected<OwnersFile> parse(llvm::StringRef text, llvm::StringRef name);
  static llvm::Expected<OwnersFile> load(const std::string &path);

  // The longest pattern matching F (a later line wins a tie), or null.
  const Rule *match(const Frame &f) const;
  const Rule *default_rule() const { return default_ ? &*default_ : nullptr; }

private:
  std::vector<Rule> rules_;
  std::optional<Rule> default_;
};

// --- attribution -----------------------------------------------------------------

// What attribution needs, loaded once from AnalysisOptions (--module,
// --codeowners, --owners, --source-root) and shared, read-only and thread-safe,
// by every input of a run.
class Attribution {
public:
  using ExistsFn = std::function<bool(llvm::StringRef path)>;

  // Nothing configured: module and version only.
  Attribution();
  // Parts given directly (tests); EXISTS probes paths under the source root.
  Attribution(const AnalysisOptions &opts, std::optional<CodeOwners> codeowners, std::optional<OwnersFile> owners,
              ExistsFn exists);

  // Reads --codeowners (or the CODEOWNERS found under --source-root), --owners,
  // and go.mod and vendor/modules.txt at the source root. Fails on an
  // unreadable file or a bad --owners line, naming the file and line.
  static llvm::Expected<std::unique_ptr<Attribution>> load(const AnalysisOptions &opts);

  // Warnings about lines that were skipped ("CODEOWNERS:3: ..."), for stderr.
  const std::vector<std::string> &warnings() const { return warnings_; }
  // Where the CODEOWNERS rules came from ("" when none).
  const std::string &codeowners_path() const { return codeowners_path_; }

  // Sets report.verdict.culprit's module, version, owner and owner_source,
  // with the main module's version and the dependencies' from
  // report.process.build_info when the input records it (cores).
  void attribute(Report &report) const;

  // The main module of a report: --module, else go.mod at the source root,
  // else the build info's main module, else inferred from STACK.
  std::string main_module(const Stack *stack, const BuildInfo *build = nullptr) const;
  // The same for R, STACK being the one its culprit was picked from.
  std::string main_module(const Report &r) const;
  // The module and version of F in R, whose main module is MAIN_MODULE.
  ModuleVersion module_in_report(const Frame &f, const Report &r, const std::string &main_module) const;
  // The module and version of a frame (see formats/attribution.md); BUILD
  // names the dependencies of a build-info input.
  ModuleVersion module_of(const Frame &f, const std::string &main_module, const std::string &go_version,
                          const std::optional<std::string> &main_module_version,
                          const BuildInfo *build = nullptr) const;
  // F's file relative to the repository root, for CODEOWNERS; nothing for
  // standard-library and module-cache frames or when it cannot be placed.
  std::optional<std::string> repo_path(const Frame &f, const std::string &main_module) const;
  // The source root made absolute ("" when none).
  const std::string &source_root() const { return source_root_; }

private:
  AnalysisOptions opts_;
  InAppRules rules_;
  std::optional<CodeOwners> codeowners_;
  std::string codeowners_path_;
  std::optional<OwnersFile> owners_;
  std::string source_root_;   // absolute, no trailing '/'
  std::string gomod_module_;  // "module" line of SOURCE_ROOT/go.mod
  VendorModules vendor_;      // SOURCE_ROOT/vendor/modules.txt
  std::vector<std::string> warnings_;
  ExistsFn exists_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::optional<std::string>> suffix_cache_;
};

// Convenience: attr.attribute(report).
void attribute_culprit(Report &report, const Attribution &attr);

}  // namespace crashctl
