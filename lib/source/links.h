// Web addresses of source lines (formats/attribution.md, "Links"): the URL
// forms of the forges crashctl knows, the git ref a module version names,
// and --source-url templates for other forges.
#pragma once

#include "model/report.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crashctl {

// A repository on a forge whose URL forms are known.
struct ForgeRepo {
  enum class Kind { GitHub, GitLab, Bitbucket, Gitiles };
  Kind kind = Kind::GitHub;
  std::string url;     // "https://github.com/acme/app"
  std::string subdir;  // the module's directory in it ("tools" for github.com/acme/app/tools), "" at the root
};

// The repository of MODULE on github.com, gitlab.com or bitbucket.org (its
// first three path elements), or go.googlesource.com (golang.org/x/NAME and
// go.googlesource.com/NAME); nothing for other hosts. A final major-version
// element ("/v2") is taken to be a branch, not a directory.
std::optional<ForgeRepo> forge_repo(llvm::StringRef module);

// "v0.0.0-20201214165924-72afa56d8136" and its other two forms.
bool is_pseudo_version(llvm::StringRef version);
// The git ref VERSION names: a pseudo-version's commit, else the tag, which
// for a module in SUBDIR of its repository is "SUBDIR/VERSION"
// ("+incompatible" dropped). "" for no version or "(devel)".
std::string version_ref(llvm::StringRef version, llvm::StringRef subdir);

// A Go release tagged in golang/go: "go1.21.13", "go1.20", "go1.22rc1".
bool is_go_release(llvm::StringRef version);

// RFC 3986 path characters kept, others percent-encoded ("a b.go" -> "a%20b.go").
std::string escape_url_path(llvm::StringRef path);

// The line URL of PATH_IN_REPO at REF on REPO's forge, as pieces around the line number.
SourceLinks::Pieces forge_line_url(const ForgeRepo &repo, llvm::StringRef ref, llvm::StringRef path_in_repo);
// A standard-library file ("runtime/panic.go", relative to GOROOT/src) of
// GO_RELEASE: https://github.com/golang/go/blob/go1.21.13/src/runtime/panic.go#L12
SourceLinks::Pieces std_line_url(llvm::StringRef go_release, llvm::StringRef path_under_src);

// --source-url TEMPLATE: {module}, {ref}, {path} and {line} are replaced by
// the module path, the commit or tag, the file's path in the repository
// (percent-encoded) and the line number.
class SourceUrlTemplate {
public:
  // Fails on an unknown placeholder, an unclosed '{' or no {path}.
  static llvm::Expected<SourceUrlTemplate> parse(llvm::StringRef text);
  SourceLinks::Pieces expand(llvm::StringRef module, llvm::StringRef ref, llvm::StringRef path_in_repo) const;

private:
  enum class Part { Text, Module, Ref, Path, Line };
  std::vector<std::pair<Part, std::string>> parts_;
};

}  // namespace crashctl
