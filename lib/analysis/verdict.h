// The root-cause verdict: class (formats/taxonomy.md), recoverability,
// summary, explanation, crashing goroutine and culprit frame.
#pragma once

#include "model/report.h"

#include <string>
#include <vector>

namespace crashctl {

struct AnalysisOptions {
  // Import path prefix of the program's own module (--module); empty: infer.
  std::string module;
};

// Which frames count as the program's own code.
class InAppRules {
public:
  explicit InAppRules(const AnalysisOptions &opts) : module_(opts.module) {}
  // Runtime, panic, compiler wrappers: never blamed.
  static bool is_runtime(const Frame &f);
  // Standard library (first path element has no dot), including testing.
  static bool is_stdlib(const Frame &f);
  // Module-cache and vendored code.
  static bool is_dependency(const Frame &f);
  // The main module's code: not runtime, stdlib or a dependency; within
  // --module when given.
  bool in_app(const Frame &f) const;

private:
  std::string module_;
};

// Fills report.verdict from report.process.
void analyze_report(Report &report, const AnalysisOptions &opts);

// Stack overflow: the shortest repeating cycle of functions, innermost first.
std::vector<std::string> find_recursion_cycle(const Stack &stack);

}  // namespace crashctl
