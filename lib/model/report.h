// What analysis concludes about a Process, and how reports group per input.
#pragma once

#include "model/memory.h"
#include "model/process.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace crashctl {

enum class InputFormat { Traceback, Core, HeapDump, Profile, Unknown };
enum class Compression { None, Gzip, Zstd };
const char *to_string(InputFormat);
const char *to_string(Compression);

enum class Severity { Note, Warning, Error };
const char *to_string(Severity);

// A problem found while reading, always with the byte offset it concerns
// (in the decompressed stream; compressed_offset where that is known).
struct Diagnostic {
  Severity severity = Severity::Warning;
  uint64_t offset = 0;
  std::string message;
};

// Crash: the process died. Recovered: a panic that the program recovered and
// logged (net/http, gin, a defer with recover, ...); it lived on. Snapshot:
// goroutines of a live process (a dump, a profile, a logged stack). Race: a
// race detector report.
enum class ReportKind { Crash, Snapshot, Race, Recovered };
const char *to_string(ReportKind);

// Lines of the culprit's file around its line (lib/source): at most three
// either side.
struct SourceContext {
  std::string path;                // the local file they were read from
  int first_line = 0;              // the line number of lines[0]
  std::vector<std::string> lines;  // without line terminators
};

// The commit that last changed the culprit's line (git blame).
struct BlameInfo {
  std::string commit;  // 40 hex digits
  std::string author, email;
  std::string date;     // the author date, "2024-03-05T14:02:11+01:00"
  std::string summary;  // the first line of the commit message
};

// Web addresses of source lines, by the file a frame records (lib/source
// decides them): the pieces of a URL between which the line number goes.
// Copies share one table.
class SourceLinks {
public:
  using Pieces = std::vector<std::string>;
  void set(std::string file, Pieces pieces);
  // The URL of LINE of FILE; "" when FILE has no link or LINE is unknown.
  std::string url(const std::string &file, int line) const;
  std::string url(const Frame &f) const { return url(f.file, f.line); }
  bool empty() const { return !by_file_ || by_file_->empty(); }
  // Whether both are copies of one table (or both empty).
  bool same_table(const SourceLinks &o) const { return empty() ? o.empty() : by_file_ == o.by_file_; }

private:
  std::shared_ptr<std::unordered_map<std::string, Pieces>> by_file_;
};

// The frame the verdict blames: the first frame of the program's own code.
struct Culprit {
  Frame frame;
  size_t frame_index = 0;          // index in the crashing goroutine's stack
  std::vector<std::string> cycle;  // stack overflow: the repeating functions
  // Attribution (lib/analysis/attribution.h); empty when unknown.
  std::string module;        // module path: "github.com/acme/app", "std" for the standard library
  std::string version;       // "v1.2.3", a Go version for std, "(devel)"/"" for the main module
  std::string owner;         // from CODEOWNERS or --owners
  std::string owner_source;  // "CODEOWNERS:12", "owners:3": the rule that matched
  // Source (lib/source, formats/attribution.md): its line on the web, the
  // lines around it, the commit that last changed it.
  std::string url;
  std::optional<SourceContext> source_context;
  std::optional<BlameInfo> blame;
};

// Identical goroutines, grouped: same status, wait reason, stack (by
// function and line) and creator.
struct GoroutineGroup {
  GoroutineStatus status = GoroutineStatus::Unknown;
  std::string wait_reason;
  StackRef stack;
  FrameRef created_by;
  std::vector<int64_t> goroutine_ids;
  std::vector<uint32_t> goroutine_indexes;  // parallel to goroutine_ids: positions in Process::goroutines
  // Index in stack->frames of the frame naming where the group is, chosen by
  // analysis with the run's in-app rules (analysis/groups.h); -1: none.
  int site_frame = -1;
  int64_t min_wait_minutes = -1, max_wait_minutes = -1;  // -1: not shown
  bool leaked = false;                                   // Go 1.26+ "(leaked)" marks: a certain leak
  std::vector<std::string> leak_reasons;                 // non-empty: a leak suspect (formats/taxonomy.md)
};

// The classes of formats/taxonomy.md. to_string gives their ids
// ("nil-pointer-dereference"), which the output and the signature use.
enum class VerdictClass : uint8_t {
  NilPointerDereference,
  IndexOutOfRange,
  SliceBoundsOutOfRange,
  NilMapAssignment,
  TypeAssertion,
  DivideByZero,
  ClosedChannel,
  RuntimeError,
  ExplicitPanic,
  ConcurrentMapAccess,
  Deadlock,
  StackOverflow,
  OutOfMemory,
  UnlockOfUnlockedMutex,
  CgoSignal,
  RuntimeFatal,
  ExternalSignal,
  TestTimeout,
  DataRace,
  Snapshot,
  Unknown,
};
const char *to_string(VerdictClass);
// The class named by ID; none for an id this version does not know.
std::optional<VerdictClass> parse_verdict_class(std::string_view id);

// A frame named by where it is, for verdict fields that point at code.
struct CodeLocation {
  std::string function, file;
  int line = 0;
};

struct Verdict {
  std::optional<VerdictClass> cls;  // none before analysis
  bool recoverable = false;         // could recover() have caught it in principle
  std::string summary;              // one line
  std::string explanation;          // why the process died and why recover did not save it
  // The part of the explanation that is specific to this crash (which
  // goroutine, which defers ran, which recover could not help), without the
  // class's general explanation (analysis/taxonomy.h); text shows it first.
  std::string why;
  int64_t goroutine = -1;  // the crashing goroutine, -1 when none
  // Its index in Process::goroutines, when set: the way to find one whose
  // id the input does not show (a stack logged without a goroutine header).
  std::optional<size_t> goroutine_index;
  std::optional<Culprit> culprit;
  std::string signature;       // stable bucket hash, formats/signature.md
  std::string signature_text;  // what the hash was computed from
  size_t leak_suspects = 0;    // groups of goroutines that look leaked
  // Recovered panics: the frame that recovered or logged the value, where the
  // stack shows it (net/http.(*conn).serve.func1).
  std::optional<CodeLocation> recovered_by;
  // Low when the verdict rests on partial evidence; the reasons say what is
  // missing (each is also a diagnostic of the input).
  bool low_confidence = false;
  std::vector<std::string> confidence_reasons;
};

struct Report {
  ReportKind kind = ReportKind::Crash;
  InputFormat format = InputFormat::Traceback;  // what it was decoded from
  uint64_t offset = 0;                          // where this report starts in the decompressed input
  uint64_t end_offset = 0;
  Process process;
  Verdict verdict;
  std::vector<GoroutineGroup> groups;  // largest first
  // What the input lost that the verdict would have used (a line a log
  // pipeline dropped or replaced, a crash message without its traceback);
  // each makes the verdict low-confidence.
  std::vector<std::string> evidence_gaps;
  // Frames' lines on the web (formats/attribution.md, "Links").
  SourceLinks links;
  // Cores and heap dumps: what holds the heap (lib/memory), when computed.
  std::shared_ptr<const MemoryReport> memory;
};
// Vectors of these move them when they grow; a copy would copy every goroutine.
static_assert(std::is_nothrow_move_constructible_v<Goroutine> && std::is_nothrow_move_constructible_v<GoroutineGroup> &&
              std::is_nothrow_move_constructible_v<Report>);

// Where the executable of a core or heap dump was found, in the search order
// of binary/locate.h: --exe, the path the core records, --debug-dir,
// debuginfod.
enum class ExecutableSource { Argument, CorePath, DebugDir, Debuginfod };
const char *to_string(ExecutableSource);

// The executable an input was read with.
struct InputExecutable {
  std::string path;
  std::string build_id;  // its GNU build id in hex; "" when it has none
  ExecutableSource source = ExecutableSource::Argument;
};

struct Input {
  std::string path;  // "-" for stdin
  InputFormat format = InputFormat::Unknown;
  Compression compression = Compression::None;
  uint64_t size = 0;  // decompressed bytes read
  // Cores and heap dumps: the executable found and used, when one was.
  std::optional<InputExecutable> executable;
  // The file could not be opened, decompressed or read to its end (or its kind
  // is unsupported); reports hold what was decoded before the failure.
  bool failed = false;
  // The reports, in input order, unless on_report takes them.
  std::vector<Report> reports;
  uint64_t report_count = 0;  // reports decoded, kept or given to on_report
  // Kept up to resource_limits().diagnostics_per_input; the rest are counted.
  std::vector<Diagnostic> diagnostics;
  uint64_t diagnostics_dropped = 0;
  // When set, decoders hand each finished report here instead of keeping it
  // (pipeline/analyze.h streams them), so memory does not grow with their number.
  std::function<void(Report &&)> on_report;

  void add_report(Report &&r);
  void add_diagnostic(Diagnostic d);
  void add_diagnostic(Severity s, uint64_t offset, std::string message) {
    add_diagnostic(Diagnostic{s, offset, std::move(message)});
  }
  // Warnings and errors since the input began (kept and dropped).
  uint64_t diagnostic_total() const { return diagnostics.size() + diagnostics_dropped; }
};

// Receives an input's reports one by one, each as soon as it is decoded and
// analyzed: renderers and triage keep what they need and let it go, so
// memory does not grow with the number of reports.
class ReportSink {
public:
  virtual ~ReportSink() = default;
  // IN has its path, format and compression, no reports yet.
  virtual void begin_input(const Input &in) { (void)in; }
  // INDEX counts the input's reports from 0; LAST: none follows it.
  virtual void report(const Input &in, Report &&r, size_t index, bool last) = 0;
  // IN is complete but for its reports (size, failed, diagnostics, report_count).
  virtual void end_input(const Input &in) { (void)in; }
};

}  // namespace crashctl
