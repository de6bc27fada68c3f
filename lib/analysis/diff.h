// Two goroutine dumps of one program compared (crashctl diff, formats/diff.md):
// which groups of identical goroutines grew, shrank, appeared or vanished.
// Groups are matched by group_signature, never by goroutine ids.
#pragma once

#include "model/report.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crashctl {

enum class GroupChange { Grew, Shrank, Appeared, Vanished, Unchanged };
const char *to_string(GroupChange);

// One side of a matched group. Several groups of a dump can share a
// signature (same functions, other lines); their counts and wait ranges add up.
struct GroupSide {
  size_t count = 0;
  int64_t min_wait_minutes = -1, max_wait_minutes = -1;  // -1: not shown
  size_t groups = 0;                                     // groups of the dump merged into this side
};

struct GroupDelta {
  std::string signature;  // group_signature, 16 hex digits
  GroupChange change = GroupChange::Unchanged;
  GroupSide old_side, new_side;
  int64_t delta = 0;  // new count - old count
  // Described by the largest group of the newer dump, else of the older one.
  GoroutineStatus status = GoroutineStatus::Unknown;
  std::string wait_reason;
  bool blocking = false;            // is_blocking_wait(wait_reason)
  std::optional<Frame> site;        // group_site
  std::optional<Frame> created_by;  // the go statement
  // Goroutine profiles name no creator: the function the goroutines run
  // (their stack's last frame) stands in for it.
  std::optional<Frame> entry;
  // Grew by at least DiffOptions::min_growth, is blocked on another
  // goroutine (in a profile: parked in the runtime) and was started by one go
  // statement (in a profile: runs one function): "leak: growing".
  bool growing_leak = false;
};

// Which report of which input a side of the diff is.
struct DiffSource {
  std::string path;
  size_t report = 0;   // 0-based index into Input::reports
  size_t reports = 0;  // reports in that input
  ReportKind kind = ReportKind::Snapshot;
  uint64_t offset = 0, end_offset = 0;
  std::string go_version;  // "" when unknown
  size_t goroutines = 0;
  size_t groups = 0;
};

struct DiffOptions {
  int64_t min_growth = 1;  // smallest increase that counts as growth for a leak / exit 4
};

// What holds the heap, compared (both reports have report.memory): its
// retainers, matched by root (a stack root by function and variable, not by
// goroutine id), and its types. Each report lists only its top retainers and
// types: one missing on a side is unlisted there, not zero.
struct MemoryDelta {
  std::string name;         // a retainer's root without "goroutine N: "; a type
  std::string kind;         // retainers: global, stack, finalizer, other; types: ""
  uint64_t size_class = 0;  // unknown types: their slot size
  bool old_listed = false, new_listed = false;
  uint64_t old_bytes = 0, new_bytes = 0, old_objects = 0, new_objects = 0;
  int64_t delta_bytes = 0;
};
struct MemoryDiff {
  uint64_t old_live_bytes = 0, new_live_bytes = 0;
  std::vector<MemoryDelta> retainers, types;  // by growth, largest first
};

struct DiffResult {
  DiffSource old_source, new_source;
  std::optional<MemoryDiff> memory;
  std::vector<GroupDelta> groups;  // by |delta| desc, then new count, old count, signature
  size_t grew = 0, shrank = 0, appeared = 0, vanished = 0, unchanged = 0;
  size_t growing_leaks = 0;
  bool blocked_growth = false;     // a blocked group grew by min_growth or more: exit 4
  std::vector<std::string> notes;  // report selection, differing Go releases
};

MemoryDiff diff_memory(const MemoryReport &old_memory, const MemoryReport &new_memory);

// Compares two reports (their groups, as group_goroutines made them).
DiffResult diff_reports(const Report &old_report, const Report &new_report, const DiffOptions &opts = {});

// Which reports to compare. Report numbers are 1-based as people count;
// negative ones count from the end (-1 is the last); 0 means the default.
struct DiffSelection {
  int64_t old_report = 0, new_report = 0;
};

// Diffs analyzed inputs: with two inputs, by default the last report holding
// goroutines of each; with one input, its first and its last such report.
// Fills `error` (and returns nullopt) when there is nothing to compare;
// `status` is then the exit status (formats/diff.md): 1 no goroutine dump
// (or one input with fewer than two), 2 an input could not be read,
// 3 a report number out of range.
struct DiffRun {
  std::optional<DiffResult> result;
  std::string error;
  int status = 0;
};
DiffRun diff_inputs(const std::vector<Input> &inputs, const DiffSelection &sel, const DiffOptions &opts = {});

// Exit status of a diff: 4 when a blocked group grew, else 0.
int diff_exit_status(const DiffResult &d);

}  // namespace crashctl
