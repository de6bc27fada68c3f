#include "analysis/diff.h"

#include "analysis/groups.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>

namespace crashctl {

const char *to_string(GroupChange c) {
  switch (c) {
    case GroupChange::Grew: return "grew";
    case GroupChange::Shrank: return "shrank";
    case GroupChange::Appeared: return "appeared";
    case GroupChange::Vanished: return "vanished";
    case GroupChange::Unchanged: return "unchanged";
  }
  return "unchanged";
}

namespace {

void add_to_side(GroupSide &s, const GoroutineGroup &g) {
  s.count += g.goroutine_ids.size();
  ++s.groups;
  if (g.min_wait_minutes >= 0)
    s.min_wait_minutes = s.min_wait_minutes < 0 ? g.min_wait_minutes : std::min(s.min_wait_minutes, g.min_wait_minutes);
  s.max_wait_minutes = std::max(s.max_wait_minutes, g.max_wait_minutes);
}

void describe(GroupDelta &d, const GoroutineGroup &g, bool profile) {
  d.status = g.status;
  d.wait_reason = g.wait_reason;
  d.blocking =
      is_blocking_wait(g.wait_reason) || (profile && g.status == GoroutineStatus::Waiting && g.wait_reason.empty());
  if (const Frame *site = group_site(g)) d.site = *site;
  if (g.created_by)
    d.created_by = *g.created_by;
  else if (profile && g.stack && !g.stack->frames.empty())
    d.entry = g.stack->frames.back();
}

}  // namespace

namespace {

// A retainer's root as it matches across dumps: goroutine ids differ.
std::string root_key(const MemoryRoot &root) {
  std::string name = root.name;
  if (root.kind == MemoryRootKind::Stack && name.rfind("goroutine ", 0) == 0) {
    size_t colon = name.find(": ");
    if (colon != std::string::npos) name.erase(0, colon + 2);
  }
  return name;
}

void order_by_growth(std::vector<MemoryDelta> &v) {
  std::stable_sort(v.begin(), v.end(), [](const MemoryDelta &a, const MemoryDelta &b) {
    if (a.delta_bytes != b.delta_bytes) return a.delta_bytes > b.delta_bytes;
    return a.new_bytes > b.new_bytes;
  });
}

}  // namespace

MemoryDiff diff_memory(const MemoryReport &old_memory, const MemoryReport &new_memory) {
  MemoryDiff d;
  d.old_live_bytes = old_memory.live_bytes;
  d.new_live_bytes = new_memory.live_bytes;
  std::map<std::pair<std::string, std::string>, MemoryDelta> retainers;
  auto add_retainers = [&](const MemoryReport &m, bool is_new) {
    for (const MemoryRetainer &rt : m.retainers) {
      MemoryDelta &e = retainers[{to_string(rt.root.kind), root_key(rt.root)}];
      e.name = root_key(rt.root);
      e.kind = to_string(rt.root.kind);
      (is_new ? e.new_listed : e.old_listed) = true;
      (is_new ? e.new_bytes : e.old_bytes) += rt.retained_bytes;
      (is_new ? e.new_objects : e.old_objects) += rt.retained_objects;
    }
  };
  add_retainers(old_memory, false);
  add_retainers(new_memory, true);
  std::map<std::pair<std::string, uint64_t>, MemoryDelta> types;
  auto add_types = [&](const MemoryReport &m, bool is_new) {
    for (const MemoryTypeStat &t : m.types) {
      MemoryDelta &e = types[{t.type, t.size_class}];
      e.name = t.type;
      e.size_class = t.size_class;
      (is_new ? e.new_listed : e.old_listed) = true;
      (is_new ? e.new_bytes : e.old_bytes) += t.bytes;
      (is_new ? e.new_objects : e.old_objects) += t.objects;
    }
  };
  add_types(old_memory, false);
  add_types(new_memory, true);
  for (auto &[key, e] : retainers) {
    e.delta_bytes = int64_t(e.new_bytes) - int64_t(e.old_bytes);
    d.retainers.push_back(std::move(e));
  }
  for (auto &[key, e] : types) {
    e.delta_bytes = int64_t(e.new_bytes) - int64_t(e.old_bytes);
    d.types.push_back(std::move(e));
  }
  order_by_growth(d.retainers);
  order_by_growth(d.types);
  return d;
}

DiffResult diff_reports(const Report &old_report, const Report &new_report, const DiffOptions &opts) {
  struct Entry {
    GroupDelta d;
    const GoroutineGroup *old_rep = nullptr, *new_rep = nullptr;  // the largest group of each side
  };
  std::map<std::string, Entry> by_signature;
  for (const GoroutineGroup &g : old_report.groups) {
    Entry &e = by_signature[group_signature(g)];
    add_to_side(e.d.old_side, g);
    if (!e.old_rep) e.old_rep = &g;  // groups are largest first
  }
  for (const GoroutineGroup &g : new_report.groups) {
    Entry &e = by_signature[group_signature(g)];
    add_to_side(e.d.new_side, g);
    if (!e.new_rep) e.new_rep = &g;
  }

  DiffResult r;
  r.groups.reserve(by_signature.size());
  for (auto &[signature, e] : by_signature) {
    GroupDelta &d = e.d;
    d.signature = signature;
    d.delta = int64_t(d.new_side.count) - int64_t(d.old_side.count);
    describe(d, e.new_rep ? *e.new_rep : *e.old_rep,
             !old_report.process.profile.empty() || !new_report.process.profile.empty());
    if (d.old_side.count == 0)
      d.change = GroupChange::Appeared;
    else if (d.new_side.count == 0)
      d.change = GroupChange::Vanished;
    else if (d.delta > 0)
      d.change = GroupChange::Grew;
    else if (d.delta < 0)
      d.change = GroupChange::Shrank;
    else
      d.change = GroupChange::Unchanged;
    bool grew = d.change == GroupChange::Grew && d.delta >= std::max<int64_t>(opts.min_growth, 1);
    d.growing_leak = grew && d.blocking && (d.created_by.has_value() || d.entry.has_value());
    r.blocked_growth |= grew && d.blocking;
    r.growing_leaks += d.growing_leak;
    switch (d.change) {
      case GroupChange::Grew: ++r.grew; break;
      case GroupChange::Shrank: ++r.shrank; break;
      case GroupChange::Appeared: ++r.appeared; break;
      case GroupChange::Vanished: ++r.vanished; break;
      case GroupChange::Unchanged: ++r.unchanged; break;
    }
    r.groups.push_back(std::move(d));
  }
  // Largest change first; ties by size, then by signature, so the order never
  // depends on the order of the dumps' goroutines.
  std::sort(r.groups.begin(), r.groups.end(), [](const GroupDelta &a, const GroupDelta &b) {
    int64_t aa = a.delta < 0 ? -a.delta : a.delta, bb = b.delta < 0 ? -b.delta : b.delta;
    if (aa != bb) return aa > bb;
    if (a.new_side.count != b.new_side.count) return a.new_side.count > b.new_side.count;
    if (a.old_side.count != b.old_side.count) return a.old_side.count > b.old_side.count;
    return a.signature < b.signature;
  });

  auto source = [](const Report &rep) {
    DiffSource s;
    s.reports = 1;  // diff_inputs says where the report came from
    s.kind = rep.kind;
    s.offset = rep.offset;
    s.end_offset = rep.end_offset;
    s.go_version = rep.process.go_version.version;
    s.goroutines = rep.process.goroutines.size();
    s.groups = rep.groups.size();
    return s;
  };
  r.old_source = source(old_report);
  r.new_source = source(new_report);
  if (old_report.memory && new_report.memory) r.memory = diff_memory(*old_report.memory, *new_report.memory);
  const std::string &ov = r.old_source.go_version, &nv = r.new_source.go_version;
  if (!ov.empty() && !nv.empty() && ov != nv)
    r.notes.push_back("OLD was written by " + ov + " and NEW by " + nv +
                      ": wait reasons and wrapper names differ between releases, so some groups may not match");
  return r;
}

namespace {

bool has_goroutines(const Report &r) {
  return !r.process.goroutines.empty();
}

// Resolves a 1-based (negative: from the end) report number; 0: `fallback`.
bool pick(const Input &in, int64_t number, size_t fallback, size_t &index, std::string &error) {
  if (number == 0) {
    index = fallback;
    return true;
  }
  int64_t n = int64_t(in.reports.size());
  int64_t i = number > 0 ? number - 1 : n + number;
  if (i < 0 || i >= n) {
    error = llvm::formatv("{0}: no report {1}: it holds {2} report{3}", in.path, number, n, n == 1 ? "" : "s").str();
    return false;
  }
  index = size_t(i);
  return true;
}

std::string describe_report(const Input &in, size_t i) {
  return llvm::formatv("report {0} of {1}, at byte {2}", i + 1, in.reports.size(), in.reports[i].offset).str();
}

}  // namespace

DiffRun diff_inputs(const std::vector<Input> &inputs, const DiffSelection &sel, const DiffOptions &opts) {
  DiffRun run;
  if (inputs.empty() || inputs.size() > 2) {
    run.status = 3;
    run.error = "diff takes OLD and NEW, or one FILE holding several dumps";
    return run;
  }
  for (const Input &in : inputs) {
    if (in.failed) {
      run.status = 2;
      run.error = in.path + ": input error (see above); nothing compared";
      return run;
    }
  }
  for (const Input &in : inputs) {
    if (in.reports.empty()) {
      run.status = 1;
      run.error = in.path + ": no goroutine dump recognized";
      return run;
    }
  }
  // Reports holding goroutines, per input: the default candidates.
  std::vector<std::vector<size_t>> dumps(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k)
    for (size_t i = 0; i < inputs[k].reports.size(); ++i)
      if (has_goroutines(inputs[k].reports[i])) dumps[k].push_back(i);

  const Input &old_in = inputs.front();
  const Input &new_in = inputs.back();
  std::vector<std::string> notes;
  size_t oi = 0, ni = 0;
  if (inputs.size() == 1) {
    const std::vector<size_t> &d = dumps[0];
    bool explicit_both = sel.old_report != 0 && sel.new_report != 0;
    if (d.size() < 2 && !explicit_both) {
      run.status = 1;
      run.error = llvm::formatv("{0}: holds {1} goroutine dump{2}; diff needs two (OLD NEW, or one file with several)",
                                old_in.path, d.size(), d.size() == 1 ? "" : "s")
                      .str();
      return run;
    }
    size_t first = d.empty() ? 0 : d.front(), last = d.empty() ? 0 : d.back();
    if (!pick(old_in, sel.old_report, first, oi, run.error) || !pick(new_in, sel.new_report, last, ni, run.error)) {
      run.status = 3;
      return run;
    }
    std::string holds = llvm::formatv("{0} holds {1} reports", old_in.path, old_in.reports.size()).str();
    if (d.size() != old_in.reports.size()) holds += llvm::formatv(" ({0} with goroutines)", d.size()).str();
    if (sel.old_report == 0 && sel.new_report == 0)
      notes.push_back(holds + "; comparing the first dump with the last (--old-report, --new-report pick others)");
    else
      notes.push_back(holds + "; comparing " + describe_report(old_in, oi) + " with " + describe_report(new_in, ni));
  } else {
    for (size_t k = 0; k < 2; ++k) {
      if (dumps[k].empty() && (k == 0 ? sel.old_report : sel.new_report) == 0) {
        run.status = 1;
        run.error = inputs[k].path + ": no goroutine dump recognized";
        return run;
      }
    }
    if (!pick(old_in, sel.old_report, dumps[0].empty() ? 0 : dumps[0].back(), oi, run.error) ||
        !pick(new_in, sel.new_report, dumps[1].empty() ? 0 : dumps[1].back(), ni, run.error)) {
      run.status = 3;
      return run;
    }
    const char *which[2] = {"OLD", "NEW"};
    int64_t chosen[2] = {sel.old_report, sel.new_report};
    size_t index[2] = {oi, ni};
    for (size_t k = 0; k < 2; ++k) {
      const Input &in = inputs[k];
      if (in.reports.size() > 1)
        notes.push_back(
            llvm::formatv(
                "{0} {1} holds {2} reports; using {3} ({4}){5}", which[k], in.path, in.reports.size(),
                chosen[k] ? "the chosen one" : "the last with goroutines", describe_report(in, index[k]),
                chosen[k] ? "" : (k == 0 ? "; --old-report N picks another" : "; --new-report N picks another"))
                .str());
    }
  }
  for (const auto &[in, i] : {std::pair<const Input *, size_t>{&old_in, oi}, {&new_in, ni}})
    if (!has_goroutines(in->reports[i]))
      notes.push_back(llvm::formatv("{0} report {1} holds no goroutines", in->path, i + 1).str());

  DiffResult r = diff_reports(old_in.reports[oi], new_in.reports[ni], opts);
  r.old_source.path = old_in.path;
  r.old_source.report = oi;
  r.old_source.reports = old_in.reports.size();
  r.new_source.path = new_in.path;
  r.new_source.report = ni;
  r.new_source.reports = new_in.reports.size();
  notes.insert(notes.end(), r.notes.begin(), r.notes.end());
  r.notes = std::move(notes);
  run.result = std::move(r);
  return run;
}

int diff_exit_status(const DiffResult &d) {
  return d.blocked_growth ? 4 : 0;
}

}  // namespace crashctl
