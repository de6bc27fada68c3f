#include "pipeline/analyze.h"

#include "analysis/groups.h"
#include "analysis/signature.h"
#include "io/input.h"
#include "traceback/decoder.h"

namespace crashctl {

static void decode_opened(OpenedInput &in, Input &out, const AnalysisOptions &opts) {
  out.format = in.format;
  out.compression = in.compression;
  switch (in.format) {
  case InputFormat::Traceback:
    decode_traceback(*in.source, out);
    break;
  case InputFormat::Core:
    out.failed = true;
    out.diagnostics.push_back({Severity::Error, 0,
                               "ELF core dumps are recognized but not decoded yet; "
                               "analyze the crash text (stderr) for now"});
    break;
  case InputFormat::HeapDump:
    out.failed = true;
    out.diagnostics.push_back({Severity::Error, 0,
                               "Go heap dumps are recognized but not decoded yet"});
    break;
  case InputFormat::Unknown:
    out.failed = true;
    out.diagnostics.push_back({Severity::Error, 0, "unsupported input"});
    break;
  }
  InAppRules rules(opts);
  for (Report &r : out.reports) {
    analyze_report(r, opts);
    group_goroutines(r, LeakOptions{});
    compute_signature(r, rules, SignatureOptions{});
  }
}

static Input failed_input(const std::string &path, llvm::Error err) {
  Input out;
  out.path = path;
  out.failed = true;
  out.diagnostics.push_back({Severity::Error, 0, llvm::toString(std::move(err))});
  return out;
}

Input analyze_input(const std::string &path, const AnalysisOptions &opts) {
  auto opened = open_input(path);
  if (!opened) return failed_input(path, opened.takeError());
  Input out;
  out.path = path;
  decode_opened(*opened, out, opts);
  return out;
}

Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts) {
  auto opened = open_source(memory_source(bytes, name), name);
  if (!opened) return failed_input(name, opened.takeError());
  Input out;
  out.path = name;
  decode_opened(*opened, out, opts);
  return out;
}

int exit_status(const std::vector<Input> &inputs) {
  bool any_failed = false, any_report = false;
  for (const Input &in : inputs) {
    any_failed |= in.failed;
    any_report |= !in.reports.empty();
  }
  if (any_failed) return 2;
  return any_report ? 0 : 1;
}

}  // namespace crashctl
