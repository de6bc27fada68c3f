// Finding the files under the given paths and analyzing them in parallel.
// Each worker owns its Input and keeps only a FileSummary of it; the table
// is then built on one thread, and its order never depends on scheduling.
#include "triage/triage.h"

#include "pipeline/analyze.h"

#include "llvm/Support/Chrono.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <unordered_set>

namespace crashctl::triage {

namespace fs = llvm::sys::fs;

namespace {

struct UniqueIdHash {
  size_t operator()(const fs::UniqueID &id) const {
    return std::hash<uint64_t>()(id.getDevice()) * 31 + std::hash<uint64_t>()(id.getFile());
  }
};

class Walker {
public:
  FileList list;

  void arg(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    fs::file_status st;
    if (std::error_code ec = fs::status(path, st, /*follow=*/true)) {
      list.errors.push_back({path, "cannot read: " + ec.message()});
      return;
    }
    if (fs::is_directory(st)) walk(path, st.getUniqueID());
    else file(path);  // named explicitly: any kind, even a pipe (<(zcat ...))
  }

private:
  std::unordered_set<fs::UniqueID, UniqueIdHash> dirs_seen_;
  std::unordered_set<std::string> files_seen_;

  void file(const std::string &path) {
    if (files_seen_.insert(path).second) list.files.push_back(path);
  }

  void walk(const std::string &dir, fs::UniqueID id) {
    // Each directory once: symbolic link loops end here, and a directory
    // reached twice (two arguments, a link) is not counted twice.
    if (!dirs_seen_.insert(id).second) return;
    std::error_code ec;
    std::vector<std::string> entries;
    for (fs::directory_iterator it(dir, ec, /*follow_symlinks=*/true), end; it != end && !ec; it.increment(ec)) {
      llvm::StringRef name = llvm::sys::path::filename(it->path());
      if (name.starts_with(".")) continue;  // .git, .cache, editor droppings
      entries.push_back(it->path());
    }
    if (ec) {
      list.errors.push_back({dir, "cannot read directory: " + ec.message()});
      return;
    }
    std::sort(entries.begin(), entries.end());
    for (const std::string &e : entries) {
      fs::file_status st;
      if (std::error_code sec = fs::status(e, st, /*follow=*/true)) {
        list.errors.push_back({e, "cannot read: " + sec.message()});  // dangling link, permissions
        continue;
      }
      if (fs::is_directory(st)) walk(e, st.getUniqueID());
      else if (fs::is_regular_file(st)) file(e);
      // Sockets, pipes and devices met while walking are skipped.
    }
  }
};

int64_t mtime_of(const std::string &path) {
  fs::file_status st;
  if (fs::status(path, st, /*follow=*/true)) return 0;
  return static_cast<int64_t>(llvm::sys::toTimeT(st.getLastModificationTime()));
}

FileSummary analyze_one(const std::string &path, const CollectOptions &opts, const Attribution &attr) {
  const std::string shown = opts.path_prefix + path;
  try {
    int64_t mtime = mtime_of(path);
    AnalysisOptions quiet = opts.analysis;
    quiet.show_progress = false;  // many files at once: triage draws its own progress
    FileSummarizer summarizer(shown, mtime);
    analyze_input(path, quiet, attr, summarizer);
    return summarizer.take();
  } catch (const std::exception &e) {  // bad_alloc on a pathological file: that file only
    FileSummary s;
    s.path = shown;
    s.unreadable = true;
    s.error = std::string("analysis failed: ") + e.what();
    return s;
  }
}

}  // namespace

FileList find_files(const std::vector<std::string> &paths) {
  Walker w;
  for (const std::string &p : paths) w.arg(p);
  return std::move(w.list);
}

Table triage_paths(const std::vector<std::string> &paths, const CollectOptions &opts) {
  FileList list = find_files(paths);
  std::shared_ptr<const Attribution> attr = opts.attribution;
  if (!attr) {
    auto loaded = load_attribution(opts.analysis);
    if (!loaded) {
      std::string why = llvm::toString(loaded.takeError());
      TableBuilder builder;
      for (const Unreadable &e : list.errors) builder.add_unreadable(opts.path_prefix + e.path, e.error);
      for (const std::string &f : list.files) builder.add_unreadable(opts.path_prefix + f, why);
      return builder.finish();
    }
    attr = *loaded;
  }
  const size_t total = list.files.size();
  std::vector<FileSummary> results(total);

  std::mutex progress_mu;
  size_t done = 0;
  auto run = [&](size_t i) {
    results[i] = analyze_one(list.files[i], opts, *attr);
    if (opts.on_progress) {
      std::lock_guard<std::mutex> lock(progress_mu);
      opts.on_progress(++done, total, list.files[i]);
    }
  };

  llvm::ThreadPoolStrategy strategy = llvm::hardware_concurrency(opts.jobs);
  unsigned threads = std::min<unsigned>(strategy.compute_thread_count(), static_cast<unsigned>(std::max<size_t>(total, 1)));
  if (threads <= 1) {
    for (size_t i = 0; i < total; ++i) run(i);
  } else {
    strategy.ThreadsRequested = threads;
    llvm::DefaultThreadPool pool(strategy);
    for (size_t i = 0; i < total; ++i) pool.async([&run, i] { run(i); });
    pool.wait();
  }

  TableBuilder builder;
  for (Unreadable &e : list.errors) builder.add_unreadable(opts.path_prefix + e.path, std::move(e.error));
  for (FileSummary &s : results) builder.add(std::move(s));
  return builder.finish();
}

}  // namespace crashctl::triage
