#include "analysis/groups.h"

#include "analysis/signature.h"
#include "analysis/verdict.h"

#include "gosyntax/parse.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace crashctl {

bool is_blocking_wait(const std::string &w) {
  static const char *kPrefixes[] = {
      "chan receive",      "chan send",           "select",         "sync.Mutex.Lock", "sync.RWMutex.RLock",
      "sync.RWMutex.Lock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire",      "IO wait"};
  for (const char *p : kPrefixes)
    if (starts_with(w, p)) return true;
  return false;
}

static const Frame *frame_at(const StackRef &stack, int index) {
  if (!stack || index < 0 || size_t(index) >= stack->frames.size()) return nullptr;
  return &stack->frames[size_t(index)];
}

const Frame *group_site(const GoroutineGroup &g) {
  return frame_at(g.stack, g.site_frame);
}

const Frame *ancestor_site(const Ancestor &a) {
  return frame_at(a.stack, a.site_frame);
}

std::string group_signature(const GoroutineGroup &g) {
  std::string text = std::string(to_string(g.status)) + " | " + g.wait_reason;
  if (g.stack)
    for (const Frame &f : g.stack->frames) text += " | " + normalize_function(f.function);
  text += " | created by " + (g.created_by ? normalize_function(g.created_by->function) : std::string("-"));
  return short_sha1(text);
}

namespace {

struct GroupKey {
  GoroutineStatus status;
  InternedString wait_reason;
  const Stack *stack;
  const Frame *creator;
  bool operator==(const GroupKey &o) const {
    return status == o.status && wait_reason == o.wait_reason && stack == o.stack && creator == o.creator;
  }
};

}  // namespace
}  // namespace crashctl

template <>
struct llvm::DenseMapInfo<crashctl::GroupKey> {
  using Key = crashctl::GroupKey;
  static Key getEmptyKey() { return {{}, {}, reinterpret_cast<const crashctl::Stack *>(uintptr_t(-1)), nullptr}; }
  static Key getTombstoneKey() { return {{}, {}, reinterpret_cast<const crashctl::Stack *>(uintptr_t(-2)), nullptr}; }
  static unsigned getHashValue(const Key &k) {
    uint64_t h = uint64_t(uintptr_t(k.stack)) * 0x9E3779B97F4A7C15ull ^
                 uint64_t(uintptr_t(k.creator)) * 0xC2B2AE3D27D4EB4Full ^
                 uint64_t(uintptr_t(k.wait_reason.identity())) * 0x165667B19E3779F9ull ^ uint64_t(k.status);
    return unsigned(h ^ (h >> 29));
  }
  static bool isEqual(const Key &a, const Key &b) { return a == b; }
};

namespace crashctl {

// The index of STACK's telling frame by RULES, -1 for none.
static int site_frame(const StackRef &stack, const InAppRules &rules) {
  if (!stack) return -1;
  const Frame *site = telling_frame(stack->frames, rules);
  return site ? int(site - stack->frames.data()) : -1;
}

void group_goroutines(Report &report, const InAppRules &rules, const LeakOptions &opts) {
  Process &p = report.process;
  std::vector<GoroutineGroup> groups;
  llvm::DenseMap<GroupKey, uint32_t> index;  // open addressing: a few thousand keys stay in cache
  auto key_of = [](const Goroutine &g) {
    return GroupKey{g.status == GoroutineStatus::Leaked ? GoroutineStatus::Waiting : g.status, g.wait_reason,
                    g.stack.get(), g.created_by.get()};
  };
  // Two passes over the goroutines (a million of them do not fit in cache):
  // the groups and their sizes, then their members, in vectors of the exact
  // size. Growing them instead would hold up to twice the memory at the
  // report's peak.
  std::vector<size_t> sizes;
  for (size_t gi = 0; gi < p.goroutines.size(); ++gi) {
    Goroutine &g = p.goroutines[gi];
    if (!g.details().ancestors.empty()) {
      p.ancestors = true;
      for (Ancestor &a : g.mutable_details().ancestors) a.site_frame = site_frame(a.stack, rules);
    }
    GroupKey key = key_of(g);
    auto [it, added] = index.try_emplace(key, uint32_t(groups.size()));
    if (added) {
      GoroutineGroup grp;
      grp.status = key.status;
      grp.wait_reason = g.wait_reason;
      grp.stack = g.stack;
      grp.created_by = g.created_by;
      grp.site_frame = site_frame(g.stack, rules);
      groups.push_back(std::move(grp));
      sizes.push_back(0);
    }
    ++sizes[it->second];
    GoroutineGroup &grp = groups[it->second];
    grp.leaked |= g.status == GoroutineStatus::Leaked;
    if (g.wait_minutes >= 0) {
      grp.min_wait_minutes = grp.min_wait_minutes < 0 ? g.wait_minutes : std::min(grp.min_wait_minutes, g.wait_minutes);
      grp.max_wait_minutes = std::max(grp.max_wait_minutes, g.wait_minutes);
    }
  }
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].goroutine_ids.reserve(sizes[i]);
    groups[i].goroutine_indexes.reserve(sizes[i]);
  }
  std::optional<GroupKey> last;  // neighbours mostly share a group: one compare, no hash
  uint32_t last_group = 0;
  for (size_t gi = 0; gi < p.goroutines.size(); ++gi) {
    const Goroutine &g = p.goroutines[gi];
    GroupKey key = key_of(g);
    if (!last || !(*last == key)) {
      last = key;
      last_group = index.find(key)->second;
    }
    GoroutineGroup &grp = groups[last_group];
    grp.goroutine_ids.push_back(g.id);
    grp.goroutine_indexes.push_back(uint32_t(gi));
  }
  std::stable_sort(groups.begin(), groups.end(), [](const GoroutineGroup &a, const GoroutineGroup &b) {
    return a.goroutine_ids.size() > b.goroutine_ids.size();
  });
  size_t total = p.goroutines.size();
  size_t suspects = 0;
  for (GoroutineGroup &grp : groups) {
    size_t n = grp.goroutine_ids.size();
    if (grp.leaked) grp.leak_reasons.push_back("the runtime marked these goroutines (leaked)");
    bool large = n >= opts.always_count || (n >= opts.min_count && double(n) >= opts.min_share * double(total));
    bool blocked = is_blocking_wait(grp.wait_reason);
    // Profiles name no creator and, at debug=1, hide what a parked goroutine
    // waits on: the stack's entry function and "parked" stand in for them.
    bool profile = !p.profile.empty();
    bool parked = profile && grp.status == GoroutineStatus::Waiting && grp.wait_reason.empty();
    const Frame *entry = grp.stack && !grp.stack->frames.empty() ? &grp.stack->frames.back() : nullptr;
    if (large && (blocked || parked) && (grp.created_by || (profile && entry))) {
      std::string on = blocked ? "blocked on " + grp.wait_reason
                               : std::string("parked in the runtime (a debug=1 profile does not say on what)");
      grp.leak_reasons.push_back(llvm::formatv("{0} of {1} goroutines {2}", n, total, on).str());
      if (grp.created_by)
        grp.leak_reasons.push_back("all started by the same go statement in " + grp.created_by->function);
      else
        grp.leak_reasons.push_back("all running " + entry->function + " (the profile names no creator)");
      if (grp.max_wait_minutes >= opts.long_wait_minutes)
        grp.leak_reasons.push_back(llvm::formatv("waiting up to {0} minutes", grp.max_wait_minutes).str());
    }
    if (!grp.leak_reasons.empty()) ++suspects;
  }
  // The verdict names leak suspects whatever killed the process.
  if (suspects > 0) {
    std::string &e = report.verdict.explanation;
    size_t from = e.size();
    e += llvm::formatv("{0}{1} group{2} of goroutines look{3} leaked:", e.empty() ? "" : " ", suspects,
                       suspects == 1 ? "" : "s", suspects == 1 ? "s" : "")
             .str();
    size_t listed = 0;
    for (const GoroutineGroup &grp : groups) {
      if (grp.leak_reasons.empty()) continue;
      if (listed++ == 3) break;
      const Frame *site = group_site(grp);
      std::string state = grp.wait_reason.empty() ? std::string(to_string(grp.status)) : grp.wait_reason;
      std::string how = is_blocking_wait(grp.wait_reason) ? "blocked on " + state : "in state " + state;
      e += llvm::formatv(" {0} goroutines {1} in {2}", grp.goroutine_ids.size(), how,
                         site ? site->function : std::string("?"))
               .str();
      if (grp.created_by) e += " (started by " + grp.created_by->function + ")";
      e += ";";
    }
    if (suspects > 3) e += " and more;";
    e.back() = '.';
    // A snapshot's news; after a crash, the groups below mark them.
    if (report.kind == ReportKind::Snapshot)
      report.verdict.why += (report.verdict.why.empty() ? "" : " ") + llvm::StringRef(e).substr(from).ltrim().str();
  }
  report.groups = std::move(groups);
  report.verdict.leak_suspects = suspects;
}

}  // namespace crashctl
