// --format html: one self-contained page (formats/html.md). What people read
// first is static HTML (it reads with scripts off); the goroutine groups are
// JSON in a <script type="application/json"> that the page's script turns
// into elements only when shown or expanded, so a million goroutines cost no
// million DOM nodes.
#include "render/html_util.h"
#include "render/render.h"
#include "render/render_util.h"

#include "analysis/groups.h"
#include "analysis/source_paths.h"
#include "analysis/taxonomy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace crashctl {

namespace {

using namespace render_detail;
using html::escape;

constexpr size_t kStaticGroups = 100;  // listed without scripts
constexpr size_t kIdsChars = 4000;     // a group's id list is cut past this
constexpr size_t kLeakSuspects = 20;   // listed in full above the groups
constexpr size_t kOtherDefers = 50;    // goroutines whose defers are listed

// "18-57, 60, 62-70": ids sorted and run together, cut at about MAX characters.
std::string id_ranges(std::vector<int64_t> ids, size_t max) {
  std::sort(ids.begin(), ids.end());
  std::string out;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (out.size() > max) {
      out += llvm::formatv(", ... ({0} more)", ids.size() - i).str();
      break;
    }
    if (!out.empty()) out += ", ";
    out += ids[i] < 0 ? "?" : std::to_string(ids[i]);
    if (j > i) out += "-" + std::to_string(ids[j]);
    i = j + 1;
  }
  return out;
}

class HtmlWriter {
public:
  HtmlWriter(llvm::raw_ostream &os, const RenderOptions &opts) : os_(os), opts_(opts) {}

  void begin_input(const Input &in) {
    os_ << "<section class=\"input\" data-path=\"" << escape(in.path) << "\">\n<h1>" << escape(display_path(in))
        << "</h1>\n";
  }

  void end_input(const Input &in) {
    if (in.report_count == 0 && in.reports.empty())
      os_ << "<p class=\"nothing\">Nothing recognizable (" << json_name(in.format) << ", " << in.size
          << " bytes).</p>\n";
    if (!in.diagnostics.empty()) {
      os_ << "<h3>Diagnostics</h3>\n<ul class=\"plain diagnostics\">\n";
      for (const Diagnostic &d : in.diagnostics)
        os_ << "<li><b>" << json_name(d.severity) << "</b> at byte " << d.offset << ": " << escape(d.message)
            << "</li>\n";
      os_ << "</ul>\n";
    }
    os_ << "</section>\n";
  }

  void report(const Input &in, const Report &r, size_t index) {
    links_ = &r.links;
    const Process &p = r.process;
    const Goroutine *crashing = crashing_goroutine(r);
    os_ << "<article class=\"report\" id=\"r" << reports_++ << "\" data-kind=\"" << json_name(r.kind)
        << "\" data-class=\"" << escape(verdict_class(r.verdict)) << "\" data-offset=\"" << r.offset << "\">\n";
    verdict(in, r, index);
    causes(p);
    if (r.verdict.culprit) culprit_source(*r.verdict.culprit);
    if (crashing) crashing_goroutine_block(r, *crashing);
    if (p.runtime_stack_frames && !p.runtime_stack_frames->frames.empty()) {
      os_ << "<h3>Runtime stack</h3>\n";
      frame_list(*p.runtime_stack_frames, SIZE_MAX, nullptr);
    }
    panic_chain(p);
    for (const RaceReport &race : p.races) race_block(race);
    if (r.memory) memory(*r.memory);
    leak_suspects(r);
    groups(r, crashing);
    other_defers(p, crashing);
    threads(p);
    os_ << "</article>\n";
  }

private:
  // Where a frame's link goes: the local file in an editor when it is here,
  // else its line on the forge.
  std::string link(const Frame &f) {
    if (f.non_go || f.file.empty() || f.line <= 0) return "";
    if (opts_.paths) {
      // Each file is looked for once: a page may have a million frames.
      auto [cached, added] = local_files_.try_emplace(f.file);
      if (added) cached->second = opts_.paths->local_file(f.file).value_or("");
      if (!cached->second.empty()) {
        std::string url = opts_.link_template;
        std::string path = url_path(cached->second);
        for (auto [key, value] : {std::pair<llvm::StringRef, std::string>{"{path}", path},
                                  std::pair<llvm::StringRef, std::string>{"{line}", std::to_string(f.line)}})
          for (size_t at; (at = url.find(key.str())) != std::string::npos;) url.replace(at, key.size(), value);
        return html::safe_url(url);
      }
    }
    return links_ ? html::safe_url(links_->url(f)) : "";
  }

  // PATH for a URL: bytes outside unreserved characters and '/' percent-encoded.
  static std::string url_path(llvm::StringRef path) { return percent_encoded(path, "/-._~:@+,="); }

  void function_html(const Frame &f, llvm::StringRef args) {
    std::string url = link(f);
    if (!url.empty())
      os_ << "<a class=\"fn\" href=\"" << escape(url) << "\">" << escape(f.function) << "</a>";
    else
      os_ << "<span class=\"fn\">" << escape(f.function.empty() ? "?" : f.function) << "</span>";
    if (!f.non_go && !f.no_args) os_ << "<span class=\"args\">(" << escape(args) << ")</span>";
  }

  void verdict(const Input &in, const Report &r, size_t index) {
    const Verdict &v = r.verdict;
    os_ << "<header class=\"verdict\">\n<h2><span class=\"cls\">" << escape(verdict_class(v))
        << "</span> <span class=\"event\">" << escape(report_event(r)) << "</span>";
    if (r.kind == ReportKind::Crash)
      os_ << "<span class=\"badge recoverable\">"
          << (v.recoverable ? "recoverable, but not recovered" : "not recoverable") << "</span>";
    if (r.kind == ReportKind::Recovered) os_ << "<span class=\"badge recovered\">recovered</span>";
    os_ << "<span class=\"badge confidence" << (v.low_confidence ? " warn\">low confidence" : "\">high confidence")
        << "</span></h2>\n";
    if (!v.summary.empty()) os_ << "<p class=\"summary\">" << escape(v.summary) << "</p>\n";
    os_ << "<dl class=\"facts\">\n";
    if (v.culprit) {
      const Culprit &c = *v.culprit;
      os_ << "<dt>culprit</dt><dd class=\"culprit k-" << to_string(frame_kind(c.frame)) << "\">";
      function_html(c.frame, "");
      if (!c.frame.file.empty()) os_ << " <span class=\"loc mono\">" << escape(location_text(c.frame)) << "</span>";
      os_ << "</dd>\n";
      if (!c.module.empty())
        os_ << "<dt>module</dt><dd class=\"module\">" << escape(c.module) << (c.version.empty() ? "" : "@")
            << escape(c.version) << "</dd>\n";
      if (!c.owner.empty())
        os_ << "<dt>owner</dt><dd class=\"owner\">" << escape(c.owner) << " <span class=\"dim\">("
            << escape(c.owner_source) << ")</span></dd>\n";
      if (!c.cycle.empty())
        os_ << "<dt>cycle</dt><dd class=\"mono\">" << escape(llvm::join(c.cycle, " -> ")) << "</dd>\n";
      if (c.blame)
        os_ << "<dt>suspect commit</dt><dd class=\"blame\"><code>"
            << escape(llvm::StringRef(c.blame->commit).take_front(12)) << "</code> " << escape(c.blame->date) << " "
            << escape(c.blame->author) << " &lt;" << escape(c.blame->email) << "&gt;: " << escape(c.blame->summary)
            << "</dd>\n";
    }
    if (!v.why.empty()) os_ << "<dt>why</dt><dd class=\"why\">" << escape(v.why) << "</dd>\n";
    if (v.recovered_by)
      os_ << "<dt>recovered by</dt><dd class=\"recovered-by mono\">" << escape(v.recovered_by->function) << " "
          << escape(v.recovered_by->file) << ":" << v.recovered_by->line << "</dd>\n";
    if (r.process.recovery) os_ << "<dt>logged by</dt><dd>" << escape(r.process.recovery->producer) << "</dd>\n";
    for (const std::string &why : v.confidence_reasons)
      os_ << "<dt>confidence</dt><dd class=\"confidence-reason\">low: " << escape(why) << "</dd>\n";
    if (!r.process.executable.empty()) {
      os_ << "<dt>executable</dt><dd class=\"mono\">" << escape(r.process.executable);
      if (!r.process.go_version.version.empty()) os_ << " (" << escape(r.process.go_version.version) << ")";
      os_ << "</dd>\n";
    } else if (!r.process.go_version.version.empty()) {
      os_ << "<dt>Go</dt><dd>" << escape(r.process.go_version.version) << "</dd>\n";
    }
    if (!v.signature.empty())
      os_ << "<dt>signature</dt><dd class=\"mono signature\">" << escape(v.signature) << "</dd>\n";
    if (index > 0 || in.report_count > 1) os_ << "<dt>at byte</dt><dd>" << r.offset << "</dd>\n";
    os_ << "</dl>\n";
    os_ << "<details class=\"explanation\"><summary>Full explanation</summary>\n<p>" << escape(v.explanation)
        << "</p>\n";
    if (v.cls) os_ << "<p class=\"class-explanation\">" << escape(class_info(*v.cls).explanation) << "</p>\n";
    os_ << "</details>\n</header>\n";
  }

  // The panic value, fatal error, signal and test timeout as printed.
  void causes(const Process &p) {
    std::vector<std::string> lines;
    for (const PanicRecord &pr : p.panics) {
      if (pr.goexit || p.panics.size() > 1) continue;  // a chain is listed below
      lines.push_back(
          "panic: " + pr.message +
          (pr.value_type.empty() || pr.value_type == "string" ? std::string() : " (" + pr.value_type + ")"));
      if (!pr.value.empty() && pr.value != pr.message) lines.push_back("value: " + pr.value);
    }
    if (p.fatal) {
      for (const std::string &l : p.fatal->runtime_lines) lines.push_back(l);
      lines.push_back("fatal error: " + p.fatal->message);
    }
    if (p.signal) {
      std::string s = "[signal " + (p.signal->name.empty() ? hex(p.signal->number) : p.signal->name);
      if (!p.signal->description.empty()) s += ": " + p.signal->description;
      if (p.signal->code) s += " code=" + hex(*p.signal->code);
      if (p.signal->addr) s += " addr=" + hex(*p.signal->addr);
      if (p.signal->pc) s += " pc=" + hex(*p.signal->pc);
      lines.push_back(s + "]");
      if (p.signal->during_cgo) lines.push_back("signal arrived during cgo execution");
    }
    if (p.test_timeout) {
      lines.push_back("test timed out after " + p.test_timeout->after);
      for (const auto &[test, duration] : p.test_timeout->running)
        lines.push_back("    running: " + test + " (" + duration + ")");
    }
    for (const std::string &n : p.notes) lines.push_back(n);
    if (lines.empty()) return;
    os_ << "<pre class=\"cause\">";
    for (const std::string &l : lines) os_ << escape(l) << "\n";
    os_ << "</pre>\n";
  }

  void culprit_source(const Culprit &c) {
    if (!c.source_context) return;
    const SourceContext &sc = *c.source_context;
    os_ << "<h3>Source <span class=\"dim mono\">" << escape(sc.path) << "</span></h3>\n<pre class=\"source\">";
    size_t width = std::to_string(sc.first_line + int(sc.lines.size()) - 1).size();
    for (size_t i = 0; i < sc.lines.size(); ++i) {
      int n = sc.first_line + int(i);
      std::string number = std::to_string(n);
      std::string text = std::string(width - number.size(), ' ') + number + " | " + sc.lines[i];
      if (n == c.frame.line)
        os_ << "<span class=\"hit\">" << escape(text) << "</span>\n";
      else
        os_ << escape(text) << "\n";
    }
    os_ << "</pre>\n";
  }

  void crashing_goroutine_block(const Report &r, const Goroutine &g) {
    os_ << "<section class=\"crashing\">\n<h3>goroutine " << escape(goroutine_id(g)) << " ["
        << escape(goroutine_state(g)) << "] " << (r.kind == ReportKind::Recovered ? "(panicked)" : "(crashing)");
    if (!g.details().labels.empty()) os_ << " <span class=\"dim\">{" << escape(g.details().labels) << "}</span>";
    os_ << "</h3>\n";
    if (g.created_by) {
      os_ << "<p class=\"created-by dim\">created by <span class=\"k-" << to_string(frame_kind(*g.created_by)) << "\">";
      function_html(*g.created_by, "");
      os_ << "</span>";
      if (g.parent_goid >= 0) os_ << " in goroutine " << g.parent_goid;
      if (!g.created_by->file.empty())
        os_ << " at <span class=\"mono\">" << escape(g.created_by->file) << ":" << g.created_by->line << "</span>";
      os_ << "</p>\n";
    }
    if (g.stack_unavailable) os_ << "<p class=\"dim\">stack unavailable: running on another thread</p>\n";
    if (g.stack) frame_list(*g.stack, r.verdict.culprit ? r.verdict.culprit->frame_index : SIZE_MAX, &g);
    defers(g);
    for (const Ancestor &a : g.details().ancestors) {
      os_ << "<p class=\"dim\">originating from goroutine " << a.goid;
      if (const Frame *f = ancestor_site(a)) os_ << ": " << escape(f->function) << " at " << escape(location_text(*f));
      os_ << "</p>\n";
    }
    os_ << "</section>\n";
  }

  void frame_list(const Stack &stack, size_t marked, const Goroutine *g) {
    os_ << "<ol class=\"frames\">\n";
    for (size_t i = 0; i < stack.frames.size(); ++i) {
      if (stack.elided_at && *stack.elided_at == i)
        os_ << "<li class=\"elided dim\">... "
            << (stack.elided_count >= 0 ? std::to_string(stack.elided_count) : std::string("additional"))
            << " frames elided ...</li>\n";
      const Frame &f = stack.frames[i];
      std::string_view args = g ? frame_args(*g, i) : std::string_view(f.args);
      os_ << "<li class=\"frame k-" << to_string(frame_kind(f)) << (i == marked ? " culprit" : "")
          << (f.inlined ? " inlined" : "") << "\"><span class=\"idx\">" << (i == marked ? "&gt;" : "") << i
          << "</span>";
      function_html(f, llvm::StringRef(args.data(), args.size()));
      os_ << "<span class=\"loc\">" << escape(location_text(f)) << "</span>";
      if (f.inlined) os_ << "<span class=\"badge\">inlined</span>";
      if (i == marked) os_ << "<span class=\"badge warn\">culprit</span>";
      os_ << "</li>\n";
    }
    if (stack.elided_at && *stack.elided_at >= stack.frames.size())
      os_ << "<li class=\"elided dim\">... frames elided ...</li>\n";
    os_ << "</ol>\n";
  }

  void defers(const Goroutine &g) {
    const auto &ds = g.details().defers;
    if (ds.empty()) return;
    os_ << "<h3>Defers <span class=\"dim\">(in run order)</span></h3>\n<table class=\"defers\">\n"
        << "<tr><th>state</th><th>function</th><th>where</th><th>kind</th><th>recover</th><th>deferred by</th></tr>\n";
    for (const Defer &d : ds) {
      os_ << "<tr><td>"
          << (d.running ? "running"
              : d.ran   ? "ran"
                        : "pending")
          << "</td><td class=\"mono\">" << escape(d.function) << "</td><td class=\"mono\">";
      if (!d.file.empty()) os_ << escape(d.file) << ":" << d.line;
      os_ << "</td><td>" << to_string(d.kind) << "</td><td>";
      if (!d.indirect_recover.empty())
        os_ << "only inside " << escape(d.indirect_recover);
      else if (d.calls_recover)
        os_ << (*d.calls_recover ? "calls recover" : "no");
      else
        os_ << "?";
      os_ << "</td><td>" << (d.frame_index >= 0 ? "#" + std::to_string(d.frame_index) : std::string())
          << "</td></tr>\n";
    }
    os_ << "</table>\n";
  }

  void panic_chain(const Process &p) {
    if (p.panics.size() < 2 && !(p.panics.size() == 1 && (p.panics[0].goexit || p.panics[0].recovered))) return;
    os_ << "<h3>Panics <span class=\"dim\">(oldest first)</span></h3>\n<table class=\"panics\">\n"
        << "<tr><th>goroutine</th><th>value</th><th>type</th><th>state</th></tr>\n";
    for (const PanicRecord &pr : p.panics) {
      os_ << "<tr><td class=\"num\">" << (pr.goroutine >= 0 ? std::to_string(pr.goroutine) : "?")
          << "</td><td class=\"mono\">" << escape(pr.goexit ? "runtime.Goexit" : pr.message);
      if (!pr.value.empty() && pr.value != pr.message) os_ << "<br>value: " << escape(pr.value);
      if (!pr.value_note.empty()) os_ << " <span class=\"dim\">(" << escape(pr.value_note) << ")</span>";
      os_ << "</td><td class=\"mono\">" << escape(pr.value_type) << "</td><td>"
          << (pr.repanicked  ? "recovered, repanicked"
              : pr.recovered ? "recovered"
              : pr.fatal     ? "fatal"
                             : "in flight")
          << "</td></tr>\n";
    }
    os_ << "</table>\n";
  }

  void race_block(const RaceReport &race) {
    for (const RaceAccess &a : race.accesses) {
      os_ << "<h3>" << escape(a.operation) << " at " << hex(a.address) << " by "
          << (a.main_goroutine ? std::string("main goroutine") : "goroutine " + std::to_string(a.goroutine))
          << "</h3>\n";
      if (a.stack) frame_list(*a.stack, SIZE_MAX, nullptr);
    }
    for (const RaceGoroutine &g : race.goroutines) {
      os_ << "<h3>goroutine " << g.goroutine << " (" << escape(g.state) << ") created at</h3>\n";
      if (g.created_at) frame_list(*g.created_at, SIZE_MAX, nullptr);
    }
  }

  void memory(const MemoryReport &m) {
    os_ << "<section class=\"memory\">\n<h3>Memory <span class=\"dim\">(" << escape(m.source) << ")</span></h3>\n"
        << "<p>" << escape(byte_size(m.live_bytes)) << " live in " << m.live_objects << " objects; "
        << escape(byte_size(m.reachable_bytes)) << " reachable from the roots read";
    if (m.unreachable_bytes) os_ << ", " << escape(byte_size(m.unreachable_bytes)) << " from none";
    if (m.shared_bytes) os_ << ", " << escape(byte_size(m.shared_bytes)) << " from several roots";
    os_ << ".</p>\n";
    auto share = [&](uint64_t b) {
      return m.live_bytes ? std::to_string((b * 100 + m.live_bytes / 2) / m.live_bytes) + "%" : std::string("-");
    };
    if (!m.retainers.empty()) {
      os_ << "<table class=\"retainers\"><tr><th class=\"num\">retained</th><th class=\"num\">share</th>"
          << "<th>root</th><th>kind</th><th class=\"num\">objects</th><th>path</th></tr>\n";
      for (const MemoryRetainer &rt : m.retainers) {
        std::string path;
        for (const MemoryPathStep &s : rt.path) path += (path.empty() ? "" : " -> ") + s.type;
        os_ << "<tr><td class=\"num\">" << escape(byte_size(rt.retained_bytes)) << "</td><td class=\"num\">"
            << share(rt.retained_bytes) << "</td><td class=\"mono\">" << escape(rt.root.name) << "</td><td>"
            << to_string(rt.root.kind) << (rt.root.type.empty() ? "" : ", ") << escape(rt.root.type)
            << "</td><td class=\"num\">" << rt.retained_objects << "</td><td class=\"mono dim\">" << escape(path)
            << "</td></tr>\n";
      }
      os_ << "</table>\n";
    }
    if (!m.types.empty()) {
      os_ << "<table class=\"types\"><tr><th class=\"num\">bytes</th><th class=\"num\">share</th><th>type</th>"
          << "<th class=\"num\">objects</th></tr>\n";
      for (const MemoryTypeStat &t : m.types)
        os_ << "<tr><td class=\"num\">" << escape(byte_size(t.bytes)) << "</td><td class=\"num\">" << share(t.bytes)
            << "</td><td class=\"mono\">" << escape(t.type)
            << (t.size_class ? " (" + std::to_string(t.size_class) + "-byte slots)" : std::string())
            << "</td><td class=\"num\">" << t.objects << "</td></tr>\n";
      os_ << "</table>\n";
    }
    for (const std::string &n : m.notes) os_ << "<p class=\"dim\">note: " << escape(n) << "</p>\n";
    os_ << "</section>\n";
  }

  void leak_suspects(const Report &r) {
    if (r.verdict.leak_suspects == 0) return;
    os_ << "<section class=\"leaks\">\n<h3>Leak suspects <span class=\"dim\">(" << r.verdict.leak_suspects
        << ")</span></h3>\n<ul class=\"plain\">\n";
    size_t listed = 0;
    for (const GoroutineGroup &g : r.groups) {
      if (g.leak_reasons.empty()) continue;
      if (listed++ == kLeakSuspects) break;
      const Frame *site = group_site(g);
      os_ << "<li class=\"leak\"><b>" << g.goroutine_ids.size() << "</b> goroutines ["
          << escape(g.wait_reason.empty() ? std::string(json_name(g.status)) : g.wait_reason)
          << "] in <span class=\"mono\">" << escape(site ? site->function : std::string("?"))
          << "</span>: " << escape(llvm::join(g.leak_reasons, "; ")) << "</li>\n";
    }
    os_ << "</ul>\n</section>\n";
  }

  // The groups as JSON for the page's script (formats/html.md): {groups:
  // [{n, s, m, ids, f, site, c, leak, crashing}], frames: [[package, rest
  // of the function, file, line, kind, inlined, url?]], pkgs, files,
  // states}; frames, packages, files and states are shared by index, so a
  // page grows with what differs between groups, not with their number.
  std::string groups_json(const Report &r, const Goroutine *crashing) {
    struct Table {
      llvm::StringMap<size_t> index;
      std::vector<llvm::StringRef> names;
      size_t operator()(llvm::StringRef s) {
        auto [it, added] = index.try_emplace(s, names.size());
        if (added) names.push_back(it->first());
        return it->second;
      }
    } pkgs, files, states;
    std::map<std::tuple<std::string, std::string, int, bool>, size_t> index;
    std::string out;
    llvm::raw_string_ostream os(out);
    llvm::json::OStream j(os);
    std::string frames_text;
    llvm::raw_string_ostream fos(frames_text);
    llvm::json::OStream fj(fos);
    fj.arrayBegin();
    auto frame_index = [&](const Frame &f) {
      auto [it, added] = index.emplace(std::make_tuple(f.function, f.file, f.line, f.inlined), index.size());
      if (added)
        fj.array([&] {
          llvm::StringRef fn = f.function, pkg = package_of(f);
          if (pkg.empty() || !fn.starts_with(pkg) || fn.size() <= pkg.size() || fn[pkg.size()] != '.') pkg = "";
          fj.value(int64_t(pkgs(pkg)));
          fj.value(str(pkg.empty() ? fn : fn.drop_front(pkg.size() + 1)));
          fj.value(int64_t(files(f.file)));
          fj.value(int64_t(f.line));
          fj.value(int64_t(frame_kind(f)));
          fj.value(f.inlined ? 1 : 0);
          if (std::string url = link(f); !url.empty()) fj.value(str(url));
        });
      return it->second;
    };
    auto table = [&](llvm::StringRef key, const Table &t) {
      j.attributeArray(key, [&] {
        for (llvm::StringRef name : t.names) j.value(str(name));
      });
    };
    j.objectBegin();
    j.attributeArray("groups", [&] {
      for (const GoroutineGroup &g : r.groups) {
        if (g.goroutine_indexes.empty()) continue;  // never made by analysis
        const Goroutine &first = r.process.goroutines[g.goroutine_indexes.front()];
        j.object([&] {
          j.attribute("n", int64_t(g.goroutine_ids.size()));
          j.attribute("s", int64_t(states(runtime_state(first))));
          if (g.min_wait_minutes >= 0)
            j.attribute("m", g.min_wait_minutes == g.max_wait_minutes
                                 ? llvm::formatv("{0} minutes", g.min_wait_minutes).str()
                                 : llvm::formatv("{0}-{1} minutes", g.min_wait_minutes, g.max_wait_minutes).str());
          j.attribute("ids", id_ranges(g.goroutine_ids, kIdsChars));
          const Frame *site = group_site(g);
          j.attributeArray("f", [&] {
            for (const Frame &f : frames_of(g.stack)) j.value(int64_t(frame_index(f)));
          });
          if (site) j.attribute("site", int64_t(frame_index(*site)));
          if (g.created_by) j.attribute("c", int64_t(frame_index(*g.created_by)));
          if (!g.leak_reasons.empty())
            j.attributeArray("leak", [&] {
              for (const std::string &why : g.leak_reasons) j.value(str(why));
            });
          if (crashing &&
              llvm::any_of(g.goroutine_indexes, [&](uint32_t i) { return &r.process.goroutines[i] == crashing; }))
            j.attribute("crashing", true);
        });
      }
    });
    fj.arrayEnd();
    fos.flush();
    j.attributeBegin("frames");
    j.rawValue(frames_text);
    j.attributeEnd();
    table("pkgs", pkgs);
    table("files", files);
    table("states", states);
    j.objectEnd();
    os.flush();
    return html::script_json(out);
  }

  void groups(const Report &r, const Goroutine *crashing) {
    if (r.groups.empty()) return;
    size_t goroutines = 0;
    for (const GoroutineGroup &g : r.groups) goroutines += g.goroutine_ids.size();
    os_ << "<section class=\"groups\" data-groups=\"" << r.groups.size() << "\" data-goroutines=\"" << goroutines
        << "\">\n<h3>Goroutines <span class=\"dim\">(" << goroutines << " in " << r.groups.size()
        << " groups of identical stacks)</span></h3>\n"
        << "<div class=\"group-ui\" hidden><input class=\"search\" type=\"search\" placeholder=\"search function "
           "names\" aria-label=\"search function names\"><select class=\"state\" aria-label=\"state\"><option "
           "value=\"\">every state</option></select><label><input class=\"leaks\" type=\"checkbox\"> leak suspects "
           "only</label><span class=\"shown dim\"></span></div>\n"
        << "<div class=\"group-list\"></div><button class=\"more\" hidden>show more</button>\n"
        << "<script type=\"application/json\" class=\"group-data\">" << groups_json(r, crashing) << "</script>\n";
    // Without scripts: the largest groups, one line each.
    os_ << "<noscript><ul class=\"plain static-groups\">\n";
    for (size_t i = 0; i < r.groups.size() && i < kStaticGroups; ++i) {
      const GoroutineGroup &g = r.groups[i];
      if (g.goroutine_indexes.empty()) continue;
      const Frame *site = group_site(g);
      os_ << "<li class=\"mono\">" << g.goroutine_ids.size() << " &times; ["
          << escape(runtime_state(r.process.goroutines[g.goroutine_indexes.front()])) << "] "
          << escape(site ? site->function + " " + location_text(*site) : std::string("(no frames)"));
      if (!g.leak_reasons.empty()) os_ << " <b>leak suspect</b>";
      os_ << "</li>\n";
    }
    if (r.groups.size() > kStaticGroups)
      os_ << "<li>... " << r.groups.size() - kStaticGroups << " more groups (turn scripts on to see them)</li>\n";
    os_ << "</ul></noscript>\n</section>\n";
  }

  // Cores and heap dumps: what other goroutines deferred, so a recover
  // waiting in the wrong goroutine is visible.
  void other_defers(const Process &p, const Goroutine *crashing) {
    size_t shown = 0;
    for (const Goroutine &g : p.goroutines) {
      if (&g == crashing || g.details().defers.empty()) continue;
      if (shown == 0)
        os_ << "<details class=\"other-defers\"><summary>Deferred calls in other goroutines</summary>\n<ul "
               "class=\"plain mono\">\n";
      if (shown++ == kOtherDefers) {
        os_ << "<li>...</li>\n";
        break;
      }
      std::string text;
      for (const Defer &d : g.details().defers)
        text += (text.empty() ? "" : ", ") + d.function + (d.calls_recover.value_or(false) ? " (recover)" : "") +
                (d.running ? " (running)"
                 : d.ran   ? " (ran)"
                           : "");
      os_ << "<li>goroutine " << g.id << ": " << escape(text) << "</li>\n";
    }
    if (shown) os_ << "</ul></details>\n";
  }

  void threads(const Process &p) {
    if (p.threads.empty() || p.threads.front().tid < 0) return;
    os_ << "<details class=\"threads\"><summary>Threads (" << p.threads.size()
        << ")</summary>\n<ul class=\"plain mono\">\n";
    for (const Thread &t : p.threads) {
      os_ << "<li>tid " << t.tid;
      if (t.m >= 0) os_ << " m" << t.m;
      if (t.goroutine >= 0) os_ << " running goroutine " << t.goroutine;
      if (t.crashed) os_ << " took " << escape(t.signal.empty() ? std::string("the fatal signal") : t.signal);
      os_ << "</li>\n";
    }
    os_ << "</ul></details>\n";
  }

  llvm::raw_ostream &os_;
  const RenderOptions &opts_;
  const SourceLinks *links_ = nullptr;
  llvm::StringMap<std::string> local_files_;  // file -> its local copy, "" for none
  size_t reports_ = 0;
};

class HtmlRenderer final : public ReportRenderer {
public:
  HtmlRenderer(llvm::raw_ostream &os, const RenderOptions &opts) : os_(os), writer_(os, opts) {
    html::page_begin(os_, "crashctl report", opts.tool_version);
  }
  ~HtmlRenderer() override { finish(); }
  void begin_input(const Input &in) override { writer_.begin_input(in); }
  void render(const Input &in, const Report &r, size_t index, bool) override { writer_.report(in, r, index); }
  void end_input(const Input &in) override { writer_.end_input(in); }
  void finish() override {
    if (finished_) return;
    finished_ = true;
    html::page_end(os_);
    os_.flush();
  }

private:
  llvm::raw_ostream &os_;
  HtmlWriter writer_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<ReportRenderer> make_html_renderer(llvm::raw_ostream &os, const RenderOptions &opts) {
  return std::make_unique<HtmlRenderer>(os, opts);
}

void render_html(llvm::raw_ostream &os, const std::vector<Input> &inputs, const RenderOptions &opts) {
  render_all(*make_html_renderer(os, opts), inputs);
}

}  // namespace crashctl
