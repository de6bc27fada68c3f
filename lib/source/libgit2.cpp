// libgit2, loaded on the first blame instead of at start-up: linking it
// loads 15 more shared libraries (krb5, mbedtls, libssh2, ...) into every
// run, ~7 ms and ~4 MB of RSS, though only --source-root's blame uses it.
// These definitions take the place of libgit2's exports (prototypes from
// git2.h) and forward to the library loaded with dlopen; without it each
// fails the way libgit2 reports errors, with git_error_last saying why.
#include "source/libgit2.h"

#include <git2.h>

#include <dlfcn.h>
#include <mutex>
#include <string>

#ifndef CRASHCTL_LIBGIT2_SONAME
#define CRASHCTL_LIBGIT2_SONAME "libgit2.so"
#endif

#define CRASHCTL_LIBGIT2_FUNCTIONS(X)                                                                                  \
  X(git_libgit2_init)                                                                                                  \
  X(git_error_last) X(git_repository_open_ext) X(git_repository_workdir) X(git_repository_free) X(git_revparse_single) \
      X(git_object_peel) X(git_object_id) X(git_object_free) X(git_oid_fromstr) X(git_oid_tostr) X(git_commit_lookup)  \
          X(git_commit_tree) X(git_commit_free) X(git_commit_summary) X(git_commit_author) X(git_tree_entry_bypath)    \
              X(git_tree_entry_type) X(git_tree_entry_id) X(git_tree_entry_free) X(git_tree_free) X(git_blob_lookup)   \
                  X(git_blob_rawcontent) X(git_blob_rawsize) X(git_blob_free) X(git_blame_options_init)                \
                      X(git_blame_file) X(git_blame_get_hunk_byline) X(git_blame_free)

namespace crashctl {

namespace {

struct Libgit2 {
  std::string error;  // why it could not be loaded
#define CRASHCTL_MEMBER(f) decltype(&::f) f = nullptr;
  CRASHCTL_LIBGIT2_FUNCTIONS(CRASHCTL_MEMBER)
#undef CRASHCTL_MEMBER
};

const Libgit2 &libgit2() {
  static Libgit2 lib;
  static std::once_flag once;
  std::call_once(once, [] {
    void *handle = nullptr;
    for (const char *name : {CRASHCTL_LIBGIT2_SONAME, "libgit2.so"})
      if ((handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
    if (!handle) {
      const char *why = ::dlerror();
      lib.error = std::string(CRASHCTL_LIBGIT2_SONAME " cannot be loaded: ") + (why ? why : "not found");
      return;
    }
    bool complete = true;
#define CRASHCTL_BIND(f)                                         \
  lib.f = reinterpret_cast<decltype(&::f)>(::dlsym(handle, #f)); \
  complete &= lib.f != nullptr;
    CRASHCTL_LIBGIT2_FUNCTIONS(CRASHCTL_BIND)
#undef CRASHCTL_BIND
    if (!complete) {
      lib = Libgit2{};
      lib.error = std::string(CRASHCTL_LIBGIT2_SONAME " lacks a function crashctl calls");
    }
  });
  return lib;
}

}  // namespace

bool load_libgit2(std::string &error) {
  error = libgit2().error;
  return error.empty();
}

}  // namespace crashctl

using crashctl::libgit2;

// Calls that fail return libgit2's GIT_ERROR (-1) or a null pointer.
#define CRASHCTL_FORWARD(ret, fail, name, params, args) \
  ret name params {                                     \
    return libgit2().name ? libgit2().name args : fail; \
  }
#define CRASHCTL_FORWARD_VOID(name, params, args) \
  void name params {                              \
    if (libgit2().name) libgit2().name args;      \
  }

extern "C" {

CRASHCTL_FORWARD(int, GIT_ERROR, git_libgit2_init, (void), ())
const git_error *git_error_last(void) {
  static thread_local git_error unloaded;
  if (libgit2().git_error_last) return libgit2().git_error_last();
  unloaded.message = const_cast<char *>(libgit2().error.c_str());
  unloaded.klass = GIT_ERROR_OS;
  return &unloaded;
}
CRASHCTL_FORWARD(int, GIT_ERROR, git_repository_open_ext,
                 (git_repository * *out, const char *path, unsigned int flags, const char *ceiling_dirs),
                 (out, path, flags, ceiling_dirs))
CRASHCTL_FORWARD(const char *, nullptr, git_repository_workdir, (const git_repository *repo), (repo))
CRASHCTL_FORWARD_VOID(git_repository_free, (git_repository * repo), (repo))
CRASHCTL_FORWARD(int, GIT_ERROR, git_revparse_single, (git_object * *out, git_repository *repo, const char *spec),
                 (out, repo, spec))
CRASHCTL_FORWARD(int, GIT_ERROR, git_object_peel, (git_object * *peeled, const git_object *object, git_object_t type),
                 (peeled, object, type))
CRASHCTL_FORWARD(const git_oid *, nullptr, git_object_id, (const git_object *obj), (obj))
CRASHCTL_FORWARD_VOID(git_object_free, (git_object * object), (object))
CRASHCTL_FORWARD(int, GIT_ERROR, git_oid_fromstr, (git_oid * out, const char *str), (out, str))
CRASHCTL_FORWARD(char *, nullptr, git_oid_tostr, (char *out, size_t n, const git_oid *id), (out, n, id))
CRASHCTL_FORWARD(int, GIT_ERROR, git_commit_lookup, (git_commit * *commit, git_repository *repo, const git_oid *id),
                 (commit, repo, id))
CRASHCTL_FORWARD(int, GIT_ERROR, git_commit_tree, (git_tree * *tree_out, const git_commit *commit), (tree_out, commit))
CRASHCTL_FORWARD_VOID(git_commit_free, (git_commit * commit), (commit))
CRASHCTL_FORWARD(const char *, nullptr, git_commit_summary, (git_commit * commit), (commit))
CRASHCTL_FORWARD(const git_signature *, nullptr, git_commit_author, (const git_commit *commit), (commit))
CRASHCTL_FORWARD(int, GIT_ERROR, git_tree_entry_bypath, (git_tree_entry * *out, const git_tree *root, const char *path),
                 (out, root, path))
CRASHCTL_FORWARD(git_object_t, GIT_OBJECT_INVALID, git_tree_entry_type, (const git_tree_entry *entry), (entry))
CRASHCTL_FORWARD(const git_oid *, nullptr, git_tree_entry_id, (const git_tree_entry *entry), (entry))
CRASHCTL_FORWARD_VOID(git_tree_entry_free, (git_tree_entry * entry), (entry))
CRASHCTL_FORWARD_VOID(git_tree_free, (git_tree * tree), (tree))
CRASHCTL_FORWARD(int, GIT_ERROR, git_blob_lookup, (git_blob * *blob, git_repository *repo, const git_oid *id),
                 (blob, repo, id))
CRASHCTL_FORWARD(const void *, nullptr, git_blob_rawcontent, (const git_blob *blob), (blob))
CRASHCTL_FORWARD(git_object_size_t, 0, git_blob_rawsize, (const git_blob *blob), (blob))
CRASHCTL_FORWARD_VOID(git_blob_free, (git_blob * blob), (blob))
CRASHCTL_FORWARD(int, GIT_ERROR, git_blame_options_init, (git_blame_options * opts, unsigned int version),
                 (opts, version))
CRASHCTL_FORWARD(int, GIT_ERROR, git_blame_file,
                 (git_blame * *out, git_repository *repo, const char *path, git_blame_options *options),
                 (out, repo, path, options))
CRASHCTL_FORWARD(const git_blame_hunk *, nullptr, git_blame_get_hunk_byline, (git_blame * blame, size_t lineno),
                 (blame, lineno))
CRASHCTL_FORWARD_VOID(git_blame_free, (git_blame * blame), (blame))

}  // extern "C"
