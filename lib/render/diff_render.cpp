// crashctl diff output. JSON keys are written in the fixed order of
// formats/diff.md; formats/diff.schema.json describes every one.
#include "render/diff_render.h"

#include "render/escaping_stream.h"
#include "render/render_util.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

namespace crashctl {

namespace {

using namespace render_detail;
namespace json = llvm::json;

std::string signed_number(int64_t v) {
  return v > 0 ? "+" + std::to_string(v) : std::to_string(v);
}

std::string pad(std::string s, size_t width, bool right) {
  if (size_t w = display_width(s); w < width) s.insert(right ? s.begin() : s.end(), width - w, ' ');
  return s;
}

std::string state_of(const GroupDelta &d) {
  return d.wait_reason.empty() ? std::string(to_string(d.status)) : d.wait_reason;
}

std::string location(const Frame &f, const char *sep = "  ") {
  std::string s = f.function;
  if (!f.file.empty()) s += sep + f.file + (f.line > 0 ? ":" + std::to_string(f.line) : std::string());
  return s;
}

std::string minutes(const GroupSide &s) {
  if (s.count == 0) return "-";
  if (s.max_wait_minutes < 0) return "<1 min";
  if (s.min_wait_minutes < 0 || s.min_wait_minutes == s.max_wait_minutes)
    return std::to_string(s.max_wait_minutes) + " min";
  return std::to_string(s.min_wait_minutes) + "-" + std::to_string(s.max_wait_minutes) + " min";
}

std::string source_line(const char *label, const DiffSource &s) {
  std::string line = std::string(label) + "  " + s.path + "  ";
  if (s.reports > 1) line += llvm::formatv("report {0} of {1}, ", s.report + 1, s.reports).str();
  line += llvm::formatv("{0} at byte {1}", to_string(s.kind), s.offset).str();
  if (!s.go_version.empty()) line += ", " + s.go_version;
  line += llvm::formatv(": {0} goroutine{1} in {2} group{3}", s.goroutines, s.goroutines == 1 ? "" : "s", s.groups,
                        s.groups == 1 ? "" : "s")
              .str();
  return line;
}

}  // namespace

static void diff_text(llvm::raw_ostream &os, const DiffResult &d, const DiffRenderOptions &opts) {
  os << source_line("OLD", d.old_source) << "\n" << source_line("NEW", d.new_source) << "\n";
  int64_t total_delta = int64_t(d.new_source.goroutines) - int64_t(d.old_source.goroutines);
  os << llvm::formatv(
      "goroutines: {0} -> {1} ({2}); groups: {3} grew, {4} shrank, {5} appeared, {6} vanished, {7} "
      "unchanged\n",
      d.old_source.goroutines, d.new_source.goroutines, signed_number(total_delta), d.grew, d.shrank, d.appeared,
      d.vanished, d.unchanged);
  for (const std::string &n : d.notes) os << "note: " << n << "\n";
  for (const GroupDelta &g : d.groups) {
    if (!g.growing_leak) continue;
    std::string how = g.wait_reason.empty() ? "parked (the profile does not say on what)" : "blocked on " + state_of(g);
    std::string origin = g.created_by ? "all started by " + location(*g.created_by, " at ")
                                      : "all running " + location(*g.entry, " at ") + " (a profile names no creator)";
    os.changeColor(llvm::raw_ostream::RED, /*Bold=*/true);
    os << "leak: growing:";
    os.resetColor();
    os << llvm::formatv(" {0} -> {1} ({2}) goroutines {3} in {4}, {5}\n", g.old_side.count, g.new_side.count,
                        signed_number(g.delta), how, g.site ? g.site->function : std::string("?"), origin);
  }

  std::vector<const GroupDelta *> rows;
  size_t unchanged_goroutines = 0;
  for (const GroupDelta &g : d.groups) {
    if (g.change == GroupChange::Unchanged) {
      unchanged_goroutines += g.new_side.count;
      if (!opts.show_unchanged) continue;
    }
    rows.push_back(&g);
  }
  if (d.groups.empty()) {
    os << "\nno goroutine groups in either dump\n";
    return;
  }
  size_t wo = 1, wn = 1, wd = 1;
  for (const GroupDelta *g : rows) {
    wo = std::max(wo, std::to_string(g->old_side.count).size());
    wn = std::max(wn, std::to_string(g->new_side.count).size());
    wd = std::max(wd, signed_number(g->delta).size());
  }
  if (!rows.empty()) os << "\n";
  for (const GroupDelta *g : rows) {
    std::string head = pad(to_string(g->change), 9, false) + " " + pad(std::to_string(g->old_side.count), wo, true) +
                       " -> " + pad(std::to_string(g->new_side.count), wn, false) + " " +
                       pad(signed_number(g->delta), wd, true) + "  ";
    std::string indent(head.size(), ' ');
    if (g->change == GroupChange::Grew || g->change == GroupChange::Appeared) os.changeColor(llvm::raw_ostream::YELLOW);
    os << head;
    os.resetColor();
    os << "[" << state_of(*g) << "] " << (g->site ? location(*g->site) : std::string("?")) << "\n";
    if (g->created_by) os << indent << "created by " << location(*g->created_by) << "\n";
    if (g->old_side.max_wait_minutes >= 0 || g->new_side.max_wait_minutes >= 0)
      os << indent << "waiting " << minutes(g->old_side) << " -> " << minutes(g->new_side) << "\n";
  }
  if (!opts.show_unchanged && d.unchanged > 0)
    os << llvm::formatv("{0}unchanged: {1} group{2}, {3} goroutine{4} (--unchanged lists them)\n",
                        rows.empty() ? "\n" : "", d.unchanged, d.unchanged == 1 ? "" : "s", unchanged_goroutines,
                        unchanged_goroutines == 1 ? "" : "s");
}

std::string signed_bytes(int64_t v) {
  return (v < 0 ? "-" : "+") + byte_size(uint64_t(v < 0 ? -v : v));
}

// What grew in the heap: the retainers and types that changed, growth first.
static void memory_text(llvm::raw_ostream &os, const MemoryDiff &m) {
  os << "\nmemory: " << byte_size(m.old_live_bytes) << " -> " << byte_size(m.new_live_bytes) << " ("
     << signed_bytes(int64_t(m.new_live_bytes) - int64_t(m.old_live_bytes)) << ") live\n";
  auto side = [](bool listed, uint64_t bytes) { return listed ? byte_size(bytes) : std::string("(unlisted)"); };
  auto rows = [&](const char *title, const std::vector<MemoryDelta> &v, bool retainers) {
    size_t shown = 0;
    for (const MemoryDelta &e : v) {
      if (e.delta_bytes == 0 || shown == 10) continue;
      if (shown++ == 0) os << "  " << title << ":\n";
      std::string name = e.name;
      if (retainers) name += " (" + e.kind + ")";
      if (e.size_class) name += " (" + std::to_string(e.size_class) + "-byte slots)";
      os << "    " << pad(signed_bytes(e.delta_bytes), 11, true) << "  " << side(e.old_listed, e.old_bytes) << " -> "
         << side(e.new_listed, e.new_bytes) << "  " << name << "\n";
    }
  };
  rows("retained by", m.retainers, true);
  rows("by type", m.types, false);
}

void render_diff_text(llvm::raw_ostream &os, const DiffResult &d, const DiffRenderOptions &opts) {
  // Function names and paths come from the inputs: escaped, never raw.
  write_escaped(os, opts.color, false, [&](llvm::raw_ostream &esc) {
    diff_text(esc, d, opts);
    if (d.memory) memory_text(esc, *d.memory);
  });
}

void render_diff_json(llvm::raw_ostream &os, const DiffResult &d, const DiffRenderOptions &opts) {
  json::OStream j(os, 2);
  auto frame = [&](const char *key, const std::optional<Frame> &f) {
    j.attributeBegin(key);
    if (f)
      j.object([&] {
        j.attribute("function", str(f->function));
        j.attribute("file", str(f->file));
        j.attribute("line", int64_t(f->line));
      });
    else
      j.value(nullptr);
    j.attributeEnd();
  };
  auto source = [&](const char *key, const DiffSource &s) {
    j.attributeObject(key, [&] {
      j.attribute("path", str(s.path));
      j.attribute("report", uint64_t(s.report + 1));
      j.attribute("reports", uint64_t(s.reports));
      j.attribute("kind", json_name(s.kind));
      j.attribute("offset", s.offset);
      j.attribute("end_offset", s.end_offset);
      j.attribute("go_version", s.go_version.empty() ? json::Value(nullptr) : str(s.go_version));
      j.attribute("goroutines", uint64_t(s.goroutines));
      j.attribute("groups", uint64_t(s.groups));
    });
  };
  j.object([&] {
    j.attribute("schema_version", kDiffSchemaVersion);
    j.attributeObject("tool", [&] {
      j.attribute("name", "crashctl");
      j.attribute("version", str(opts.tool_version));
    });
    source("old", d.old_source);
    source("new", d.new_source);
    j.attributeObject("goroutines", [&] {
      j.attribute("old", uint64_t(d.old_source.goroutines));
      j.attribute("new", uint64_t(d.new_source.goroutines));
      j.attribute("delta", int64_t(d.new_source.goroutines) - int64_t(d.old_source.goroutines));
    });
    j.attributeObject("changes", [&] {
      j.attribute("grew", uint64_t(d.grew));
      j.attribute("shrank", uint64_t(d.shrank));
      j.attribute("appeared", uint64_t(d.appeared));
      j.attribute("vanished", uint64_t(d.vanished));
      j.attribute("unchanged", uint64_t(d.unchanged));
    });
    j.attribute("growing_leaks", uint64_t(d.growing_leaks));
    j.attribute("blocked_growth", d.blocked_growth);
    j.attributeArray("groups", [&] {
      for (const GroupDelta &g : d.groups)
        j.object([&] {
          j.attribute("signature", g.signature);
          j.attribute("change", to_string(g.change));
          j.attribute("old_count", uint64_t(g.old_side.count));
          j.attribute("new_count", uint64_t(g.new_side.count));
          j.attribute("delta", g.delta);
          j.attribute("state", json_name(g.status));
          j.attribute("wait_reason", str(g.wait_reason));
          j.attribute("blocking", g.blocking);
          frame("site", g.site);
          frame("created_by", g.created_by);
          frame("entry", g.entry);
          j.attribute("old_wait_minutes_min", int_or_null(g.old_side.min_wait_minutes));
          j.attribute("old_wait_minutes_max", int_or_null(g.old_side.max_wait_minutes));
          j.attribute("new_wait_minutes_min", int_or_null(g.new_side.min_wait_minutes));
          j.attribute("new_wait_minutes_max", int_or_null(g.new_side.max_wait_minutes));
          j.attribute("old_groups", uint64_t(g.old_side.groups));
          j.attribute("new_groups", uint64_t(g.new_side.groups));
          j.attribute("growing_leak", g.growing_leak);
        });
    });
    j.attributeBegin("memory");
    if (d.memory) {
      auto deltas = [&](const char *key, const std::vector<MemoryDelta> &v, bool retainers) {
        j.attributeArray(key, [&] {
          for (const MemoryDelta &e : v)
            j.object([&] {
              j.attribute("name", str(e.name));
              if (retainers) j.attribute("kind", str(e.kind));
              if (!retainers)
                j.attribute("size_class", e.size_class ? json::Value(e.size_class) : json::Value(nullptr));
              j.attribute("old_bytes", e.old_listed ? json::Value(e.old_bytes) : json::Value(nullptr));
              j.attribute("new_bytes", e.new_listed ? json::Value(e.new_bytes) : json::Value(nullptr));
              j.attribute("old_objects", e.old_listed ? json::Value(e.old_objects) : json::Value(nullptr));
              j.attribute("new_objects", e.new_listed ? json::Value(e.new_objects) : json::Value(nullptr));
              j.attribute("delta_bytes", e.delta_bytes);
            });
        });
      };
      j.object([&] {
        j.attribute("old_live_bytes", d.memory->old_live_bytes);
        j.attribute("new_live_bytes", d.memory->new_live_bytes);
        j.attribute("delta_bytes", int64_t(d.memory->new_live_bytes) - int64_t(d.memory->old_live_bytes));
        deltas("retainers", d.memory->retainers, true);
        deltas("types", d.memory->types, false);
      });
    } else {
      j.value(nullptr);
    }
    j.attributeEnd();
    j.attributeArray("notes", [&] {
      for (const std::string &n : d.notes) j.value(str(n));
    });
  });
  os << "\n";
}

}  // namespace crashctl
