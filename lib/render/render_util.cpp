#include "render/render_util.h"

#include "render/escaping_stream.h"
#include "render/render.h"

#include "analysis/verdict.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Unicode.h"
#include "llvm/Support/raw_ostream.h"

namespace crashctl::render_detail {

llvm::json::Value str(llvm::StringRef s) {
  if (llvm::json::isUTF8(s)) return llvm::json::Value(s);
  return llvm::json::Value(llvm::json::fixUTF8(s));
}
llvm::json::Value str_or_null(llvm::StringRef s) {
  return s.empty() ? llvm::json::Value(nullptr) : str(s);
}
void blame_attribute(llvm::json::OStream &j, const std::optional<BlameInfo> &blame) {
  if (!blame) {
    j.attribute("blame", nullptr);
    return;
  }
  j.attributeObject("blame", [&] {
    j.attribute("commit", str(blame->commit));
    j.attribute("author", str(blame->author));
    j.attribute("email", str(blame->email));
    j.attribute("date", str(blame->date));
    j.attribute("summary", str(blame->summary));
  });
}
llvm::json::Value int_or_null(int64_t v) {
  return v < 0 ? llvm::json::Value(nullptr) : llvm::json::Value(v);
}

std::string hex(uint64_t v) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << llvm::format_hex(v, 0);
  return out;
}

const char *json_name(InputFormat v) {
  return to_string(v);
}

const char *json_name(Compression v) {
  return to_string(v);
}

const char *json_name(ReportKind v) {
  return to_string(v);
}

const char *json_name(Severity v) {
  return to_string(v);
}

// The model's names are the JSON enum of formats/output.schema.json.
const char *json_name(GoroutineStatus s) {
  return to_string(s);
}

std::string runtime_state(const Goroutine &g) {
  switch (g.status) {
    case GoroutineStatus::Waiting: return g.wait_reason.empty() ? "waiting" : g.wait_reason.str();
    case GoroutineStatus::Leaked:
      return (g.wait_reason.empty() ? std::string("waiting") : g.wait_reason.str()) + " (leaked)";
    case GoroutineStatus::Syscall: return g.wait_reason.empty() ? "syscall" : "syscall, " + g.wait_reason.str();
    case GoroutineStatus::WaitingForCgoCallback: return "waiting for cgo callback";
    case GoroutineStatus::Unknown: return "???";
    default: return json_name(g.status);
  }
}

const std::vector<Frame> &frames_of(const StackRef &s) {
  static const std::vector<Frame> empty;
  return s ? s->frames : empty;
}

llvm::StringRef package_of(const Frame &f) {
  if (!f.package.empty() || f.bare_name) return f.package;
  // "net/http.(*conn).serve" -> "net/http": the first '.' after the last '/'.
  llvm::StringRef fn = f.function;
  size_t slash = fn.rfind('/');
  size_t dot = fn.find('.', slash == llvm::StringRef::npos ? 0 : slash);
  return dot == llvm::StringRef::npos ? llvm::StringRef() : fn.take_front(dot);
}

FrameKind frame_kind(const Frame &f) {
  if (f.non_go) return FrameKind::C;
  if (InAppRules::is_runtime(f)) return FrameKind::Runtime;
  if (InAppRules::is_stdlib(f)) return FrameKind::Stdlib;
  if (InAppRules::is_dependency(f)) return FrameKind::Dependency;
  return FrameKind::Program;
}

const char *to_string(FrameKind k) {
  switch (k) {
    case FrameKind::Program: return "program";
    case FrameKind::Dependency: return "dependency";
    case FrameKind::Stdlib: return "stdlib";
    case FrameKind::Runtime: return "runtime";
    case FrameKind::C: return "c";
  }
  return "program";
}

const Goroutine *crashing_goroutine(const Report &r) {
  if (r.verdict.goroutine_index && *r.verdict.goroutine_index < r.process.goroutines.size())
    return &r.process.goroutines[*r.verdict.goroutine_index];
  return r.verdict.goroutine < 0 ? nullptr : r.process.goroutine(r.verdict.goroutine);
}

std::string location_text(const Frame &f) {
  std::string loc;
  if (!f.file.empty() && (f.line > 0 || !f.non_go))
    loc = llvm::formatv("{0}:{1}", f.file, f.line).str();
  else if (!f.file.empty())  // C code in a library without line tables: the library and the pc
    loc = f.file + (f.pc ? " pc=" + hex(*f.pc) : std::string());
  else if (f.pc)
    loc = "pc=" + hex(*f.pc);
  else
    loc = "?";
  if (f.pc_offset) loc += " +" + hex(*f.pc_offset);
  return loc;
}

// "?" for goroutines whose id the input does not show (profiles, stacks
// logged without a goroutine header).
std::string goroutine_id(const Goroutine &g) {
  return g.id < 0 ? std::string("?") : std::to_string(g.id);
}

std::string goroutine_state(const Goroutine &g) {
  std::string s = runtime_state(g);
  if (g.scan) s += " (scan)";
  if (g.wait_minutes >= 0) s += llvm::formatv(", {0} minutes", g.wait_minutes).str();
  if (g.locked_to_thread) s += ", locked to thread";
  return s;
}

std::string report_event(const Report &r) {
  const Process &p = r.process;
  std::string where = r.verdict.goroutine >= 0 ? llvm::formatv(" in goroutine {0}", r.verdict.goroutine).str() : "";
  switch (r.kind) {
    case ReportKind::Race:
      return p.races.size() > 1 ? llvm::formatv("data race ({0} reports)", p.races.size()).str() : "data race";
    case ReportKind::Snapshot: return llvm::formatv("goroutine snapshot ({0} goroutines)", p.goroutines.size()).str();
    case ReportKind::Recovered: return "recovered panic" + where;
    case ReportKind::Crash: break;
  }
  if (p.test_timeout) return "test timeout";
  if (!p.panics.empty()) return "panic" + where;
  if (p.fatal) return "fatal error" + where;
  if (p.signal) {
    std::string name = !p.signal->name.empty() ? p.signal->name : p.signal->number >= 0 ? hex(p.signal->number) : "";
    return "signal " + name + where;
  }
  return "crash" + where;
}

llvm::StringRef verdict_class(const Verdict &v) {
  return to_string(v.cls.value_or(VerdictClass::Unknown));
}

std::string display_path(const Input &in) {
  return in.path == "-" ? "<stdin>" : in.path;
}

namespace {

// Where the character after the one at S[I] starts (UTF-8 lead byte or not).
size_t next_char(llvm::StringRef s, size_t i) {
  do ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80);
  return i;
}

}  // namespace

std::string percent_encoded(llvm::StringRef s, llvm::StringRef keep) {
  std::string out;
  for (unsigned char c : s) {
    if (llvm::isAlnum(c) || keep.contains(c))
      out += char(c);
    else
      out += llvm::formatv("%{0:X-2}", unsigned(c)).str();
  }
  return out;
}

size_t display_width(llvm::StringRef s) {
  if (llvm::all_of(s, [](char c) { return c >= 0x20 && c < 0x7f; })) return s.size();
  std::string escaped = escape_control(std::string_view(s.data(), s.size()));
  llvm::StringRef shown = escaped;
  if (int w = llvm::sys::unicode::columnWidthUTF8(shown); w >= 0) return size_t(w);
  // A tab or an unprintable code point among them: character by character.
  size_t n = 0;
  for (size_t i = 0, next; i < shown.size(); i = next) {
    next = next_char(shown, i);
    int w = llvm::sys::unicode::columnWidthUTF8(shown.slice(i, next));
    n += w >= 0 ? size_t(w) : 1;
  }
  return n;
}

std::string fit_width(llvm::StringRef s, size_t max) {
  if (display_width(s) <= max) return s.str();
  size_t keep = max > 3 ? max - 3 : 0, cols = 0, i = 0;
  while (i < s.size()) {
    size_t next = next_char(s, i), w = display_width(s.slice(i, next));
    if (cols + w > keep) break;
    cols += w;
    i = next;
  }
  return (s.take_front(i) + "...").str();
}

}  // namespace crashctl::render_detail

namespace crashctl {

void render_all(ReportRenderer &r, const std::vector<Input> &inputs) {
  for (const Input &in : inputs) {
    r.begin_input(in);
    for (size_t i = 0; i < in.reports.size(); ++i) r.render(in, in.reports[i], i, i + 1 == in.reports.size());
    r.end_input(in);
  }
  r.finish();
}

std::unique_ptr<ReportRenderer> make_renderer(OutputFormat f, llvm::raw_ostream &os, const RenderOptions &opts) {
  switch (f) {
    case OutputFormat::Json: return make_json_renderer(os, opts);
    case OutputFormat::Editor: return make_editor_renderer(os, opts);
    case OutputFormat::Html: return make_html_renderer(os, opts);
    case OutputFormat::Sarif: return make_sarif_renderer(os, opts);
    case OutputFormat::Text: break;
  }
  return make_text_renderer(os, opts);
}

}  // namespace crashctl
