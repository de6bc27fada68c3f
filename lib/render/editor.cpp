// --format editor: GNU "file:line:col: severity: message" lines (col is always
// 1), read by Vim's %f:%l:%c:%m, Emacs' gnu entry and VS Code's $gcc.
#include "render/escaping_stream.h"
#include "render/render.h"
#include "render/render_util.h"

#include "analysis/source_paths.h"

namespace crashctl {

namespace {

using namespace render_detail;

bool has_location(const Frame &f) {
  return !f.non_go && !f.file.empty() && f.file[0] != '<' && f.line > 0;
}

// A message must stay on its line.
std::string one_line(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return out;
}

class EditorWriter {
public:
  EditorWriter(llvm::raw_ostream &os, const RenderOptions &opts) : os_(os), opts_(opts) {}

  void report(const Input &in, const Report &r) {
    const Goroutine *crashing = crashing_goroutine(r);
    error_line(in, r, crashing);
    if (crashing) {
      frame_notes(frames_of(crashing->stack));
      if (crashing->created_by && has_location(*crashing->created_by))
        line(*crashing->created_by, "note",
             "goroutine " + std::to_string(crashing->id) + " created here by " + crashing->created_by->function);
      for (const Defer &d : crashing->details().defers) {
        if (d.file.empty() || d.line <= 0) continue;
        std::string recover = !d.calls_recover ? "" : *d.calls_recover ? ", calls recover" : ", no recover";
        if (!d.indirect_recover.empty()) recover += ", recover only through " + d.indirect_recover;
        line(d.file, d.line, "note",
             std::string("deferred ") + (d.ran ? "(ran) " : "(pending) ") + d.function + " [" + to_string(d.kind) +
                 recover + "]");
      }
    }
    for (const RaceReport &race : r.process.races) race_notes(race);
  }

private:
  void line(llvm::StringRef file, int line_no, llvm::StringRef severity, llvm::StringRef message) {
    std::string path = opts_.paths ? opts_.paths->map(file) : file.str();
    os_ << path << ':' << line_no << ":1: " << severity << ": " << one_line(message) << '\n';
  }
  void line(const Frame &f, llvm::StringRef severity, llvm::StringRef message) {
    line(f.file, f.line, severity, message);
  }

  static std::string headline(const Report &r) {
    std::string text = verdict_class(r.verdict).str();
    const Process &p = r.process;
    llvm::StringRef detail = r.verdict.summary;
    if (detail.empty() && !p.panics.empty()) detail = p.panics.back().message;
    if (detail.empty() && p.fatal) detail = p.fatal->message;
    if (!detail.empty()) text += ": " + detail.str();
    return text;
  }

  // The culprit, else the first located frame of the crashing goroutine or of
  // the first race access, else the input itself.
  void error_line(const Input &in, const Report &r, const Goroutine *crashing) {
    std::string message = headline(r);
    if (r.verdict.culprit && has_location(r.verdict.culprit->frame))
      return line(r.verdict.culprit->frame, "error", message);
    auto first_located = [](const std::vector<Frame> &frames) -> const Frame * {
      for (const Frame &f : frames)
        if (has_location(f)) return &f;
      return nullptr;
    };
    if (crashing)
      if (const Frame *f = first_located(frames_of(crashing->stack))) return line(*f, "error", message);
    for (const RaceReport &race : r.process.races)
      for (const RaceAccess &a : race.accesses)
        if (const Frame *f = first_located(frames_of(a.stack))) return line(*f, "error", message);
    os_ << display_path(in) << ":1:1: error: " << one_line(message) << '\n';
  }

  void frame_notes(const std::vector<Frame> &frames) {
    for (size_t i = 0; i < frames.size(); ++i) {
      const Frame &f = frames[i];
      if (!has_location(f)) continue;
      line(f, "note", "#" + std::to_string(i) + " " + f.function + (f.inlined ? " (inlined)" : ""));
    }
  }

  void race_notes(const RaceReport &race) {
    for (const RaceAccess &a : race.accesses) {
      const auto &frames = frames_of(a.stack);
      for (const Frame &f : frames) {
        if (!has_location(f)) continue;
        std::string who = a.main_goroutine ? std::string("main goroutine") : "goroutine " + std::to_string(a.goroutine);
        line(f, "note", a.operation + " at " + hex(a.address) + " by " + who);
        break;
      }
      frame_notes(frames);
    }
    for (const RaceGoroutine &g : race.goroutines) {
      for (const Frame &f : frames_of(g.created_at)) {
        if (!has_location(f)) continue;
        line(f, "note", "goroutine " + std::to_string(g.goroutine) + " created here by " + f.function);
        break;
      }
    }
  }

  llvm::raw_ostream &os_;
  const RenderOptions &opts_;
};

}  // namespace

namespace {

// Paths and messages come from the inputs: escaped, never raw.
class EditorRenderer final : public ReportRenderer {
public:
  EditorRenderer(llvm::raw_ostream &os, const RenderOptions &opts) : esc_(os), writer_(esc_, opts) {}
  void render(const Input &in, const Report &r, size_t, bool) override { writer_.report(in, r); }
  void finish() override { esc_.flush(); }

private:
  ControlEscapingStream esc_;
  EditorWriter writer_;
};

}  // namespace

std::unique_ptr<ReportRenderer> make_editor_renderer(llvm::raw_ostream &os, const RenderOptions &opts) {
  return std::make_unique<EditorRenderer>(os, opts);
}

void render_editor(llvm::raw_ostream &os, const std::vector<Input> &inputs, const RenderOptions &opts) {
  render_all(*make_editor_renderer(os, opts), inputs);
}

}  // namespace crashctl
