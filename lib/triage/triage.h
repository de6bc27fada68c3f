// Triage: many crash files -> a table of buckets keyed by verdict.signature
// (formats/triage.md). The table is a mergeable summary: merging tables
// built from disjoint sets of files gives exactly the table of one run over
// all of them (associative, commutative), so fleets can map-reduce it.
#pragma once

#include "analysis/attribution.h"
#include "analysis/verdict.h"
#include "model/report.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

namespace crashctl::triage {

// formats/triage.schema.json
inline constexpr const char *kSchemaVersion = "1.1.0";
// formats/signature.md: tables of different signature versions do not merge.
inline constexpr int64_t kSignatureVersion = 1;

// Exit statuses of `crashctl triage` (formats/output.md, formats/triage.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitNothing = 1;
inline constexpr int kExitInputError = 2;
inline constexpr int kExitNewBuckets = 4;

// One report found in one file.
struct Occurrence {
  std::string path;        // as walked (with --path-prefix)
  uint64_t offset = 0;     // the report's byte offset in the decompressed file
  int64_t mtime = 0;       // the file's modification time, seconds since the Unix epoch
  std::string go_version;  // "go1.21.13"; "" when unknown
  std::string kind = "crash";   // the report's kind: "crash", "recovered", "snapshot", "race"
  bool low_confidence = false;  // its verdict rests on partial evidence
};
bool operator<(const Occurrence &a, const Occurrence &b);
bool operator==(const Occurrence &a, const Occurrence &b);

struct CulpritInfo {
  std::string function, file;
  int64_t line = 0;
  std::string module, version, owner;  // attribution; "" when unknown
};

// What a bucket shows of one of its reports: the one at its smallest
// occurrence (path, then offset).
struct Representative {
  std::string cls, signature_text, summary;
  std::optional<CulpritInfo> culprit;
};
bool operator<(const Representative &a, const Representative &b);

struct Bucket {
  std::string signature;
  Representative rep;
  std::vector<Occurrence> files;  // sorted; files.front() is rep's occurrence
  bool is_new = false;            // not in the --baseline table

  size_t count() const { return files.size(); }
  int64_t first_seen() const;  // min mtime
  int64_t last_seen() const;   // max mtime
  std::vector<std::string> go_versions() const;          // distinct, in release order
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

struct BaselineInfo {
  std::string path;
  size_t buckets = 0;
};

struct Table {
  uint64_t files = 0;                     // input files, whatever became of them
  std::vector<Bucket> buckets;            // count desc, then signature
  std::vector<Unreadable> unreadable;     // sorted by path, then error
  std::vector<std::string> unrecognized;  // sorted
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
  FileSummary take() { return std::move(summary_); }

private:
  FileSummary summary_;
  int64_t mtime_;
  std::unordered_map<std::string, uint64_t> first_offset_;  // per signature
};
// The same for an Input that holds its reports.
FileSummary summarize(const Input &input, const std::string &path, int64_t mtime);

// Accumulates files into a table; the order of add() calls does not matter.
class TableBuilder {
public:
  // One analyzed file: its reports become occurrences; an unreadable file
  // goes to unreadable (and still contributes the reports read before the
  // failure); a readable file without reports goes to unrecognized.
  void add(FileSummary file);
  void add(const Input &input, int64_t mtime) { add(summarize(input, input.path, mtime)); }
  void add_unreadable(std::string path, std::string error);  // counts as a file
  // Adds a whole table (merge).
  void add(const Table &table);
  Table finish();

private:
  struct Acc {
    Representative rep;
    Occurrence rep_occ;
    std::vector<Occurrence> files;
  };
  void add_occurrence(const std::string &signature, const Occurrence &occ, const Representative &rep);
  std::map<std::string, Acc> acc_;  // by signature
  Table table_;
};

// Merges tables: associative, commutative; baseline marks are dropped.
Table merge(const std::vector<Table> &tables);

// Marks buckets whose signature the baseline lacks.
void mark_new(Table &table, const Table &baseline, std::string baseline_path);

// --- collecting inputs ---------------------------------------------------------

struct CollectOptions {
  AnalysisOptions analysis;
  // Loaded once by the caller (load_attribution); null: loaded from
  // `analysis`, and if that fails every file is unreadable with the error.
  std::shared_ptr<const Attribution> attribution;
  unsigned jobs = 0;        // threads; 0 = every core
  std::string path_prefix;  // prepended to every recorded path ("host1:")
  // Called after each file, serialized (never concurrently), with the
  // number done, the total and the file's path.
  std::function<void(size_t, size_t, const std::string &)> on_progress;
};

// The files under PATHS: regular files given or found by walking directories
// recursively, skipping hidden entries (".git", ".cache", ".x") inside walked
// directories, following symbolic links but walking each directory once (no
// loops). Paths that cannot be read or walked come back in `errors`.
struct FileList {
  std::vector<std::string> files;  // deduplicated, in walk order
  std::vector<Unreadable> errors;
};
FileList find_files(const std::vector<std::string> &paths);

// Walks PATHS and analyzes every file in parallel. Never throws; a file that
// cannot be read only becomes an `unreadable` entry.
Table triage_paths(const std::vector<std::string> &paths, const CollectOptions &opts);

// --- rendering and loading (formats/triage.md) -----------------------------------

struct RenderOptions {
  std::string tool_version = "0.0.0";
  bool color = false;           // text: NEW in colour
  size_t summary_width = 60;    // text: summary column cut at this many characters
};

void render_json(llvm::raw_ostream &os, const Table &table, const RenderOptions &opts);
void render_csv(llvm::raw_ostream &os, const Table &table);
void render_text(llvm::raw_ostream &os, const Table &table, const RenderOptions &opts);

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
