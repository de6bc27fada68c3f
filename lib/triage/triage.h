// Triage: many crash files -> a table of buckets keyed by verdict.signature
// (formats/triage.md). The table is a mergeable summary: it records every
// file by its path, and merging tables gives exactly the table of one run
// over the union of their files (associative, commutative, idempotent: a
// file in two tables counts once), so fleets can map-reduce it.
#pragma once

#include "analysis/attribution.h"
#include "analysis/verdict.h"
#include "model/report.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem/UniqueID.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace crashctl::triage {

// formats/triage.schema.json
inline constexpr const char *kSchemaVersion = "1.3.0";
// formats/signature.md: tables of different signature versions do not merge.
inline constexpr int64_t kSignatureVersion = 2;

// Exit statuses of `crashctl triage` (formats/output.md, formats/triage.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitNothing = 1;
inline constexpr int kExitInputError = 2;
inline constexpr int kExitNewBuckets = 4;

// One report found in one file.
struct Occurrence {
  std::string path;             // as walked (with --path-prefix)
  uint64_t offset = 0;          // the report's byte offset in the decompressed file
  int64_t mtime = 0;            // the file's modification time, seconds since the Unix epoch
  std::string go_version;       // "go1.21.13"; "" when unknown
  std::string kind = "crash";   // the report's kind: "crash", "recovered", "snapshot", "race"
  bool low_confidence = false;  // its verdict rests on partial evidence
};
bool operator<(const Occurrence &a, const Occurrence &b);
bool operator==(const Occurrence &a, const Occurrence &b);

struct CulpritInfo {
  std::string function, file;
  int64_t line = 0;
  std::string module, version, owner;  // attribution; "" when unknown
  std::optional<BlameInfo> blame;      // the commit that last changed the line (--source-root in git)
};

// What a bucket shows of one of its reports: the one at its smallest
// occurrence (path, then offset).
struct Representative {
  VerdictClass cls = VerdictClass::Unknown;
  std::string signature_text, summary;
  std::optional<CulpritInfo> culprit;
};
bool operator<(const Representative &a, const Representative &b);

struct Bucket {
  std::string signature;
  Representative rep;
  std::vector<Occurrence> files;  // sorted; files.front() is rep's occurrence
  bool is_new = false;            // not in the --baseline table

  size_t count() const { return files.size(); }
  int64_t first_seen() const;                             // min mtime
  int64_t last_seen() const;                              // max mtime
  std::vector<std::string> go_versions() const;           // distinct, in release order
  std::vector<std::string> examples(size_t n = 3) const;  // the first n distinct paths
  const std::string &owner() const;                       // the culprit's owner, "" unknown
  // Occurrences by report kind, kinds in name order: "crashed 3 times,
  // recovered 4,012 times".
  std::vector<std::pair<std::string, size_t>> kinds() const;
  // Every occurrence's verdict rests on partial evidence.
  bool low_confidence() const;
};

struct Unreadable {
  std::string path, error;
};
bool operator<(const Unreadable &a, const Unreadable &b);
bool operator==(const Unreadable &a, const Unreadable &b);

// A path the walk found and did not read: a FIFO, socket or device, a
// symbolic link leaving the roots, a second path to a file already listed.
struct Skipped {
  std::string path, reason;
};
bool operator<(const Skipped &a, const Skipped &b);
bool operator==(const Skipped &a, const Skipped &b);

struct BaselineInfo {
  std::string path;
  size_t buckets = 0;
};

// A table names each file by one path, and each path is one file: `files`
// is the number of distinct paths in the buckets, unreadable and
// unrecognized; skipped paths are not files.
struct Table {
  uint64_t files = 0;                     // input files, whatever became of them
  std::vector<Bucket> buckets;            // count desc, then signature
  std::vector<Unreadable> unreadable;     // sorted by path, then error
  std::vector<std::string> unrecognized;  // sorted
  std::vector<Skipped> skipped;           // sorted by path, then reason
  std::optional<BaselineInfo> baseline;   // set by mark_new

  size_t reports() const;
  size_t new_buckets() const;
};

// What triage keeps of one analyzed file: a few strings per report, not the
// goroutines, so 10,000 files fit in little memory. Strings are valid UTF-8.
struct FileSummary {
  struct Found {
    std::string signature;
    Occurrence occ;
    // Set on the file's earliest occurrence of each signature, the only one
    // that can represent its bucket; null on the rest (they cost no strings).
    std::shared_ptr<const Representative> rep;
  };
  std::string path;
  bool unreadable = false;  // Input::failed
  std::string error;        // why, when unreadable
  std::vector<Found> reports;
};
// Summarizes a file's reports as analyze_input streams them (pipeline/analyze.h):
// nothing of a report is kept but its FileSummary::Found. PATH is what the
// table records (the input's path, perhaps with a prefix).
class FileSummarizer final : public ReportSink {
public:
  FileSummarizer(std::string path, int64_t mtime);
  void report(const Input &in, Report &&r, size_t index, bool last) override;
  void end_input(const Input &in) override;
  void add(const Report &r);  // what report() keeps of R
  FileSummary take() { return std::move(summary_); }

private:
  FileSummary summary_;
  int64_t mtime_;
  std::unordered_map<std::string, uint64_t> first_offset_;  // per signature
};
// The same for an Input that holds its reports.
FileSummary summarize(const Input &input, const std::string &path, int64_t mtime);

// Accumulates files into a table; the order of add() calls does not matter,
// and what is added twice counts once.
class TableBuilder {
public:
  // One analyzed file (once per path): its reports become occurrences; an
  // unreadable file goes to unreadable (and still contributes the reports
  // read before the failure); a readable file without reports goes to
  // unrecognized.
  void add(FileSummary file);
  void add(const Input &input, int64_t mtime) { add(summarize(input, input.path, mtime)); }
  void add_unreadable(std::string path, std::string error);  // counts as a file
  void add_skipped(std::string path, std::string reason);    // not a file
  // Adds a whole table (merge). A path already added by another table must
  // be recorded identically there (same occurrences, signatures, errors,
  // skip reasons): then it counts once; else nothing is added and the error
  // names the path. Tables of the same files taken at different times, or
  // with different options, do not merge.
  llvm::Error add(const Table &table);
  Table finish();

private:
  struct Acc {
    Representative rep;
    Occurrence rep_occ;
    std::vector<Occurrence> files;
  };
  void add_occurrence(const std::string &signature, const Occurrence &occ, const Representative &rep);
  std::map<std::string, Acc> acc_;                              // by signature
  std::map<std::string, std::array<uint8_t, 32>> table_paths_;  // path -> digest of its records, from add(Table)
  Table table_;
};

// Merges tables: associative, commutative and idempotent; baseline marks
// are dropped. Fails when two tables record one path differently.
llvm::Expected<Table> merge(const std::vector<Table> &tables);

// Marks buckets whose signature the baseline lacks.
void mark_new(Table &table, const Table &baseline, std::string baseline_path);

// --- collecting inputs ---------------------------------------------------------

struct CollectOptions {
  AnalysisOptions analysis;
  bool follow_symlinks = false;  // follow symbolic links out of the roots
  // Loaded once by the caller (load_attribution); null: loaded from
  // `analysis`, and if that fails every file is unreadable with the error.
  std::shared_ptr<const Attribution> attribution;
  unsigned jobs = 0;        // threads; 0 = every core
  std::string path_prefix;  // prepended to every recorded path ("host1:")
  // Called after each file, serialized (never concurrently), with the
  // number done, the total and the file's path.
  std::function<void(size_t, size_t, const std::string &)> on_progress;
};

// The files under PATHS (the roots): files given, and regular files found by
// walking directories recursively. Inside walked directories, hidden entries
// (".git", ".cache", ".x") are ignored; FIFOs, sockets and devices are
// skipped without being opened; symbolic links are followed when their
// target (realpath) lies under a root, else skipped unless FOLLOW_SYMLINKS.
// Each directory is walked once (no loops), and each file is listed once,
// under the first path that reaches it (a second path, e.g. a hard link or
// a link inside the tree, is skipped). Paths that cannot be read or walked
// come back in `errors`.
struct FileList {
  std::vector<std::string> files;  // in walk order
  // Per file, the regular file the walk found there: analysis reads that
  // file only (pinned by a descriptor) and lists a path that changed since
  // as unreadable. Unset for a file named on the command line that is not a
  // regular file (a pipe: <(zcat x.gz)), read as it is.
  std::vector<std::optional<llvm::sys::fs::UniqueID>> identities;
  std::vector<Unreadable> errors;
  std::vector<Skipped> skipped;
  std::vector<std::string> roots;  // the paths given, resolved (realpath)
};
FileList find_files(const std::vector<std::string> &paths, bool follow_symlinks = false);

// Walks PATHS and analyzes every file in parallel. Never throws; a file that
// cannot be read only becomes an `unreadable` entry.
Table triage_paths(const std::vector<std::string> &paths, const CollectOptions &opts);
// The same for a list walked before (find_files with opts.follow_symlinks).
Table triage_files(FileList list, const CollectOptions &opts);

// --- rendering and loading (formats/triage.md) -----------------------------------

struct RenderOptions {
  std::string tool_version = "0.0.0";
  bool color = false;           // text: NEW in colour
  size_t summary_width = 60;    // text: summary column cut at this many characters
  std::string information_uri;  // sarif: tool.driver.informationUri ("" leaves it out)
  std::string source_root;      // sarif: %SRCROOT% (--source-root; "" unknown)
};

void render_json(llvm::raw_ostream &os, const Table &table, const RenderOptions &opts);
void render_csv(llvm::raw_ostream &os, const Table &table);
void render_text(llvm::raw_ostream &os, const Table &table, const RenderOptions &opts);
// formats/html.md: the bucket table, each bucket expanding to its files.
void render_html(llvm::raw_ostream &os, const Table &table, const RenderOptions &opts);
// formats/sarif.md: one result per bucket.
void render_sarif(llvm::raw_ostream &os, const Table &table, const RenderOptions &opts);

// Parses a triage JSON document (a previous --format json); errors name the
// JSON path of the problem.
llvm::Expected<Table> parse_table(std::string_view json_text);
// Same, from a file (errors name the file).
llvm::Expected<Table> load_table(const std::string &path);

// Exit status of a run: 4 when a baseline was given and new buckets
// appeared, 1 when no report at all was found, else 0.
int exit_status(const Table &table);

// --- helpers (exposed for tests) -------------------------------------------------

// "2026-11-27T10:11:12Z"; and back (strictly that form).
std::string iso8601_utc(int64_t unix_seconds);
std::optional<int64_t> parse_iso8601_utc(std::string_view s);
// Natural order for Go versions: digit runs compare as numbers, so
// "go1.9" < "go1.19.8" < "go1.21.13"; a total order (ties fall back to bytes).
bool version_less(const std::string &a, const std::string &b);
// One RFC 4180 field: quoted when it holds a comma, quote, CR or LF.
std::string csv_field(std::string_view s);

}  // namespace crashctl::triage
