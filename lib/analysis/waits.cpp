#include "analysis/waits.h"

#include "analysis/groups.h"
#include "analysis/verdict.h"
#include "gosyntax/parse.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>

namespace crashctl {

namespace {

// sync method frames whose first argument is the object waited on.
struct SyncMethod {
  const char *suffix;  // function name ending
  const char *kind;
};
const SyncMethod kSyncMethods[] = {
    {"sync.(*Mutex).lockSlow", "sync.Mutex"},     {"sync.(*Mutex).Lock", "sync.Mutex"},
    {"sync.(*RWMutex).RLock", "sync.RWMutex"},    {"sync.(*RWMutex).Lock", "sync.RWMutex"},
    {"sync.(*WaitGroup).Wait", "sync.WaitGroup"}, {"sync.(*Cond).Wait", "sync.Cond"},
};

std::string first_address(std::string_view args) {
  std::string_view a = trim(args.substr(0, args.find(',')));
  if (!a.empty() && a.back() == '?') a.remove_suffix(1);  // value may be stale: still the best hint
  if (!starts_with(a, "0x") || !parse_hex(a) || *parse_hex(a) == 0) return "";
  return std::string(a);
}

}  // namespace

std::string wait_target(const Goroutine &g) {
  bool blocked = g.status == GoroutineStatus::Waiting || g.status == GoroutineStatus::Leaked;
  if (!blocked || !g.stack) return "";
  const auto &frames = g.stack->frames;
  for (size_t i = 0; i < frames.size(); ++i)
    for (const SyncMethod &m : kSyncMethods)
      if (ends_with(frames[i].function, m.suffix)) {
        std::string addr = first_address(frame_args(g, i));
        if (!addr.empty()) return std::string(m.kind) + " " + addr;
      }
  return g.wait_reason;
}

void explain_waits(Report &report, const InAppRules &rules) {
  if (report.verdict.cls != VerdictClass::Deadlock) return;
  // Goroutines by (what they wait on, where): one line per distinct pair.
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> waits;
  for (const Goroutine &g : report.process.goroutines) {
    std::string target = wait_target(g);
    if (target.empty() || !g.stack) continue;
    const Frame *site = telling_frame(g.stack->frames, rules);
    waits[{target, site ? site->function : std::string()}].push_back(g.id);
  }
  if (waits.empty()) return;
  std::string &e = report.verdict.explanation;
  size_t from = e.size();
  e += " Who waits on what:";
  size_t shown = 0;
  for (const auto &[key, ids] : waits) {
    if (shown++ == 8) {
      e += " ...;";
      break;
    }
    std::string who = ids.size() == 1 ? "goroutine " + std::to_string(ids[0])
                                      : llvm::formatv("{0} goroutines ({1}, ...)", ids.size(), ids[0]).str();
    e += " " + who + " on " + key.first + (key.second.empty() ? "" : " in " + key.second) + ";";
  }
  e.back() = '.';
  report.verdict.why += e.substr(from);  // specific to this crash
  e += " Crash text names neither the holder of a lock nor the other end of a channel, so it cannot "
       "prove a wait-for cycle; a core dump of the same process can show lock owners.";
}

}  // namespace crashctl
