// Output of crashctl diff: text for people, JSON for scripts (formats/diff.md,
// formats/diff.schema.json). Renderers only read the result; they never fail.
#pragma once

#include "analysis/diff.h"

#include "llvm/Support/raw_ostream.h"

#include <string>

namespace crashctl {

// The version of the diff JSON document, formats/diff.md "Versioning".
inline constexpr const char *kDiffSchemaVersion = "1.2.0";

struct DiffRenderOptions {
  bool show_unchanged = false;  // text: list unchanged groups too (JSON always does)
  bool color = false;           // text: leaks and growth in colour
#ifdef CRASHCTL_VERSION
  std::string tool_version = CRASHCTL_VERSION;
#else
  std::string tool_version = "unknown";
#endif
};

void render_diff_text(llvm::raw_ostream &, const DiffResult &, const DiffRenderOptions &);
void render_diff_json(llvm::raw_ostream &, const DiffResult &, const DiffRenderOptions &);

}  // namespace crashctl
