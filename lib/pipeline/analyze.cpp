#include "pipeline/analyze.h"

#include "analysis/attribution.h"
#include "analysis/groups.h"
#include "analysis/recover.h"
#include "analysis/signature.h"
#include "analysis/waits.h"
#include "core/decoder.h"
#include "heapdump/decoder.h"
#include "io/input.h"
#include "profile/goroutine_profile.h"
#include "support/limits.h"
#include "traceback/decoder.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>

namespace crashctl {

namespace {

// Analyzes each report as the decoder finishes it and hands it to SINK one
// report late, so that the sink learns which report is an input's last.
class AnalyzingForwarder {
public:
  AnalyzingForwarder(Input &out, const AnalysisOptions &opts, const Attribution &attr, const SourceAnnotator &sources,
                     ReportSink &sink)
      : out_(out), opts_(opts), attr_(attr), sources_(sources), sink_(sink), rules_(opts) {
    out.on_report = [this](Report &&r) { take(std::move(r)); };
  }
  ~AnalyzingForwarder() { out_.on_report = nullptr; }
  void finish() {
    if (held_) sink_.report(out_, std::move(*held_), index_++, /*last=*/true);
    held_.reset();
  }

private:
  void take(Report &&r) {
    r.format = out_.format;
    analyze_report(r, opts_);
    add_confidence(r);
    attribute_culprit(r, attr_);  // with the build info of a core
    group_goroutines(r, rules_);  // before the links: they are found from the groups' stacks
    notes_.clear();
    sources_.annotate(r, attr_, notes_);
    for (std::string &note : notes_)  // once per input: many reports may share a culprit
      if (noted_.insert(note).second) out_.add_diagnostic(Severity::Note, r.offset, std::move(note));
    explain_recover(r);
    explain_waits(r, rules_);
    SignatureOptions sig;
    sig.with_lines = opts_.signature_lines;
    compute_signature(r, rules_, sig);
    if (held_) sink_.report(out_, std::move(*held_), index_++, /*last=*/false);
    held_ = std::move(r);
  }
  Input &out_;
  const AnalysisOptions &opts_;
  const Attribution &attr_;
  const SourceAnnotator &sources_;
  ReportSink &sink_;
  InAppRules rules_;
  std::vector<std::string> notes_;
  std::set<std::string> noted_;
  std::optional<Report> held_;
  size_t index_ = 0;
};

// Keeps every report (the vector-returning entry points).
class CollectingSink final : public ReportSink {
public:
  void report(const Input &, Report &&r, size_t, bool) override { reports.push_back(std::move(r)); }
  std::vector<Report> reports;
};

// The decoder of each input kind, like Delve's openFns, with the Go releases
// whose real output it is tested on (the formats/ page of each says which).
struct DecoderEntry {
  InputFormat format;
  DecodeFn decode;
  const char *oldest_go, *newest_go;
};
const DecoderEntry kDecoders[] = {
    {InputFormat::Traceback, decode_traceback, "go1.2", "go1.27"},        // formats/traceback.md
    {InputFormat::Core, decode_core, "go1.21", "go1.27"},                 // formats/core.md
    {InputFormat::HeapDump, decode_heapdump, "go1.21", "go1.27"},         // formats/heapdump.md
    {InputFormat::Profile, profile::decode_profile, "go1.23", "go1.27"},  // formats/profile.md
};

DecodeFn decoder_for(InputFormat format) {
  for (const DecoderEntry &e : kDecoders)
    if (e.format == format) return e.decode;
  return nullptr;
}

}  // namespace

std::vector<GoReleases> supported_go_releases() {
  std::vector<GoReleases> out;
  for (const DecoderEntry &e : kDecoders) out.push_back({e.format, e.oldest_go, e.newest_go});
  return out;
}

static void decode_opened(OpenedInput &in, Input &out, const AnalysisOptions &opts, const Attribution &attr,
                          const SourceAnnotator &sources, ReportSink &sink) {
  out.format = in.format;
  out.compression = in.compression;
  sink.begin_input(out);
  AnalyzingForwarder forward(out, opts, attr, sources, sink);
  if (DecodeFn decode = decoder_for(in.format)) {
    decode(in, out, opts);
  } else {
    out.failed = true;
    out.add_diagnostic({Severity::Error, 0, "unsupported input"});
  }
  forward.finish();
  if (out.diagnostics_dropped)
    out.diagnostics.push_back({Severity::Warning, out.size,
                               std::to_string(out.diagnostics_dropped) +
                                   " more warnings were dropped (--limit diagnostics-per-input=" +
                                   std::to_string(resource_limits().diagnostics_per_input) + ")"});
}

static void out_of_memory(Input &out, const ByteSource &src) {
  out.failed = true;
  out.size = std::max(out.size, src.delivered());
  uint64_t limit = resource_limits().memory_bytes;
  out.add_diagnostic(
      {Severity::Error, src.delivered(),
       "out of memory while reading " + out.path + " at byte " + std::to_string(src.delivered()) +
           (limit ? " (the address space is limited to " + std::to_string(limit) + " bytes: --limit memory-bytes)"
                  : std::string())});
}

// Running out of memory on one input fails that input; the others go on.
static void decode_guarded(OpenedInput &in, Input &out, const AnalysisOptions &opts, const Attribution &attr,
                           const SourceAnnotator &sources, ReportSink &sink) {
  try {
    decode_opened(in, out, opts, attr, sources, sink);
  } catch (const std::bad_alloc &) {
    out_of_memory(out, *in.source);
  } catch (const std::length_error &) {  // a size past what the library allows
    out_of_memory(out, *in.source);
  }
}

static Input failed_input(const std::string &path, llvm::Error err) {
  Input out;
  out.path = path;
  out.failed = true;
  out.add_diagnostic({Severity::Error, 0, llvm::toString(std::move(err))});
  return out;
}

// LOAD()'s result (or its error) for KEY, loaded once per distinct key and
// shared by every input and thread that asks with equal options.
template <class T, class Load>
static llvm::Expected<std::shared_ptr<const T>> load_once(const std::string &key, Load load) {
  struct Entry {
    std::shared_ptr<const T> value;
    std::string error;
  };
  static std::mutex mu;
  static std::map<std::string, Entry> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it == cache.end()) {
    Entry e;
    auto loaded = load();
    if (loaded)
      e.value = std::shared_ptr<const T>(std::move(*loaded));
    else
      e.error = llvm::toString(loaded.takeError());
    it = cache.emplace(key, std::move(e)).first;
  }
  if (!it->second.value) return llvm::createStringError(llvm::inconvertibleErrorCode(), it->second.error);
  return it->second.value;
}

llvm::Expected<std::shared_ptr<const Attribution>> load_attribution(const AnalysisOptions &opts) {
  // Everything Attribution::load and InAppRules read, so equal keys give
  // equal attributions.
  std::string key;
  for (const std::string *s : {&opts.module, &opts.codeowners, &opts.owners, &opts.source_root}) key += *s + '\0';
  for (const auto *list : {&opts.in_app, &opts.not_in_app}) {
    for (const std::string &s : *list) key += s + '\x1f';
    key += '\0';
  }
  return load_once<Attribution>(key, [&] { return Attribution::load(opts); });
}

llvm::Expected<std::shared_ptr<const SourceAnnotator>> load_source_annotator(const AnalysisOptions &opts) {
  // Everything SourceAnnotator::load reads.
  std::string key;
  for (const std::string *s :
       {&opts.source_root, &opts.revision, &opts.source_url, &opts.go_env.goroot, &opts.go_env.module_cache})
    key += *s + '\0';
  for (const std::string &m : opts.path_maps) key += m + '\x1f';
  return load_once<SourceAnnotator>(key, [&] { return SourceAnnotator::load(opts); });
}

Input analyze_input(const std::string &path, const AnalysisOptions &opts, const Attribution &attr, ReportSink &sink) {
  auto fail = [&](llvm::Error err) {
    Input out = failed_input(path, std::move(err));
    sink.begin_input(out);
    sink.end_input(out);
    return out;
  };
  auto sources = load_source_annotator(opts);
  if (!sources) return fail(sources.takeError());
  auto opened = open_input(path);
  if (!opened) return fail(opened.takeError());
  Input out;
  out.path = path;
  decode_guarded(*opened, out, opts, attr, **sources, sink);
  sink.end_input(out);
  return out;
}

Input analyze_input(const std::string &path, const AnalysisOptions &opts, const Attribution &attr) {
  CollectingSink keep;
  Input out = analyze_input(path, opts, attr, keep);
  out.reports = std::move(keep.reports);
  return out;
}

Input analyze_input(const std::string &path, const AnalysisOptions &opts) {
  auto attr = load_attribution(opts);
  if (!attr) return failed_input(path, attr.takeError());
  return analyze_input(path, opts, **attr);
}

Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts,
                    const Attribution &attr, ReportSink &sink) {
  auto sources = load_source_annotator(opts);
  if (!sources) {
    Input out = failed_input(name, sources.takeError());
    sink.begin_input(out);
    sink.end_input(out);
    return out;
  }
  auto opened = open_source(memory_source(bytes, name), name);
  if (!opened) {
    Input out = failed_input(name, opened.takeError());
    sink.begin_input(out);
    sink.end_input(out);
    return out;
  }
  Input out;
  out.path = name;
  decode_guarded(*opened, out, opts, attr, **sources, sink);
  sink.end_input(out);
  return out;
}

Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts,
                    const Attribution &attr) {
  CollectingSink keep;
  Input out = analyze_bytes(bytes, name, opts, attr, keep);
  out.reports = std::move(keep.reports);
  return out;
}

Input analyze_bytes(std::string_view bytes, const std::string &name, const AnalysisOptions &opts) {
  auto attr = load_attribution(opts);
  if (!attr) return failed_input(name, attr.takeError());
  return analyze_bytes(bytes, name, opts, **attr);
}

int exit_status(const std::vector<Input> &inputs) {
  bool any_failed = false, any_report = false;
  for (const Input &in : inputs) {
    any_failed |= in.failed;
    any_report |= in.report_count > 0 || !in.reports.empty();
  }
  if (any_failed) return 2;
  return any_report ? 0 : 1;
}

}  // namespace crashctl
