// The whole pipeline for one input: open, decompress, detect, decode,
// analyze. The CLI and tests call this; renderers take its result.
#pragma once

#include "analysis/verdict.h"
#include "model/report.h"

#include <string>
#include <vector>

namespace crashctl {

// Never throws and never aborts on bad input: failures become diagnostics
// (with the byte offset) and Input::failed.
Input analyze_input(const std::string &path, const AnalysisOptions &opts);

// Same, on bytes already in memory (tests, fuzzing).
Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts);

// Exit status for a set of analyzed inputs (formats/output.md):
// 0 a crash, race or snapshot was recognized in every readable input,
// 1 nothing recognizable, 2 an input could not be read.
int exit_status(const std::vector<Input> &inputs);

}  // namespace crashctl
