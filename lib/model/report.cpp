#include "model/report.h"

#include "support/limits.h"

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
  if (!by_file_) by_file_ = std::make_shared<std::unordered_map<std::string, Pieces>>();
  else if (by_file_.use_count() > 1) by_file_ = std::make_shared<std::unordered_map<std::string, Pieces>>(*by_file_);
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

void Input::add_report(Report &&r) {
  ++report_count;
  if (on_report) on_report(std::move(r));
  else reports.push_back(std::move(r));
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
