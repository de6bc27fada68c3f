// Output of analyzed inputs: text for people, JSON for scripts (specified by
// formats/output.md and formats/output.schema.json), editor lines for
// jump-to-location. Renderers only read the model; they never fail.
#pragma once

#include "model/report.h"

#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace crashctl {

class SourcePathMapper;

// The version of the JSON output, formats/output.md "Versioning".
inline constexpr const char *kJsonSchemaVersion = "1.7.0";

struct RenderOptions {
  bool color = false;          // decided by the CLI (TTY and no NO_COLOR)
  bool all_goroutines = true;  // text: show other goroutines (compactly)
  // text: the whole explanation and the class's (analysis/taxonomy.h), not
  // only what is specific to this crash.
  bool verbose = false;
  // text: list warnings and errors after each input's reports too; a CLI
  // that prints them on stderr turns it off (notes are always listed).
  bool text_lists_problems = true;
  const SourcePathMapper *paths = nullptr;  // editor output path mapping (may be null)
  // html: a frame whose file is on this machine links to it so ({path} its
  // absolute path, {line}); other frames link to their forge URL when known.
  std::string link_template = "vscode://file{path}:{line}";
  std::string information_uri;  // sarif: tool.driver.informationUri ("" leaves it out)
  // JSON: threads that write a dump's goroutines, the caller's included; 0
  // or 1, the caller's alone (measured faster on a shared 2-core machine:
  // README "Cores"). The bytes are the same.
  unsigned threads = 0;
#ifdef CRASHCTL_VERSION
  std::string tool_version = CRASHCTL_VERSION;  // JSON "tool.version"
#else
  std::string tool_version = "unknown";  // the CLI sets the project version
#endif
};

// A renderer that writes each report as it comes (pipeline/analyze.h's
// streaming analyze_input), keeping nothing of it. finish() after the last
// input completes the document; reports may also be given as const.
class ReportRenderer : public ReportSink {
public:
  void report(const Input &in, Report &&r, size_t index, bool last) final { render(in, r, index, last); }
  virtual void render(const Input &in, const Report &r, size_t index, bool last) = 0;
  virtual void finish() {}
};
enum class OutputFormat { Text, Json, Editor, Html, Sarif };
std::unique_ptr<ReportRenderer> make_renderer(OutputFormat, llvm::raw_ostream &, const RenderOptions &);
std::unique_ptr<ReportRenderer> make_text_renderer(llvm::raw_ostream &, const RenderOptions &);
std::unique_ptr<ReportRenderer> make_json_renderer(llvm::raw_ostream &, const RenderOptions &);
std::unique_ptr<ReportRenderer> make_editor_renderer(llvm::raw_ostream &, const RenderOptions &);
// formats/html.md: one self-contained page.
std::unique_ptr<ReportRenderer> make_html_renderer(llvm::raw_ostream &, const RenderOptions &);
// formats/sarif.md: SARIF 2.1.0, one result per report.
std::unique_ptr<ReportRenderer> make_sarif_renderer(llvm::raw_ostream &, const RenderOptions &);
// Gives every input and report of INPUTS to R, then finishes it.
void render_all(ReportRenderer &r, const std::vector<Input> &inputs);

// The whole of INPUTS (with their reports) at once.
void render_text(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);
void render_json(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);
void render_editor(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);
void render_html(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);
void render_sarif(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);

}  // namespace crashctl
