// Output of analyzed inputs: text for people, JSON for scripts (specified by
// formats/output.md and formats/output.schema.json), editor lines for
// jump-to-location. Renderers only read the model; they never fail.
#pragma once

#include "model/report.h"

#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace crashctl {

class SourcePathMapper;

// The version of the JSON output, formats/output.md "Versioning".
inline constexpr const char *kJsonSchemaVersion = "1.4.0";

struct RenderOptions {
  bool color = false;          // decided by the CLI (TTY and no NO_COLOR)
  bool all_goroutines = true;  // text: show other goroutines (compactly)
  // text: list warnings and errors after each input's reports too; a CLI
  // that prints them on stderr turns it off (notes are always listed).
  bool text_lists_problems = true;
  const SourcePathMapper *paths = nullptr;  // editor output path mapping (may be null)
#ifdef CRASHCTL_VERSION
  std::string tool_version = CRASHCTL_VERSION;  // JSON "tool.version"
#else
  std::string tool_version = "unknown";  // the CLI sets the project version
#endif
};

void render_text(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);
void render_json(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);
void render_editor(llvm::raw_ostream &, const std::vector<Input> &, const RenderOptions &);

}  // namespace crashctl
