// Goroutine groups and leak suspects (formats/taxonomy.md, "Groups").
#pragma once

#include "model/report.h"

#include <cstddef>
#include <string>

namespace crashctl {

struct LeakOptions {
  size_t min_count = 10;           // a suspect group has at least this many goroutines
  double min_share = 0.05;         // ... and this share of all goroutines,
  size_t always_count = 1000;      // ... or at least this many regardless of share
  int64_t long_wait_minutes = 10;  // a wait this long is noted as evidence
};

class InAppRules;

// Groups report.process.goroutines in O(n) by (status, wait reason, stack,
// creator), largest first, picks each group's site with RULES and marks leak
// suspects; sets report.verdict.leak_suspects.
void group_goroutines(Report &report, const InAppRules &rules, const LeakOptions &opts = {});

// Where a group waits, as a person would name it: the first frame of the
// program's code (by the run's in-app rules), else the first outside the
// runtime; null without frames. Renderers and diff read it from here.
const Frame *group_site(const GoroutineGroup &g);
// The same for a goroutine's ancestor (GODEBUG=tracebackancestors).
const Frame *ancestor_site(const Ancestor &a);

// A group's identity across dumps of the same program (crashctl diff):
// 16 hex digits of SHA-1 over state, wait reason, normalized function names
// of its stack and its creator's function (formats/signature.md, "Groups").
std::string group_signature(const GoroutineGroup &g);

// Wait reasons of goroutines blocked on another goroutine's action.
bool is_blocking_wait(const std::string &wait_reason);

}  // namespace crashctl
