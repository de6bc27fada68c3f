// Source for a report (formats/attribution.md, "Source context", "Suspect
// commit", "Links"): the culprit's lines around it, the commit that last
// changed its line, and every frame's line on the web. Loaded once per run
// from AnalysisOptions and shared, thread-safe, by every input.
#pragma once

#include "analysis/attribution.h"
#include "analysis/source_paths.h"
#include "analysis/verdict.h"
#include "model/report.h"
#include "source/links.h"

#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace crashctl {

class GitRepository;

// Lines LINE-RADIUS..LINE+RADIUS of TEXT (1-based). Nothing, with the reason
// in *WHY, when TEXT cannot be the file that was built: shorter than LINE,
// or not text (a NUL byte). Lines longer than kContextLineBytes are cut.
inline constexpr int kContextRadius = 3;
inline constexpr size_t kContextLineBytes = 400;
std::optional<SourceContext> context_lines(llvm::StringRef text, int line, std::string *why);

class SourceAnnotator {
public:
  // Reads OPTS: --path-map, --source-root (and the git repository whose
  // work tree holds it, if any), --revision, --source-url, the local Go
  // environment. Fails on a bad --path-map or --source-url, naming it.
  static llvm::Expected<std::unique_ptr<SourceAnnotator>> load(const AnalysisOptions &opts);
  ~SourceAnnotator();

  // Sets R.links and its culprit's url, source_context and blame (ATTR gives
  // the modules, after attribute_culprit). NOTES receives why the culprit's
  // source or blame is not shown when it was looked for.
  void annotate(Report &r, const Attribution &attr, std::vector<std::string> &notes) const;

  // The Go release of the local GOROOT (its VERSION file), "" when unknown.
  const std::string &local_go_version() const { return local_go_version_; }
  bool has_repository() const { return repo_ != nullptr; }

private:
  SourceAnnotator() = default;
  void set_links(Report &r, const Attribution &attr, const std::string &main_module) const;
  SourceLinks::Pieces link_of(const Frame &f, const Report &r, const Attribution &attr,
                              const std::string &main_module) const;
  std::optional<std::string> main_path_in_repo(const Frame &f, const Attribution &attr, const std::string &main_module,
                                               llvm::StringRef subdir) const;
  void add_source(Report &r, std::vector<std::string> &notes) const;

  AnalysisOptions opts_;
  SourcePathMapper paths_;
  std::optional<SourceUrlTemplate> url_template_;
  std::string local_go_version_;
  std::unique_ptr<GitRepository> repo_;
  std::string root_in_repo_;  // the source root's path in the work tree ("" at its top)
  // libgit2 is used by one thread at a time; blames are kept (by path,
  // line and commit, which fix the answer).
  mutable std::mutex git_mu_;
  struct BlameResult {
    std::optional<BlameInfo> blame;
    std::string error;
  };
  mutable std::map<std::string, BlameResult> blames_;
};

}  // namespace crashctl
