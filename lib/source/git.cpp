#include "source/git.h"
#include "source/libgit2.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <git2.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace crashctl {

namespace {

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });  // never shut down: the process keeps it
}

std::string last_error(const char *what) {
  const git_error *e = git_error_last();
  return std::string(what) + ": " + (e && e->message ? e->message : "unknown libgit2 error");
}

llvm::Error error(const std::string &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

template <class T, void (*Free)(T *)>
struct Deleter {
  void operator()(T *p) const { Free(p); }
};
template <class T, void (*Free)(T *)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;
using Commit = Owned<git_commit, git_commit_free>;
using Object = Owned<git_object, git_object_free>;
using Tree = Owned<git_tree, git_tree_free>;
using TreeEntry = Owned<git_tree_entry, git_tree_entry_free>;
using Blob = Owned<git_blob, git_blob_free>;
using Blame = Owned<git_blame, git_blame_free>;

std::optional<git_oid> parse_oid(const std::string &hex) {
  git_oid oid;
  if (hex.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, hex.c_str()) != 0) return std::nullopt;
  return oid;
}

std::string oid_hex(const git_oid &oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

}  // namespace

std::string iso8601_with_offset(int64_t unix_seconds, int offset_minutes) {
  time_t local = time_t(unix_seconds + int64_t(offset_minutes) * 60);
  struct tm tm{};
  gmtime_r(&local, &tm);
  char buf[64];
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

llvm::Expected<std::unique_ptr<GitRepository>> GitRepository::open(const std::string &dir) {
  std::string unloaded;
  if (!load_libgit2(unloaded)) return error("no blame: " + unloaded);
  init_libgit2();
  git_repository *repo = nullptr;
  if (git_repository_open_ext(&repo, dir.c_str(), 0, nullptr) != 0)
    return error(last_error(("no git repository holds '" + dir + "'").c_str()));
  const char *workdir = git_repository_workdir(repo);
  if (!workdir) {
    git_repository_free(repo);
    return error("'" + dir + "' is in a bare git repository, which has no work tree");
  }
  llvm::SmallString<256> real;
  std::string w = workdir;
  if (!llvm::sys::fs::real_path(w, real)) w = std::string(real.str());
  while (w.size() > 1 && w.back() == '/') w.pop_back();
  return std::unique_ptr<GitRepository>(new GitRepository(repo, std::move(w)));
}

GitRepository::~GitRepository() {
  git_repository_free(repo_);
}

std::optional<std::string> GitRepository::resolve_commit(const std::string &rev) const {
  if (rev.empty()) return std::nullopt;
  git_object *obj = nullptr;
  if (git_revparse_single(&obj, repo_, rev.c_str()) != 0) return std::nullopt;
  Object owned(obj);
  git_object *peeled = nullptr;
  if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) != 0) return std::nullopt;
  Object commit(peeled);
  return oid_hex(*git_object_id(peeled));
}

std::optional<std::string> GitRepository::file_at(const std::string &commit_hex, const std::string &path) const {
  auto oid = parse_oid(commit_hex);
  if (!oid) return std::nullopt;
  git_commit *c = nullptr;
  if (git_commit_lookup(&c, repo_, &*oid) != 0) return std::nullopt;
  Commit commit(c);
  git_tree *t = nullptr;
  if (git_commit_tree(&t, c) != 0) return std::nullopt;
  Tree tree(t);
  git_tree_entry *e = nullptr;
  if (git_tree_entry_bypath(&e, t, path.c_str()) != 0) return std::nullopt;
  TreeEntry entry(e);
  if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) return std::nullopt;
  git_blob *b = nullptr;
  if (git_blob_lookup(&b, repo_, git_tree_entry_id(e)) != 0) return std::nullopt;
  Blob blob(b);
  return std::string(static_cast<const char *>(git_blob_rawcontent(b)), size_t(git_blob_rawsize(b)));
}

llvm::Expected<BlameInfo> GitRepository::blame(const std::string &path, int line, const std::string &commit_hex) const {
  auto oid = parse_oid(commit_hex);
  if (!oid || line <= 0) return error("no commit or line to blame");
  // libgit2 makes up a hunk for a line past the end: count the lines first.
  std::optional<std::string> content = file_at(commit_hex, path);
  if (!content) return error("git blame: " + path + " is not in commit " + commit_hex);
  size_t lines = size_t(std::count(content->begin(), content->end(), '\n')) +
                 (!content->empty() && content->back() != '\n' ? 1 : 0);
  if (size_t(line) > lines)
    return error("git blame: " + path + " has " + std::to_string(lines) + " lines in " + commit_hex + ", no line " +
                 std::to_string(line));
  git_blame_options opts;
  git_blame_options_init(&opts, GIT_BLAME_OPTIONS_VERSION);
  opts.newest_commit = *oid;
  opts.min_line = opts.max_line = size_t(line);
  git_blame *raw = nullptr;
  if (git_blame_file(&raw, repo_, path.c_str(), &opts) != 0) return error(last_error("git blame"));
  Blame blame(raw);
  const git_blame_hunk *hunk = git_blame_get_hunk_byline(raw, size_t(line));
  if (!hunk || size_t(line) < hunk->final_start_line_number ||
      size_t(line) >= hunk->final_start_line_number + hunk->lines_in_hunk)
    return error("git blame: " + path + " has no line " + std::to_string(line) + " in " + commit_hex);
  git_commit *c = nullptr;
  if (git_commit_lookup(&c, repo_, &hunk->final_commit_id) != 0) return error(last_error("git blame"));
  Commit commit(c);
  const git_signature *author = git_commit_author(c);
  BlameInfo info;
  info.commit = oid_hex(hunk->final_commit_id);
  if (author) {
    info.author = author->name ? author->name : "";
    info.email = author->email ? author->email : "";
    info.date = iso8601_with_offset(author->when.time, author->when.offset);
  }
  const char *summary = git_commit_summary(c);
  info.summary = summary ? summary : "";
  return info;
}

}  // namespace crashctl
