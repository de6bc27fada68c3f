// Finding the files under the given paths and analyzing them in parallel.
// The walk only stats (it opens directories, nothing else); each file is
// then opened once, checked, and read through that descriptor. Each worker
// owns its Input and keeps only a FileSummary of it; the table is then built
// on one thread, and its order never depends on scheduling.
#include "triage/triage.h"

#include "pipeline/analyze.h"

#include "llvm/Support/Chrono.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace crashctl::triage {

namespace fs = llvm::sys::fs;

namespace {

struct UniqueIdHash {
  size_t operator()(const fs::UniqueID &id) const {
    return std::hash<uint64_t>()(id.getDevice()) * 31 + std::hash<uint64_t>()(id.getFile());
  }
};

// REAL (a resolved path) is a root or lies under one.
bool under_roots(llvm::StringRef real, const std::vector<std::string> &roots) {
  for (const std::string &root : roots) {
    if (real == root) return true;
    if (real.starts_with(root) && (root == "/" || real[root.size()] == '/')) return true;
  }
  return false;
}

const char *not_regular(fs::file_type t) {
  switch (t) {
    case fs::file_type::fifo_file: return "a FIFO (named pipe): never opened";
    case fs::file_type::socket_file: return "a socket: never opened";
    case fs::file_type::character_file: return "a character device: never opened";
    case fs::file_type::block_file: return "a block device: never opened";
    default: return "not a regular file: never opened";
  }
}

class Walker {
public:
  explicit Walker(bool follow_symlinks) : follow_(follow_symlinks) {}
  FileList list;

  void run(const std::vector<std::string> &paths) {
    std::vector<std::string> args;
    for (std::string p : paths) {
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      args.push_back(std::move(p));
    }
    // The roots, resolved first: a link under one root may lead under another.
    for (const std::string &a : args) {
      llvm::SmallString<256> real;
      if (!fs::real_path(a, real)) list.roots.push_back(std::string(real));
    }
    for (const std::string &a : args) arg(a);
  }

private:
  bool follow_;
  std::unordered_set<fs::UniqueID, UniqueIdHash> dirs_seen_;
  std::unordered_map<fs::UniqueID, std::string, UniqueIdHash> files_seen_;  // id -> listed path
  std::unordered_set<std::string> paths_seen_;

  void arg(const std::string &path) {
    fs::file_status st;
    if (std::error_code ec = fs::status(path, st, /*follow=*/true)) return error(path, "cannot read: " + ec.message());
    if (fs::is_directory(st))
      walk(path, st.getUniqueID());
    else
      file(path, st);  // named explicitly: any kind, even a pipe (<(zcat ...))
  }

  void error(const std::string &path, std::string why) {
    if (paths_seen_.insert(path).second) list.errors.push_back({path, std::move(why)});
  }
  void skip(const std::string &path, std::string why) {
    if (paths_seen_.insert(path).second) list.skipped.push_back({path, std::move(why)});
  }

  void file(const std::string &path, const fs::file_status &st) {
    if (!paths_seen_.insert(path).second) return;  // the same spelling again
    auto [it, first] = files_seen_.try_emplace(st.getUniqueID(), path);
    if (!first) {  // a hard link, a link inside the tree, "dir" and "./dir/f"
      list.skipped.push_back({path, "the same file as " + it->second + ": read once"});
      return;
    }
    list.files.push_back(path);
    list.identities.push_back(fs::is_regular_file(st) ? std::optional(st.getUniqueID()) : std::nullopt);
  }

  void walk(const std::string &dir, fs::UniqueID id) {
    // Each directory once: symbolic link loops end here, and a directory
    // reached twice (two arguments, a link) is not counted twice.
    if (!dirs_seen_.insert(id).second) return;
    std::error_code ec;
    std::vector<std::string> entries;
    for (fs::directory_iterator it(dir, ec, /*follow_symlinks=*/false), end; it != end && !ec; it.increment(ec)) {
      llvm::StringRef name = llvm::sys::path::filename(it->path());
      if (name.starts_with(".")) continue;  // .git, .cache, editor droppings
      entries.push_back(it->path());
    }
    if (ec) return error(dir, "cannot read directory: " + ec.message());
    std::sort(entries.begin(), entries.end());
    for (const std::string &e : entries) {
      // Only stat: nothing met while walking is opened before it is known
      // to be a regular file (a FIFO would block, a device may act on open).
      fs::file_status st;
      if (std::error_code sec = fs::status(e, st, /*follow=*/false)) {
        error(e, "cannot read: " + sec.message());
        continue;
      }
      if (st.type() == fs::file_type::symlink_file) {
        if (std::error_code sec = fs::status(e, st, /*follow=*/true)) {
          error(e, "cannot read: " + sec.message());  // dangling, permissions
          continue;
        }
        llvm::SmallString<256> real;
        if (!follow_) {
          if (std::error_code sec = fs::real_path(e, real)) {
            error(e, "cannot read: " + sec.message());
            continue;
          }
          if (!under_roots(real, list.roots)) {
            skip(e, "a symbolic link to " + std::string(real) +
                        ", outside the paths given (--follow-symlinks follows it)");
            continue;
          }
        }
      }
      if (fs::is_directory(st))
        walk(e, st.getUniqueID());
      else if (fs::is_regular_file(st))
        file(e, st);
      else
        skip(e, not_regular(st.type()));
    }
  }
};

int64_t mtime_of(const std::string &path) {
  fs::file_status st;
  if (fs::status(path, st, /*follow=*/true)) return 0;
  return static_cast<int64_t>(llvm::sys::toTimeT(st.getLastModificationTime()));
}

// A walked file, opened and checked: the descriptor holds the file the walk
// found, whatever happens to its path since (a link or a FIFO swapped in, a
// directory above it replaced by a link); analysis reads it through
// /proc/self/fd, so it reads exactly what was checked.
class PinnedFile {
public:
  PinnedFile(const PinnedFile &) = delete;
  PinnedFile &operator=(const PinnedFile &) = delete;
  ~PinnedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  // The path to give analysis, and the file's modification time.
  const std::string &read_path() const { return read_path_; }
  int64_t mtime() const { return mtime_; }

  // Opens PATH (never blocking: a FIFO swapped in opens at once and is
  // refused) and checks it is WALKED, a regular file, and, when ROOTS is not
  // null, still under them.
  static llvm::Expected<std::unique_ptr<PinnedFile>> open(const std::string &path, fs::UniqueID walked,
                                                          const std::vector<std::string> *roots) {
    auto fail = [&](const std::string &why) {
      return llvm::createStringError(std::errc::operation_not_permitted, "%s", why.c_str());
    };
    std::unique_ptr<PinnedFile> p(new PinnedFile);
    do p->fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    while (p->fd_ < 0 && errno == EINTR);
    if (p->fd_ < 0) return fail("cannot open: " + std::generic_category().message(errno));
    struct stat st;
    if (::fstat(p->fd_, &st) != 0) return fail("cannot read: " + std::generic_category().message(errno));
    if (!S_ISREG(st.st_mode) || fs::UniqueID(st.st_dev, st.st_ino) != walked)
      return fail("changed since it was walked (replaced, or a link swapped in): not read");
    p->mtime_ = static_cast<int64_t>(st.st_mtime);
    p->read_path_ = path;
#ifdef __linux__
    static const bool proc_fd = ::access("/proc/self/fd", X_OK) == 0;
    if (proc_fd) p->read_path_ = "/proc/self/fd/" + std::to_string(p->fd_);
#endif
    if (roots) {
      // Where the open file is now (without /proc: where the path leads).
      llvm::SmallString<256> real;
      if (fs::real_path(p->read_path_, real)) return fail("cannot resolve its path: not read");
      if (!under_roots(real, *roots))
        return fail("changed since it was walked: it is now " + std::string(real) +
                    ", outside the paths given; not read");
    }
    return p;
  }

private:
  PinnedFile() = default;
  int fd_ = -1;
  std::string read_path_;
  int64_t mtime_ = 0;
};

FileSummary analyze_one(const std::string &path, const std::optional<fs::UniqueID> &identity, const std::string &shown,
                        const std::vector<std::string> *roots, const CollectOptions &opts, const Attribution &attr) {
  try {
    std::unique_ptr<PinnedFile> pinned;
    if (identity) {
      auto p = PinnedFile::open(path, *identity, roots);
      if (!p) {
        FileSummary s;
        s.path = shown;
        s.unreadable = true;
        s.error = llvm::toString(p.takeError());
        return s;
      }
      pinned = std::move(*p);
    }
    const std::string read_path = pinned ? pinned->read_path() : path;
    int64_t mtime = pinned ? pinned->mtime() : mtime_of(path);
    AnalysisOptions quiet = opts.analysis;
    quiet.progress = false;  // many files at once: triage draws its own progress
    quiet.threads = 1;       // and runs files on every core already
    FileSummarizer summarizer(shown, mtime);
    analyze_input(read_path, quiet, attr, summarizer);
    FileSummary s = summarizer.take();
    if (read_path != path)  // name the file, not the descriptor
      for (size_t at; (at = s.error.find(read_path)) != std::string::npos;) s.error.replace(at, read_path.size(), path);
    return s;
  } catch (const std::exception &e) {  // bad_alloc on a pathological file: that file only
    FileSummary s;
    s.path = shown;
    s.unreadable = true;
    s.error = std::string("analysis failed: ") + e.what();
    return s;
  }
}

std::string utf8(const std::string &s) {
  return llvm::json::isUTF8(s) ? s : llvm::json::fixUTF8(s);
}

}  // namespace

FileList find_files(const std::vector<std::string> &paths, bool follow_symlinks) {
  Walker w(follow_symlinks);
  w.run(paths);
  return std::move(w.list);
}

Table triage_paths(const std::vector<std::string> &paths, const CollectOptions &opts) {
  return triage_files(find_files(paths, opts.follow_symlinks), opts);
}

Table triage_files(FileList list, const CollectOptions &opts) {
  TableBuilder builder;
  for (Unreadable &e : list.errors) builder.add_unreadable(opts.path_prefix + e.path, std::move(e.error));
  for (Skipped &k : list.skipped) builder.add_skipped(opts.path_prefix + k.path, std::move(k.reason));

  // A table names each file by one path. Names that are not UTF-8 are
  // recorded with U+FFFD; should two files then share one, the second is
  // skipped.
  std::vector<size_t> todo;
  std::vector<std::string> shown(list.files.size());
  {
    std::unordered_map<std::string, size_t> by_name;
    for (size_t i = 0; i < list.files.size(); ++i) {
      shown[i] = utf8(opts.path_prefix + list.files[i]);
      auto [it, first] = by_name.try_emplace(shown[i], i);
      if (first)
        todo.push_back(i);
      else
        builder.add_skipped(
            opts.path_prefix + list.files[i],
            "its name is not valid UTF-8, and is recorded as that of " + list.files[it->second] + ": not read");
    }
  }

  std::shared_ptr<const Attribution> attr = opts.attribution;
  if (!attr) {
    auto loaded = load_attribution(opts.analysis);
    if (!loaded) {
      std::string why = llvm::toString(loaded.takeError());
      for (size_t i : todo) builder.add_unreadable(shown[i], why);
      return builder.finish();
    }
    attr = *loaded;
  }
  const size_t total = todo.size();
  std::vector<FileSummary> results(total);
  const std::vector<std::string> *roots = opts.follow_symlinks ? nullptr : &list.roots;

  std::mutex progress_mu;
  size_t done = 0;
  auto run = [&](size_t k) {
    size_t i = todo[k];
    static const std::optional<fs::UniqueID> unknown;  // a list made by hand: read by path
    const auto &identity = i < list.identities.size() ? list.identities[i] : unknown;
    results[k] = analyze_one(list.files[i], identity, shown[i], roots, opts, *attr);
    if (opts.on_progress) {
      std::lock_guard<std::mutex> lock(progress_mu);
      opts.on_progress(++done, total, list.files[i]);
    }
  };

  llvm::ThreadPoolStrategy strategy = llvm::hardware_concurrency(opts.jobs);
  unsigned threads =
      std::min<unsigned>(strategy.compute_thread_count(), static_cast<unsigned>(std::max<size_t>(total, 1)));
  if (threads <= 1) {
    for (size_t k = 0; k < total; ++k) run(k);
  } else {
    strategy.ThreadsRequested = threads;
    llvm::DefaultThreadPool pool(strategy);
    for (size_t k = 0; k < total; ++k) pool.async([&run, k] { run(k); });
    pool.wait();
  }

  for (FileSummary &s : results) builder.add(std::move(s));
  return builder.finish();
}

}  // namespace crashctl::triage
