// The whole pipeline for one input: open, decompress, detect, decode,
// analyze. The CLI and tests call this; renderers take its result.
#pragma once

#include "analysis/attribution.h"
#include "analysis/verdict.h"
#include "model/report.h"
#include "source/annotate.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace crashctl {

// The attribution data of OPTS (CODEOWNERS, --owners, go.mod and
// vendor/modules.txt under --source-root), read once per distinct options and
// cached for the process (thread-safe). Fails, naming the file and line, on
// an unreadable file or a bad --owners line; call it before analyzing many
// inputs to report that once.
llvm::Expected<std::shared_ptr<const Attribution>> load_attribution(const AnalysisOptions &opts);

// The source annotator of OPTS (--path-map, --source-root's git repository,
// --revision, --source-url, the local Go environment), loaded once per
// distinct options and cached for the process (thread-safe). Fails on a bad
// --path-map or --source-url. Every analyze_* loads it; a failure fails the input.
llvm::Expected<std::shared_ptr<const SourceAnnotator>> load_source_annotator(const AnalysisOptions &opts);

// Streaming: every report goes to SINK, none stays in the returned Input
// (which counts them in report_count).
Input analyze_input(const std::string &path, const AnalysisOptions &opts, const Attribution &attr, ReportSink &sink);
Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts,
                    const Attribution &attr, ReportSink &sink);

// Never throws and never aborts on bad input: failures become diagnostics
// (with the byte offset) and Input::failed. Without ATTR, load_attribution(opts)
// is used (an error loading it fails the input).
Input analyze_input(const std::string &path, const AnalysisOptions &opts);
Input analyze_input(const std::string &path, const AnalysisOptions &opts, const Attribution &attr);

// Same, on bytes already in memory (tests, fuzzing).
Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts);
Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts,
                    const Attribution &attr);

// The Go releases an input kind is read from: the oldest and the newest
// whose real output its decoder is tested on. Logs are read by the crash-text
// decoder (Traceback). `crashctl --version` prints them.
struct GoReleases {
  InputFormat format;
  const char *oldest;  // "go1.21"
  const char *newest;  // "go1.27"
};
std::vector<GoReleases> supported_go_releases();

// Exit status for a set of analyzed inputs (formats/output.md):
// 0 a crash, race or snapshot was recognized in every readable input,
// 1 nothing recognizable, 2 an input could not be read.
int exit_status(const std::vector<Input> &inputs);

}  // namespace crashctl
