#include "analysis/recover.h"

#include "llvm/Support/FormatVariadic.h"

namespace crashctl {

namespace {
std::string site(const Defer &d) {
  std::string s = d.function;
  if (!d.file.empty()) s += " (" + d.file.substr(d.file.rfind('/') + 1) + ":" + std::to_string(d.line) + ")";
  return s;
}

std::string list(const std::vector<std::string> &items, size_t max = 4) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > max) out += llvm::formatv(" and {0} more", items.size() - max).str();
  return out;
}
}  // namespace

void explain_recover(Report &r) {
  const Process &p = r.process;
  if (p.executable.empty() || r.kind != ReportKind::Crash) return;
  Verdict &v = r.verdict;
  std::string &e = v.explanation;
  std::string &w = v.why;
  const Goroutine *crashing = p.goroutine(v.goroutine);
  bool fatal = !v.recoverable;

  if (crashing && !fatal) {
    std::vector<std::string> ran, direct, indirect, pending;
    std::vector<std::string> ran_names, direct_names, indirect_names;  // shorter, for the why
    for (const Defer &d : crashing->details().defers) {
      (d.ran ? ran : pending).push_back(site(d));
      if (d.ran && d.function.rfind("runtime.", 0) != 0) ran_names.push_back(d.function);  // not the runtime's own
      if (d.calls_recover.value_or(false)) direct.push_back(site(d)), direct_names.push_back(d.function);
      if (!d.indirect_recover.empty()) {
        indirect.push_back(site(d) + " calls recover through " + d.indirect_recover);
        indirect_names.push_back(d.function + " calls recover only through " + d.indirect_recover);
      }
    }
    // The why's first sentence (before what decide_verdict added: the chain).
    std::string first =
        "Goroutine " + std::to_string(crashing->id) + (crashing->id == 1 ? " (main)" : "") + " panicked";
    std::string ran_part = ran_names.empty() ? "" : " (ran: " + list(ran_names, 2) + ")";
    if (crashing->details().defers.empty()) {
      e += " The core shows no deferred call on this goroutine's stack, so nothing could recover.";
      first += " with no deferred call to recover it.";
    } else {
      if (!ran.empty()) e += " Deferred calls that ran during the panic: " + list(ran) + ".";
      if (!indirect.empty()) {
        e += " " + list(indirect) +
             ": recover returns nil unless the deferred function itself calls it, so these did not stop the panic.";
        first += "; " + list(indirect_names, 1) + ", so it returned nil.";
      } else if (direct.empty()) {
        e += " None of this goroutine's deferred functions calls recover itself.";
        first += "; its deferred calls" + ran_part + " do not call recover.";
      } else {
        e += " " + list(direct) + " call" + (direct.size() == 1 ? "s" : "") +
             " recover directly, yet the panic went on: it re-panicked, or recover ran in another frame.";
        first += "; " + list(direct_names, 1) + " calls recover, yet the panic went on.";
      }
    }
    w = first + w;
  }
  // Recovering defers elsewhere cannot help.
  std::vector<std::string> elsewhere, elsewhere_names;
  for (const Goroutine &g : p.goroutines) {
    if (crashing && g.id == crashing->id) continue;
    for (const Defer &d : g.details().defers)
      if (!d.ran && d.calls_recover.value_or(false)) {
        elsewhere.push_back(site(d) + " in goroutine " + std::to_string(g.id));
        elsewhere_names.push_back(d.function + " (goroutine " + std::to_string(g.id) + ")");
      }
  }
  if (!elsewhere.empty()) {
    e += std::string(" Pending deferred calls that do call recover exist in other goroutines (") + list(elsewhere) +
         "), but " + (fatal ? "a fatal error runs no deferred calls at all, and " : "") +
         "a recover only catches a panic of its own goroutine.";
    w += " The recover in " + list(elsewhere_names, 1) + " cannot help: another goroutine's.";
  } else if (fatal)
    e += " A fatal error runs no deferred calls, so no recover ever ran.";
  // What a GOTRACEBACK=single traceback would not have shown.
  size_t suspects = 0, leaked = 0;
  for (const GoroutineGroup &g : r.groups)
    if (!g.leak_reasons.empty()) {
      ++suspects;
      leaked += g.goroutine_ids.size();
    }
  if (suspects)
    e += llvm::formatv(
             " The core also holds {0} goroutine{1} in {2} group{3} that look{4} leaked (see the groups), "
             "which a GOTRACEBACK=single traceback does not show.",
             leaked, leaked == 1 ? "" : "s", suspects, suspects == 1 ? "" : "s", suspects == 1 ? "s" : "")
             .str();
}

}  // namespace crashctl
