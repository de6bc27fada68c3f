// A git repository read with libgit2 (never by running git): commits,
// file contents at a commit, blame of one line. Not thread-safe: callers
// serialize their use of one GitRepository.
#pragma once

#include "model/report.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>

struct git_repository;

namespace crashctl {

class GitRepository {
public:
  // The repository whose work tree holds DIR (looking upward from it, as
  // git does). Fails when DIR is in none, or only in a bare repository.
  static llvm::Expected<std::unique_ptr<GitRepository>> open(const std::string &dir);
  ~GitRepository();
  GitRepository(const GitRepository &) = delete;
  GitRepository &operator=(const GitRepository &) = delete;

  // The work tree, absolute, symbolic links resolved, no trailing '/'.
  const std::string &workdir() const { return workdir_; }
  // The commit REV names (a hash, abbreviated or not, a tag, a branch), as
  // 40 hex digits; nothing when the repository does not hold it.
  std::optional<std::string> resolve_commit(const std::string &rev) const;
  // The content of PATH (relative to the work tree, '/'-separated) at
  // COMMIT; nothing when the commit has no such file.
  std::optional<std::string> file_at(const std::string &commit, const std::string &path) const;
  // The commit that last changed LINE (1-based) of PATH as of COMMIT.
  llvm::Expected<BlameInfo> blame(const std::string &path, int line, const std::string &commit) const;

private:
  GitRepository(git_repository *repo, std::string workdir) : repo_(repo), workdir_(std::move(workdir)) {}
  git_repository *repo_;
  std::string workdir_;
};

// "2024-03-05T14:02:11+01:00": UNIX_SECONDS in the zone OFFSET_MINUTES east of UTC.
std::string iso8601_with_offset(int64_t unix_seconds, int offset_minutes);

}  // namespace crashctl
