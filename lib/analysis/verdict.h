// The root-cause verdict: class (formats/taxonomy.md), recoverability,
// summary, explanation, crashing goroutine and culprit frame.
#pragma once

#include "analysis/source_paths.h"
#include "io/decode.h"
#include "model/report.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crashctl {

// Decoding options (--exe, --debug-dir, progress) and analysis options.
struct AnalysisOptions : DecodeOptions {
  // Import path prefix of the program's own module (--module); empty: infer.
  std::string module;
  // --in-app / --not-in-app: a package path (matching it and its
  // subpackages) or a glob over function names ("*.Handle*").
  std::vector<std::string> in_app, not_in_app;
  // Attribution (formats/attribution.md): --codeowners FILE (else found under
  // source_root), --owners FILE, --source-root DIR (the local checkout; also
  // used to map build-machine paths for editors). Empty: not given.
  std::string codeowners, owners, source_root;
  // Source context, suspect commit and links (lib/source,
  // formats/attribution.md): --path-map OLD=NEW rules, --revision (the main
  // module's commit when the build info records none), --source-url TEMPLATE.
  std::vector<std::string> path_maps;
  std::string revision, source_url;
  // Where Go keeps sources on this machine; empty: not looked at (the CLI
  // detects it, LocalGoEnvironment::detect).
  LocalGoEnvironment go_env;
  // --signature-lines: signature frames compare by function and line.
  bool signature_lines = false;
};

// Which frames count as the program's own code.
class InAppRules {
public:
  explicit InAppRules(const AnalysisOptions &opts)
      : module_(opts.module), in_app_(opts.in_app), not_in_app_(opts.not_in_app) {}
  // Runtime, panic, compiler wrappers: never blamed.
  static bool is_runtime(const Frame &f);
  // Standard library (first path element has no dot), including testing.
  static bool is_stdlib(const Frame &f);
  // Module-cache and vendored code.
  static bool is_dependency(const Frame &f);
  // Whether F's file lies where its package is built from: an absolute path,
  // or under the package's import path (-trimpath); not for generated code
  // with //line directives, relative paths or a missing file line.
  static bool built_from_package_dir(const Frame &f);
  // The main module's code: not runtime, stdlib or a dependency; within
  // --module when given.
  bool in_app(const Frame &f) const;

private:
  // Length of the longest pattern matching f, 0 for none.
  static size_t match_length(const std::vector<std::string> &patterns, const Frame &f);
  std::string module_;
  std::vector<std::string> in_app_, not_in_app_;
};

// The frame that says what a goroutine is doing: its first in-app frame,
// else its first frame outside the runtime, else its top frame; null if none.
const Frame *telling_frame(const std::vector<Frame> &frames, const InAppRules &rules);

// Fills report.verdict from report.process.
void analyze_report(Report &report, const AnalysisOptions &opts);
// The verdict of a recovered panic (report.kind Recovered).
void explain_recovered(Report &report, const InAppRules &rules);
// Marks the verdict low-confidence where it rests on partial evidence
// (report.evidence_gaps, a crash without its traceback or message).
void add_confidence(Report &report);

// Stack overflow: the shortest repeating cycle of functions, innermost first.
std::vector<std::string> find_recursion_cycle(const Stack &stack);

}  // namespace crashctl
