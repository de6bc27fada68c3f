// --format text: the verdict first, then the crashing goroutine in full, then
// every other goroutine on one line (identical neighbours collapsed).
#include "render/render.h"

#include "render/escaping_stream.h"
#include "render/render_util.h"

#include "analysis/groups.h"
#include "analysis/taxonomy.h"
#include "analysis/verdict.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>

namespace crashctl {

namespace {

using namespace render_detail;
using Colors = llvm::raw_ostream::Colors;

constexpr size_t kWrapColumn = 100;
constexpr size_t kMaxCallWidth = 56;
constexpr size_t kMaxArgsWidth = 40;
constexpr size_t kRaceFramesShown = 8;
constexpr size_t kWhyLines = 2;  // the first screen's share of the explanation

enum class Tone { Plain, Class, Strong, Dim, Warning };

// panicparse's palette: the program yellow, dependencies cyan, the standard
// library green, the runtime dim; C code magenta.
llvm::raw_ostream::Colors kind_color(FrameKind k) {
  switch (k) {
    case FrameKind::Program: return llvm::raw_ostream::YELLOW;
    case FrameKind::Dependency: return llvm::raw_ostream::CYAN;
    case FrameKind::Stdlib: return llvm::raw_ostream::GREEN;
    case FrameKind::Runtime: return llvm::raw_ostream::BRIGHT_BLACK;
    case FrameKind::C: return llvm::raw_ostream::MAGENTA;
  }
  return llvm::raw_ostream::SAVEDCOLOR;
}

std::string call_text(const Frame &f, llvm::StringRef args) {
  if (f.non_go) return f.function.empty() ? "non-Go function" : f.function + " (non-Go)";
  if (f.no_args) return f.function.empty() ? std::string("?") : f.function;
  return f.function + "(" + fit_width(args, kMaxArgsWidth) + ")";
}

// The first line of S, cut to MAX columns.
std::string shorten(llvm::StringRef s, size_t max) {
  return fit_width(s.take_until([](char c) { return c == '\n'; }), max);
}

class TextWriter {
public:
  TextWriter(llvm::raw_ostream &os, const RenderOptions &opts) : os_(os), opts_(opts) {}

  void begin_input(const Input &in) {
    if (inputs_++ > 0) os_ << '\n';
    name_ = display_path(in);
  }

  void report(const Input &in, const Report &r, size_t index, bool last) {
    if (index > 0) os_ << '\n';
    executable_ = in.executable ? &*in.executable : nullptr;
    report(name_, r, index > 0 || !last);
  }

  void end_input(const Input &in) {
    bool any_report = in.report_count > 0 || !in.reports.empty();
    if (!any_report)
      os_ << name_ << ": nothing recognizable (" << json_name(in.format) << ", " << in.size << " bytes)\n";
    bool any = false;
    for (const Diagnostic &d : in.diagnostics) {
      if (d.severity != Severity::Note && !opts_.text_lists_problems) continue;
      if (!any && any_report) os_ << '\n';
      any = true;
      os_ << name_ << ": ";
      styled(json_name(d.severity), d.severity == Severity::Note ? Tone::Plain : Tone::Warning);
      os_ << ": at byte " << d.offset << ": " << d.message << '\n';
    }
  }

private:
  void styled(llvm::StringRef text, Tone tone) {
    switch (tone) {
      case Tone::Plain: os_ << text; return;
      case Tone::Class: os_.changeColor(Colors::RED, /*Bold=*/true); break;
      case Tone::Strong: os_.changeColor(Colors::SAVEDCOLOR, /*Bold=*/true); break;
      case Tone::Dim: os_.changeColor(Colors::BRIGHT_BLACK); break;
      case Tone::Warning: os_.changeColor(Colors::MAGENTA, /*Bold=*/true); break;
    }
    os_ << text;
    os_.resetColor();
  }

  // A frame's line in its kind's colour, bold for the culprit.
  void framed(llvm::StringRef text, FrameKind kind, bool bold) {
    os_.changeColor(kind_color(kind), bold);
    os_ << text;
    os_.resetColor();
  }

  void report(llvm::StringRef name, const Report &r, bool show_offset) {
    const Process &p = r.process;
    os_ << name;
    if (show_offset) os_ << " @ byte " << r.offset;
    os_ << ": " << report_event(r) << " - ";
    styled(verdict_class(r.verdict), Tone::Class);
    if (r.kind == ReportKind::Crash)
      os_ << (r.verdict.recoverable ? " (recoverable: yes, but not recovered)" : " (recoverable: no)");
    if (r.kind == ReportKind::Recovered) os_ << " (recovered; the process lived on)";
    if (r.verdict.low_confidence) styled(" [low confidence]", Tone::Warning);
    os_ << '\n';

    if (!p.executable.empty()) {
      os_ << "  executable: " << p.executable;
      if (!p.go_version.version.empty()) os_ << " (" << p.go_version.version;
      if (p.build_info && !p.build_info->main.path.empty())
        os_ << ", " << p.build_info->main.path
            << (p.build_info->main.version.empty() ? "" : "@" + p.build_info->main.version);
      if (!p.go_version.version.empty()) os_ << ')';
      // Where it was found, unless given with --exe.
      if (executable_ && executable_->source != ExecutableSource::Argument) {
        switch (executable_->source) {
          case ExecutableSource::CorePath: os_ << ", the path the core records"; break;
          case ExecutableSource::DebugDir: os_ << ", found under --debug-dir"; break;
          default: os_ << ", from debuginfod"; break;
        }
        if (!executable_->build_id.empty()) os_ << " (build id " << executable_->build_id << ')';
      }
      os_ << '\n';
    }
    bool described = cause_lines(p, r.verdict.goroutine);
    if (!described && !r.verdict.summary.empty()) indented(r.verdict.summary, "  ");
    if (r.verdict.culprit) {
      const Culprit &c = *r.verdict.culprit;
      os_ << "  culprit: ";
      styled(c.frame.function, Tone::Strong);
      if (!c.frame.file.empty()) os_ << "  " << c.frame.file << ':' << c.frame.line;
      if (!c.module.empty()) os_ << "  " << c.module << (c.version.empty() ? "" : "@") << c.version;
      if (!c.owner.empty()) os_ << "  owner " << c.owner << " (" << c.owner_source << ')';
      os_ << '\n';
      if (!c.cycle.empty()) os_ << "  cycle: " << llvm::join(c.cycle, " -> ") << " -> " << c.cycle.front() << '\n';
      if (c.blame)
        os_ << "  suspect commit: " << llvm::StringRef(c.blame->commit).take_front(12) << ' ' << c.blame->date << ' '
            << c.blame->author << " <" << c.blame->email << ">: " << c.blame->summary << '\n';
      if (!c.url.empty()) os_ << "  source: " << c.url << '\n';
      if (c.source_context) source_lines(*c.source_context, c.frame.line);
    }
    if (r.verdict.recovered_by) {
      const CodeLocation &by = *r.verdict.recovered_by;
      os_ << "  recovered by: " << by.function;
      if (!by.file.empty()) os_ << "  " << by.file << ':' << by.line;
      os_ << '\n';
    }
    if (p.recovery) {
      os_ << "  logged by: " << p.recovery->producer;
      if (!p.recovery->message.empty()) os_ << " (" << shorten(p.recovery->message, 120) << ")";
      os_ << '\n';
    }
    for (const std::string &why : r.verdict.confidence_reasons) os_ << "  confidence: low: " << why << '\n';
    if (opts_.verbose) {
      if (!r.verdict.explanation.empty()) wrapped("  why: ", r.verdict.explanation);
      if (r.verdict.cls) wrapped("  class: ", class_info(*r.verdict.cls).explanation);
    } else if (!r.verdict.why.empty()) {
      wrapped("  why: ", r.verdict.why, kWhyLines);
    }

    const Goroutine *crashing = crashing_goroutine(r);
    if (crashing) {
      os_ << '\n';
      crashing_block(r, *crashing);
    }
    // The system stack matters when the runtime itself threw; after a panic
    // it only shows the runtime's own abort.
    if (p.runtime_stack_frames && !p.runtime_stack_frames->frames.empty() && (!crashing || !r.verdict.recoverable)) {
      os_ << "\nruntime stack (system stack of the crashing thread):\n";
      frame_list(*p.runtime_stack_frames, nullptr, SIZE_MAX, "");
    }
    if (r.memory) memory_block(*r.memory);
    for (const RaceReport &race : p.races) race_block(race, r.verdict);
    thread_list(p);
    other_goroutines(r, crashing);
  }

  // What holds the heap: totals, the top retainers with their paths, the top types.
  void memory_block(const MemoryReport &m) {
    auto share = [&](uint64_t b) {
      return m.live_bytes ? llvm::formatv("{0,3}%", (b * 100 + m.live_bytes / 2) / m.live_bytes).str()
                          : std::string("   -");
    };
    os_ << "\nmemory (" << m.source << "): " << byte_size(m.live_bytes) << " live in " << m.live_objects << " objects; "
        << byte_size(m.reachable_bytes) << " reachable from the roots read";
    if (m.unreachable_bytes) os_ << ", " << byte_size(m.unreachable_bytes) << " from none";
    if (m.shared_bytes) os_ << ", " << byte_size(m.shared_bytes) << " from several roots";
    os_ << '\n';
    if (!m.retainers.empty()) os_ << "  retained by:\n";
    for (const MemoryRetainer &rt : m.retainers) {
      std::string what = rt.root.name;
      std::string kind = to_string(rt.root.kind);
      if (!rt.root.type.empty()) kind += ", " + rt.root.type;
      os_ << "    " << llvm::formatv("{0,9}", byte_size(rt.retained_bytes)).str() << ' ' << share(rt.retained_bytes)
          << "  ";
      styled(what, Tone::Strong);
      os_ << " (" << kind << "), " << rt.retained_objects << " objects\n";
      if (!rt.path.empty()) {
        std::string path;
        for (const MemoryPathStep &s : rt.path) {
          if (!path.empty()) path += " -> ";
          path += s.type + " " + hex(s.address) + " (" + byte_size(s.retained_bytes) + ")";
        }
        wrapped("                    via ", path);
      }
    }
    if (!m.types.empty()) os_ << "  by type:\n";
    for (const MemoryTypeStat &t : m.types) {
      std::string name = t.type;
      if (t.size_class) name += " (" + std::to_string(t.size_class) + "-byte slots)";
      os_ << "    " << llvm::formatv("{0,9}", byte_size(t.bytes)).str() << ' ' << share(t.bytes) << "  " << name << ", "
          << t.objects << " objects\n";
    }
    for (const std::string &n : m.notes) wrapped("  note: ", n);
  }

  // The culprit's lines, its own marked '>'; tabs shown as four spaces.
  void source_lines(const SourceContext &sc, int culprit_line) {
    size_t width = std::to_string(sc.first_line + int(sc.lines.size()) - 1).size();
    for (size_t i = 0; i < sc.lines.size(); ++i) {
      int n = sc.first_line + int(i);
      std::string number = std::to_string(n);
      std::string text = std::string(width - number.size(), ' ') + number + " | ";
      for (char ch : sc.lines[i]) text += ch == '\t' ? std::string("    ") : std::string(1, ch);
      if (n == culprit_line)
        styled("  > " + text, Tone::Strong);
      else
        os_ << "    " << text;
      os_ << '\n';
    }
  }

  // Panic values, fatal error, signal, test timeout, notes. Returns whether
  // any of them was shown.
  bool cause_lines(const Process &p, int64_t crashing_goroutine) {
    bool any = false;
    bool recovered_report = p.recovery.has_value();
    bool chain = !recovered_report && (p.panics.size() > 1 || (p.panics.size() == 1 && p.panics[0].recovered));
    for (const PanicRecord &pr : p.panics) {
      std::string text = chain ? "panic: " + pr.message : pr.message;
      if (!pr.value_type.empty() && pr.value_type != "string") text += " (" + pr.value_type + ")";
      if (pr.goroutine >= 0 && crashing_goroutine >= 0 && pr.goroutine != crashing_goroutine)
        text += " in goroutine " + std::to_string(pr.goroutine);
      if (pr.repanicked)
        text += " [recovered, repanicked]";
      else if (pr.recovered && !recovered_report)
        text += " [recovered]";
      if (pr.goexit) text = "runtime.Goexit in progress in goroutine " + std::to_string(pr.goroutine);
      indented(text, "  ");
      if (!pr.value.empty() && pr.value != pr.message) indented("value: " + pr.value, "    ");
      if (!pr.value_note.empty()) indented("(" + pr.value_note + ")", "    ");
      any = true;
    }
    if (p.fatal) {
      for (const std::string &line : p.fatal->runtime_lines) os_ << "  " << line << '\n';
      os_ << "  fatal error: " << p.fatal->message << '\n';
      any = true;
    }
    if (p.signal) {
      const SignalInfo &s = *p.signal;
      os_ << "  [signal ";
      if (!s.name.empty())
        os_ << s.name;
      else if (s.number >= 0)
        os_ << hex(s.number);
      if (!s.description.empty()) os_ << ": " << s.description;
      if (s.code) os_ << " code=" << hex(*s.code);
      if (s.addr) os_ << " addr=" << hex(*s.addr);
      if (s.pc) os_ << " pc=" << hex(*s.pc);
      if (s.m >= 0) os_ << " m=" << s.m;
      os_ << "]\n";
      if (s.during_cgo) os_ << "  signal arrived during cgo execution\n";
      any = true;
    }
    if (p.test_timeout) {
      os_ << "  test timed out after " << p.test_timeout->after << '\n';
      for (const auto &[test, duration] : p.test_timeout->running)
        os_ << "    running: " << test << " (" << duration << ")\n";
      any = true;
    }
    for (const std::string &note : p.notes) {
      indented(note, "  ");
      any = true;
    }
    return any;
  }

  // Prints TEXT with PREFIX, continuation lines indented two more.
  void indented(llvm::StringRef text, llvm::StringRef prefix) {
    llvm::SmallVector<llvm::StringRef, 4> lines;
    text.split(lines, '\n');
    for (size_t i = 0; i < lines.size(); ++i) os_ << prefix << (i ? "  " : "") << lines[i] << '\n';
  }

  // TEXT after HEAD, wrapped at kWrapColumn; at most MAX_LINES lines, the
  // last cut with "..." when there is more.
  void wrapped(llvm::StringRef head, llvm::StringRef text, size_t max_lines = SIZE_MAX) {
    if (max_lines != SIZE_MAX) {
      std::string all;
      llvm::raw_string_ostream tmp(all);
      TextWriter(tmp, opts_).wrapped(head, text);
      llvm::SmallVector<llvm::StringRef, 8> lines;
      llvm::StringRef(all).split(lines, '\n', -1, /*KeepEmpty=*/false);
      for (size_t i = 0; i < lines.size() && i < max_lines; ++i) {
        bool cut = i + 1 == max_lines && lines.size() > max_lines;
        os_ << (cut ? fit_width(lines[i].str() + " ...", kWrapColumn) : lines[i].str()) << '\n';
      }
      return;
    }
    std::string pad(display_width(head), ' ');
    llvm::SmallVector<llvm::StringRef, 4> paragraphs;
    text.split(paragraphs, '\n');
    bool first_line = true;
    for (llvm::StringRef para : paragraphs) {
      llvm::SmallVector<llvm::StringRef, 32> words;
      para.split(words, ' ', -1, /*KeepEmpty=*/false);
      size_t col = 0;
      for (llvm::StringRef w : words) {
        size_t width = display_width(w);
        if (col == 0) {
          os_ << (first_line ? llvm::StringRef(head) : llvm::StringRef(pad)) << w;
          col = pad.size() + width;
          first_line = false;
        } else if (col + 1 + width > kWrapColumn) {
          os_ << '\n' << pad << w;
          col = pad.size() + width;
        } else {
          os_ << ' ' << w;
          col += 1 + width;
        }
      }
      if (col != 0) os_ << '\n';
    }
  }

  void crashing_block(const Report &r, const Goroutine &g) {
    os_ << "goroutine " << goroutine_id(g) << " [" << goroutine_state(g) << ']';
    if (!g.details().labels.empty()) os_ << " {" << g.details().labels << '}';
    os_ << (r.kind == ReportKind::Recovered ? " (panicked)" : " (crashing)");
    if (g.created_by) {
      os_ << ", created by " << g.created_by->function;
      if (g.parent_goid >= 0) os_ << " in goroutine " << g.parent_goid;
      if (!g.created_by->file.empty()) os_ << " at " << g.created_by->file << ':' << g.created_by->line;
    }
    os_ << '\n';
    if (g.stack_unavailable) os_ << "  (stack unavailable: running on another thread)\n";
    if (g.stack) {
      size_t marked = r.verdict.culprit ? r.verdict.culprit->frame_index : SIZE_MAX;
      frame_list(*g.stack, nullptr, marked, "", &g);
    }
    defer_list(g);
    for (const Ancestor &a : g.details().ancestors) {
      os_ << "  originating from goroutine " << a.goid;
      if (const Frame *f = ancestor_site(a)) os_ << ": " << f->function << " at " << location_text(*f);
      os_ << '\n';
    }
  }

  // Deferred calls in the order they would run; the ones that already ran
  // (during a panic or Goexit) are marked.
  void defer_list(const Goroutine &g) {
    const auto &defers = g.details().defers;
    if (defers.empty()) return;
    os_ << "  defers (in run order):\n";
    for (const Defer &d : defers) {
      os_ << "    " << (d.running ? "running  " : d.ran ? "ran      " : "pending  ") << d.function;
      if (!d.file.empty()) os_ << "  " << d.file << ':' << d.line;
      os_ << "  [" << to_string(d.kind);
      if (d.calls_recover) os_ << (*d.calls_recover ? ", calls recover" : ", no recover");
      if (!d.indirect_recover.empty()) os_ << ", recover only inside " << d.indirect_recover;
      os_ << ']';
      if (d.frame_index >= 0 && g.stack && size_t(d.frame_index) < g.stack->frames.size())
        os_ << "  deferred by #" << d.frame_index;
      os_ << '\n';
    }
  }

  void thread_list(const Process &p) {
    if (p.threads.empty() || p.threads.front().tid < 0) return;
    os_ << "\nthreads:\n";
    for (const Thread &t : p.threads) {
      os_ << "  tid " << t.tid;
      if (t.m >= 0) os_ << "  m" << t.m;
      if (t.goroutine >= 0) os_ << "  running goroutine " << t.goroutine;
      if (t.crashed) os_ << "  took " << (t.signal.empty() ? std::string("the fatal signal") : t.signal);
      os_ << '\n';
    }
  }

  // One line per frame: marker, index, call, location. MARKED is the index
  // of the culprit frame (SIZE_MAX for none); at most LIMIT frames when set.
  // G, when given, supplies its own argument values for the shared frames.
  void frame_list(const Stack &stack, const size_t *limit, size_t marked, llvm::StringRef indent,
                  const Goroutine *g = nullptr) {
    const auto &frames = stack.frames;
    auto args_of = [&](size_t i) {
      std::string_view a = g ? frame_args(*g, i) : std::string_view(frames[i].args);
      return llvm::StringRef(a.data(), a.size());
    };
    size_t shown = limit ? std::min(*limit, frames.size()) : frames.size();
    size_t index_width = std::to_string(frames.empty() ? 0 : frames.size() - 1).size();
    size_t call_width = 0;
    for (size_t i = 0; i < shown; ++i)
      call_width = std::max(call_width, display_width(call_text(frames[i], args_of(i))));
    call_width = std::min(call_width, kMaxCallWidth);

    auto elision = [&] {
      os_ << indent << std::string(4 + index_width + 2, ' ');
      std::string text = stack.elided_count >= 0 ? llvm::formatv("... {0} frames elided ...", stack.elided_count).str()
                                                 : std::string("... additional frames elided ...");
      styled(text, Tone::Dim);
      os_ << '\n';
    };
    for (size_t i = 0; i < shown; ++i) {
      if (stack.elided_at && *stack.elided_at == i) elision();
      const Frame &f = frames[i];
      bool is_culprit = i == marked;
      std::string call = call_text(f, args_of(i));
      std::string index = std::to_string(i);
      std::string line = std::string(index_width - index.size(), ' ') + index + "  " + call;
      if (size_t w = display_width(call); w < call_width) line.append(call_width - w, ' ');
      line += "  " + location_text(f);
      if (f.inlined) line += " [inlined]";
      os_ << indent;
      framed((is_culprit ? "  > " : "    ") + line, frame_kind(f), is_culprit);
      os_ << '\n';
    }
    if (stack.elided_at && *stack.elided_at >= shown && shown == frames.size()) elision();
    if (shown < frames.size())
      os_ << indent << std::string(4 + index_width + 2, ' ') << "... " << frames.size() - shown << " more frames\n";
  }

  void race_block(const RaceReport &race, const Verdict &v) {
    for (size_t i = 0; i < race.accesses.size(); ++i) {
      const RaceAccess &a = race.accesses[i];
      os_ << "\n  " << a.operation << " at " << hex(a.address) << " by ";
      if (a.main_goroutine)
        os_ << "main goroutine";
      else
        os_ << "goroutine " << a.goroutine;
      os_ << ":\n";
      if (!a.stack) continue;
      size_t marked = SIZE_MAX;
      if (v.culprit && v.culprit->frame_index < a.stack->frames.size() &&
          a.stack->frames[v.culprit->frame_index] == v.culprit->frame)
        marked = v.culprit->frame_index;
      frame_list(*a.stack, &kRaceFramesShown, marked, "  ");
    }
    for (const RaceGoroutine &g : race.goroutines) {
      os_ << "\n  goroutine " << g.goroutine << " (" << g.state << ") created at:\n";
      if (g.created_at) frame_list(*g.created_at, &kRaceFramesShown, SIZE_MAX, "  ");
    }
  }

  struct Group {
    const Goroutine *first = nullptr;
    std::vector<int64_t> ids;  // the first few
    size_t count = 0;
    int64_t min_minutes = -1, max_minutes = -1;
    const std::vector<std::string> *leak_reasons = nullptr;
    const Frame *site = nullptr;  // chosen by analysis (group_site)
  };

  // One line per group of identical goroutines (Report::groups), largest
  // first; the crashing goroutine was shown in full above.
  void other_goroutines(const Report &r, const Goroutine *crashing) {
    const Process &p = r.process;
    size_t others = p.goroutines.size() - (crashing ? 1 : 0);
    if (others == 0) return;
    os_ << '\n';
    if (!opts_.all_goroutines) {
      os_ << others << (crashing ? " other" : "") << " goroutines not shown\n";
      return;
    }
    os_ << (crashing ? "other goroutines (" : "goroutines (") << others << "):\n";
    for (const GoroutineGroup &grp : r.groups) {
      Group group;
      group.leak_reasons = &grp.leak_reasons;
      group.site = group_site(grp);
      group.min_minutes = grp.min_wait_minutes;
      group.max_minutes = grp.max_wait_minutes;
      for (size_t k = 0; k < grp.goroutine_ids.size(); ++k) {
        const Goroutine *g = &p.goroutines[grp.goroutine_indexes[k]];
        if (g == crashing) continue;
        if (!group.first) group.first = g;
        if (group.ids.size() < 3) group.ids.push_back(grp.goroutine_ids[k]);
        ++group.count;
      }
      if (group.first) group_line(group);
    }
    if (r.format != InputFormat::Traceback) other_defers(p, crashing);  // crash text shows no defers
  }

  // Cores and heap dumps: what the other goroutines have deferred, so that a
  // recover waiting in the wrong goroutine is visible.
  void other_defers(const Process &p, const Goroutine *crashing) {
    // Goroutines with the same deferred calls share a line.
    std::vector<std::pair<std::string, std::vector<int64_t>>> lines;
    std::map<std::string, size_t> index;
    for (const Goroutine &g : p.goroutines) {
      const auto &defers = g.details().defers;
      if (&g == crashing || defers.empty()) continue;
      std::string text;
      for (const Defer &d : defers) {
        text += (text.empty() ? " " : ", ") + d.function;
        if (d.calls_recover.value_or(false)) text += " (recover)";
        if (d.running)
          text += " (running)";
        else if (d.ran)
          text += " (ran)";
      }
      auto [it, added] = index.emplace(text, lines.size());
      if (added) lines.push_back({text, {}});
      lines[it->second].second.push_back(g.id);
    }
    if (lines.empty()) return;
    os_ << "\ndeferred calls in other goroutines:\n";
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i == 10) {
        os_ << "  ... " << (lines.size() - 10) << " more\n";
        break;
      }
      const auto &ids = lines[i].second;
      os_ << "  goroutine" << (ids.size() > 1 ? "s " : " ");
      for (size_t k = 0; k < ids.size() && k < 3; ++k) os_ << (k ? ", " : "") << ids[k];
      if (ids.size() > 3) os_ << " and " << (ids.size() - 3) << " more";
      os_ << ':' << lines[i].first << '\n';
    }
  }

  void group_line(const Group &group) {
    const Goroutine &g = *group.first;
    if (group.count == 1) {
      os_ << "  goroutine " << goroutine_id(g);
    } else if (!group.ids.empty() && group.ids.front() < 0) {
      os_ << "  " << group.count << " goroutines";  // a profile: no ids
    } else {
      // A few ids, then how many: ids of one group need not be consecutive.
      os_ << "  " << group.count << " goroutines (";
      for (size_t i = 0; i < group.ids.size(); ++i) os_ << (i ? ", " : "") << group.ids[i];
      os_ << (group.count > group.ids.size() ? ", ...)" : ")");
    }
    std::string state = runtime_state(g);
    if (group.min_minutes >= 0) {
      if (group.min_minutes == group.max_minutes)
        state += llvm::formatv(", {0} minutes", group.min_minutes).str();
      else
        state += llvm::formatv(", {0}-{1} minutes", group.min_minutes, group.max_minutes).str();
    }
    if (g.locked_to_thread) state += ", locked to thread";
    os_ << " [" << state << "]: ";
    const auto &frames = frames_of(g.stack);
    if (g.stack_unavailable && frames.empty()) {
      os_ << "(stack unavailable)\n";
      return;
    }
    const Frame *shown = group.site;
    if (!shown) {
      os_ << "(no frames)\n";
      return;
    }
    framed(shown->function, frame_kind(*shown), false);
    os_ << " at ";
    if (!shown->file.empty())
      os_ << shown->file << ':' << shown->line;
    else
      os_ << location_text(*shown);
    const Frame *top = nullptr;
    for (const Frame &f : frames)
      if (!InAppRules::is_runtime(f)) {
        top = &f;
        break;
      }
    if (top && top != shown) os_ << " (top: " << top->function << ')';
    if (group.leak_reasons && !group.leak_reasons->empty()) {
      os_ << "  ";
      styled("[leak suspect]", Tone::Strong);
    }
    os_ << '\n';
  }

  llvm::raw_ostream &os_;
  const RenderOptions &opts_;
  size_t inputs_ = 0;
  std::string name_;                             // of the current input
  const InputExecutable *executable_ = nullptr;  // of the current input, once found
};

}  // namespace

namespace {

// Text through an escaping stream: what the inputs hold never reaches the
// terminal raw.
class TextRenderer final : public ReportRenderer {
public:
  TextRenderer(llvm::raw_ostream &os, const RenderOptions &opts)
      : os_(os), saved_colors_(os.colors_enabled()), esc_(os), writer_(esc_, opts) {
    os.enable_colors(opts.color);
    esc_.enable_colors(opts.color);
  }
  ~TextRenderer() override { finish(); }
  void begin_input(const Input &in) override { writer_.begin_input(in); }
  void render(const Input &in, const Report &r, size_t index, bool last) override {
    writer_.report(in, r, index, last);
  }
  void end_input(const Input &in) override { writer_.end_input(in); }
  void finish() override {
    esc_.flush();
    os_.enable_colors(saved_colors_);
  }

private:
  llvm::raw_ostream &os_;
  bool saved_colors_;
  ControlEscapingStream esc_;
  TextWriter writer_;
};

}  // namespace

std::unique_ptr<ReportRenderer> make_text_renderer(llvm::raw_ostream &os, const RenderOptions &opts) {
  return std::make_unique<TextRenderer>(os, opts);
}

void render_text(llvm::raw_ostream &os, const std::vector<Input> &inputs, const RenderOptions &opts) {
  render_all(*make_text_renderer(os, opts), inputs);
}

}  // namespace crashctl
