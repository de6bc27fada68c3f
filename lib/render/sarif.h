// SARIF 2.1.0 (formats/sarif.md), shared by analyze's renderer (a result per
// report) and triage's (a result per bucket): the log with its rules, and
// locations with paths relative to the module root where they can be.
#pragma once

#include "model/report.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace crashctl {
class SourcePathMapper;
}

namespace crashctl::sarif {

// partialFingerprints key of verdict.signature (formats/signature.md, v2).
inline constexpr const char *kFingerprintKey = "crashctl/signature/v1";
// The base of relative URIs: the main module's root (the checkout).
inline constexpr const char *kSourceRoot = "%SRCROOT%";

struct Paths {
  std::string module;                        // the main module's import path ("" unknown)
  const SourcePathMapper *mapper = nullptr;  // --source-root, --path-map
};

// S as an owned JSON string (results outlive the report they came from);
// invalid UTF-8 repaired.
llvm::json::Value text(llvm::StringRef s);
// A location of FILE:LINE in FUNCTION; the file relative to %SRCROOT% when
// it lies in the main module (a -trimpath path under its import path, or a
// file under --source-root), else an absolute file:// URI, else as it is.
llvm::json::Object location(const Frame &f, const Paths &paths);
// "error" for a crash or race, "warning" for a recovered panic, "note" for a
// snapshot.
const char *level(ReportKind kind);

struct Tool {
  std::string version;          // crashctl's
  std::string information_uri;  // "" leaves it out
  std::string source_root;      // --source-root, for %SRCROOT%'s uri ("" none)
};
// A result's ruleId and ruleIndex for CLS.
void rule_reference(llvm::json::Object &result, VerdictClass cls);
// The whole log: one run with every class as a rule, and RESULTS.
void write_log(llvm::raw_ostream &os, const Tool &tool, std::vector<llvm::json::Value> results);

}  // namespace crashctl::sarif
