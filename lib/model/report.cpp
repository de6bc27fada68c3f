#include "model/report.h"

#include "support/limits.h"

#include <utility>

namespace crashctl {

const char *to_string(InputFormat f) {
  switch (f) {
    case InputFormat::Traceback: return "traceback";
    case InputFormat::Core: return "core";
    case InputFormat::HeapDump: return "heapdump";
    case InputFormat::Profile: return "profile";
    case InputFormat::Unknown: return "unknown";
  }
  return "unknown";
}

const char *to_string(Compression c) {
  switch (c) {
    case Compression::None: return "none";
    case Compression::Gzip: return "gzip";
    case Compression::Zstd: return "zstd";
  }
  return "none";
}

const char *to_string(ExecutableSource s) {
  switch (s) {
    case ExecutableSource::Argument: return "argument";
    case ExecutableSource::CorePath: return "core-path";
    case ExecutableSource::DebugDir: return "debug-dir";
    case ExecutableSource::Debuginfod: return "debuginfod";
  }
  return "argument";
}

const char *to_string(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

const char *to_string(ReportKind k) {
  switch (k) {
    case ReportKind::Crash: return "crash";
    case ReportKind::Snapshot: return "snapshot";
    case ReportKind::Race: return "race";
    case ReportKind::Recovered: return "recovered";
  }
  return "crash";
}

void SourceLinks::set(std::string file, Pieces pieces) {
  if (!by_file_)
    by_file_ = std::make_shared<std::unordered_map<std::string, Pieces>>();
  else if (by_file_.use_count() > 1)
    by_file_ = std::make_shared<std::unordered_map<std::string, Pieces>>(*by_file_);
  (*by_file_)[std::move(file)] = std::move(pieces);
}

std::string SourceLinks::url(const std::string &file, int line) const {
  if (!by_file_ || line <= 0) return "";
  auto it = by_file_->find(file);
  if (it == by_file_->end() || it->second.empty()) return "";
  std::string out = it->second.front();
  for (size_t i = 1; i < it->second.size(); ++i) out += std::to_string(line) + it->second[i];
  return out;
}

namespace {

constexpr std::pair<VerdictClass, const char *> kClassIds[] = {
    {VerdictClass::NilPointerDereference, "nil-pointer-dereference"},
    {VerdictClass::IndexOutOfRange, "index-out-of-range"},
    {VerdictClass::SliceBoundsOutOfRange, "slice-bounds-out-of-range"},
    {VerdictClass::NilMapAssignment, "nil-map-assignment"},
    {VerdictClass::TypeAssertion, "type-assertion"},
    {VerdictClass::DivideByZero, "divide-by-zero"},
    {VerdictClass::ClosedChannel, "closed-channel"},
    {VerdictClass::RuntimeError, "runtime-error"},
    {VerdictClass::ExplicitPanic, "explicit-panic"},
    {VerdictClass::ConcurrentMapAccess, "concurrent-map-access"},
    {VerdictClass::Deadlock, "deadlock"},
    {VerdictClass::StackOverflow, "stack-overflow"},
    {VerdictClass::OutOfMemory, "out-of-memory"},
    {VerdictClass::UnlockOfUnlockedMutex, "unlock-of-unlocked-mutex"},
    {VerdictClass::CgoSignal, "cgo-signal"},
    {VerdictClass::RuntimeFatal, "runtime-fatal"},
    {VerdictClass::ExternalSignal, "external-signal"},
    {VerdictClass::TestTimeout, "test-timeout"},
    {VerdictClass::DataRace, "data-race"},
    {VerdictClass::Snapshot, "snapshot"},
    {VerdictClass::Unknown, "unknown"},
};

}  // namespace

const char *to_string(VerdictClass c) {
  for (const auto &[cls, id] : kClassIds)
    if (cls == c) return id;
  return "unknown";
}

std::optional<VerdictClass> parse_verdict_class(std::string_view id) {
  for (const auto &[cls, name] : kClassIds)
    if (id == name) return cls;
  return std::nullopt;
}

void Input::add_report(Report &&r) {
  ++report_count;
  if (on_report)
    on_report(std::move(r));
  else
    reports.push_back(std::move(r));
}

void Input::add_diagnostic(Diagnostic d) {
  // Errors are kept even past the limit: they say why an input failed.
  if (diagnostics.size() < resource_limits().diagnostics_per_input || d.severity == Severity::Error) {
    diagnostics.push_back(std::move(d));
    return;
  }
  ++diagnostics_dropped;
}

}  // namespace crashctl
