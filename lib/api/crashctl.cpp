// include/crashctl/crashctl.h over the pipeline and the renderers: the
// library API's types are copies of the model's, so that its header needs
// no LLVM and no internal header.
#include "crashctl/crashctl.h"

#include "analysis/source_paths.h"
#include "pipeline/analyze.h"
#include "render/render.h"
#include "support/limits.h"

#include "llvm/Support/raw_os_ostream.h"

#include <stdexcept>

namespace crashctl::api {

namespace {

AnalysisOptions analysis_options(const Options &o) {
  AnalysisOptions a;
  a.module = o.module;
  a.in_app = o.in_app;
  a.not_in_app = o.not_in_app;
  a.codeowners = o.codeowners;
  a.owners = o.owners;
  a.source_root = o.source_root;
  a.exe = o.exe;
  a.debug_dirs = o.debug_dirs;
  a.signature_lines = o.signature_lines;
  a.progress = false;  // a library draws nothing on the terminal
  return a;
}

std::shared_ptr<const Attribution> attribution(const AnalysisOptions &opts) {
  auto attr = load_attribution(opts);
  if (!attr) throw std::invalid_argument(llvm::toString(attr.takeError()));
  return *attr;
}

api::Report summary(const crashctl::Report &r) {
  api::Report s;
  s.kind = to_string(r.kind);
  if (r.verdict.cls) s.verdict_class = to_string(*r.verdict.cls);
  s.summary = r.verdict.summary;
  s.explanation = r.verdict.explanation;
  s.recoverable = r.verdict.recoverable;
  s.low_confidence = r.verdict.low_confidence;
  s.goroutine = r.verdict.goroutine;
  if (r.verdict.culprit) {
    const crashctl::Culprit &c = *r.verdict.culprit;
    api::Culprit out;
    out.function = c.frame.function;
    out.file = c.frame.file;
    out.line = c.frame.line;
    out.module = c.module;
    out.version = c.version;
    out.owner = c.owner;
    s.culprit = std::move(out);
  }
  s.signature = r.verdict.signature;
  s.go_version = r.process.go_version.version;
  s.goroutines = r.process.goroutines.size();
  s.offset = r.offset;
  return s;
}

// Keeps each report's summary and lets the report go.
class SummarySink final : public ReportSink {
public:
  explicit SummarySink(Analysis &out) : out_(out) {}
  void report(const Input &, crashctl::Report &&r, size_t, bool) override { out_.reports.push_back(summary(r)); }

private:
  Analysis &out_;
};

Analysis finish(const Input &in, Analysis &&a) {
  a.path = in.path;
  a.format = to_string(in.format);
  a.failed = in.failed;
  for (const crashctl::Diagnostic &d : in.diagnostics)
    a.diagnostics.push_back({to_string(d.severity), d.offset, d.message});
  return std::move(a);
}

}  // namespace

const char *version() {
  return CRASHCTL_VERSION;
}
const char *json_schema_version() {
  return kJsonSchemaVersion;
}

Analysis analyze_file(const std::string &path, const Options &options) {
  AnalysisOptions opts = analysis_options(options);
  auto attr = attribution(opts);
  Analysis a;
  SummarySink sink(a);
  Input in = analyze_input(path, opts, *attr, sink);
  return finish(in, std::move(a));
}

Analysis analyze_bytes(std::string_view bytes, const std::string &name, const Options &options) {
  AnalysisOptions opts = analysis_options(options);
  auto attr = attribution(opts);
  Analysis a;
  SummarySink sink(a);
  Input in = crashctl::analyze_bytes(bytes, name, opts, *attr, sink);
  return finish(in, std::move(a));
}

int exit_status(const std::vector<Analysis> &analyses) {
  bool any_failed = false, any_report = false;
  for (const Analysis &a : analyses) {
    any_failed |= a.failed;
    any_report |= !a.reports.empty();
  }
  if (any_failed) return 2;
  return any_report ? 0 : 1;
}

int render(const std::vector<std::string> &paths, Format format, std::ostream &out, const Options &options) {
  AnalysisOptions opts = analysis_options(options);
  SourcePathMapper paths_mapper;
  for (const std::string &m : options.path_maps)
    if (llvm::Error err = paths_mapper.add_path_map(m))
      throw std::invalid_argument("path map " + m + ": " + llvm::toString(std::move(err)));
  if (!opts.source_root.empty()) paths_mapper.set_source_root(opts.source_root);
  paths_mapper.set_go_environment(LocalGoEnvironment::detect());
  auto attr = attribution(opts);

  RenderOptions ropts;
  ropts.paths = &paths_mapper;
  ropts.tool_version = CRASHCTL_VERSION;
  llvm::raw_os_ostream os(out);
  OutputFormat f = format == Format::Json     ? OutputFormat::Json
                   : format == Format::Editor ? OutputFormat::Editor
                   : format == Format::Html   ? OutputFormat::Html
                   : format == Format::Sarif  ? OutputFormat::Sarif
                                              : OutputFormat::Text;
  auto renderer = make_renderer(f, os, ropts);
  std::vector<Input> inputs;  // without their reports: for the exit status
  for (const std::string &p : paths) inputs.push_back(analyze_input(p, opts, *attr, *renderer));
  renderer->finish();
  os.flush();
  return crashctl::exit_status(inputs);
}

void set_limit(const std::string &name_equals_value) {
  ResourceLimits limits = resource_limits();
  if (llvm::Error err = apply_resource_limit(limits, name_equals_value))
    throw std::invalid_argument(llvm::toString(std::move(err)));
  set_resource_limits(limits);
}

}  // namespace crashctl::api
