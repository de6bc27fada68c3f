// --format sarif: SARIF 2.1.0 for code-scanning dashboards and editors
// (formats/sarif.md). Results are small (a report's verdict and its crashing
// goroutine's frames), so they are kept until the log is written at the end.
#include "render/sarif.h"

#include "render/render.h"
#include "render/render_util.h"

#include "analysis/source_paths.h"
#include "analysis/taxonomy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

namespace crashctl::sarif {

namespace json = llvm::json;

namespace {

// RFC 3986 path characters kept, the rest percent-encoded.
std::string uri_path(llvm::StringRef path) {
  return render_detail::percent_encoded(path, "/-._~!$&'()*+,;=:@");
}

}  // namespace

json::Value text(llvm::StringRef s) {
  return json::isUTF8(s) ? json::Value(s.str()) : json::Value(json::fixUTF8(s));
}

json::Object location(const Frame &f, const Paths &paths) {
  json::Object loc;
  if (!f.file.empty() && f.file[0] != '<' && !f.non_go) {
    std::string file = f.file, base;
    if (!paths.module.empty() && llvm::StringRef(file).starts_with(paths.module + "/")) {
      file = file.substr(paths.module.size() + 1);  // -trimpath: under the module's import path
      base = kSourceRoot;
    } else if (paths.mapper && !paths.mapper->source_root().empty()) {
      auto found = paths.mapper->find(file);  // not "exists here": the checkout's copy
      std::string local = found ? found->path : paths.mapper->map(file);
      std::string root = paths.mapper->source_root();
      while (!root.empty() && root.back() == '/') root.pop_back();
      if (llvm::StringRef(local).starts_with(root + "/")) {
        file = local.substr(root.size() + 1);
        base = kSourceRoot;
      }
    }
    json::Object artifact;
    if (!base.empty()) {
      artifact["uri"] = uri_path(file);
      artifact["uriBaseId"] = base;
    } else if (is_absolute(file)) {
      artifact["uri"] = "file://" + uri_path(file[0] == '/' ? file : "/" + file);
    } else {
      artifact["uri"] = uri_path(file);
    }
    json::Object physical{{"artifactLocation", std::move(artifact)}};
    if (f.line > 0) physical["region"] = json::Object{{"startLine", int64_t(f.line)}};
    loc["physicalLocation"] = std::move(physical);
  }
  if (!f.function.empty())
    loc["logicalLocations"] = json::Array{json::Object{{"fullyQualifiedName", text(f.function)}, {"kind", "function"}}};
  else
    loc["message"] = json::Object{{"text", "non-Go function"}};
  return loc;
}

const char *level(ReportKind kind) {
  switch (kind) {
    case ReportKind::Recovered: return "warning";
    case ReportKind::Snapshot: return "note";
    case ReportKind::Crash:
    case ReportKind::Race: break;
  }
  return "error";
}

void rule_reference(json::Object &result, VerdictClass cls) {
  result["ruleId"] = to_string(cls);
  auto classes = verdict_classes();
  for (size_t i = 0; i < classes.size(); ++i)
    if (classes[i].cls == cls) result["ruleIndex"] = int64_t(i);
}

void write_log(llvm::raw_ostream &os, const Tool &tool, std::vector<json::Value> results) {
  json::Array rules;
  for (const ClassInfo &c : verdict_classes()) {
    std::string help = std::string("crashctl explain ") + to_string(c.cls) + ", formats/taxonomy.md";
    rules.push_back(json::Object{
        {"id", to_string(c.cls)},
        {"name", to_string(c.cls)},
        {"shortDescription", json::Object{{"text", c.title}}},
        {"fullDescription", json::Object{{"text", c.explanation}}},
        {"help", json::Object{{"text", help}}},
        {"defaultConfiguration", json::Object{{"level", c.cls == VerdictClass::Snapshot ? "note" : "error"}}},
        {"properties", json::Object{{"recoverable", c.recoverable}, {"crashText", c.shows}}},
    });
  }
  json::Object driver{{"name", "crashctl"}, {"version", text(tool.version)}, {"rules", std::move(rules)}};
  if (!tool.information_uri.empty()) driver["informationUri"] = text(tool.information_uri);
  json::Object root_base;
  if (!tool.source_root.empty()) {
    llvm::SmallString<256> abs(tool.source_root);
    llvm::sys::fs::make_absolute(abs);
    std::string root = abs.str().str();
    if (root.back() != '/') root += '/';
    root_base["uri"] = "file://" + uri_path(root[0] == '/' ? root : "/" + root);
  } else {
    root_base["description"] = json::Object{{"text", "The root of the main module (the checkout it was built from)"}};
  }
  json::Object run{
      {"tool", json::Object{{"driver", std::move(driver)}}},
      {"originalUriBaseIds", json::Object{{kSourceRoot, std::move(root_base)}}},
      {"columnKind", "unicodeCodePoints"},
      {"results", json::Array(std::move(results))},
  };
  json::Object log{
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", json::Array{std::move(run)}},
  };
  os << llvm::formatv("{0:2}", json::Value(std::move(log))) << '\n';
}

}  // namespace crashctl::sarif

namespace crashctl {

namespace {

using namespace render_detail;
using sarif::text;
namespace json = llvm::json;

class SarifRenderer final : public ReportRenderer {
public:
  SarifRenderer(llvm::raw_ostream &os, const RenderOptions &opts) : os_(os), opts_(opts) {}
  ~SarifRenderer() override { finish(); }

  void render(const Input &in, const Report &r, size_t, bool) override {
    const Verdict &v = r.verdict;
    sarif::Paths paths{v.culprit ? v.culprit->module : std::string(), opts_.paths};
    if (paths.module == "std") paths.module.clear();
    json::Object result;
    sarif::rule_reference(result, v.cls.value_or(VerdictClass::Unknown));
    result["level"] = sarif::level(r.kind);
    result["message"] = json::Object{{"text", text(v.summary.empty() ? verdict_class(v).str() : v.summary)}};
    const Goroutine *g = crashing_goroutine(r);
    const std::vector<Frame> &frames = g ? frames_of(g->stack) : frames_of(StackRef());
    // The culprit, else the crashing goroutine's first frame with a file.
    const Frame *where = v.culprit ? &v.culprit->frame : nullptr;
    for (size_t i = 0; !where && i < frames.size(); ++i)
      if (!frames[i].file.empty() && frames[i].line > 0 && !frames[i].non_go) where = &frames[i];
    result["locations"] = where ? json::Array{sarif::location(*where, paths)} : json::Array{};
    if (!v.signature.empty()) result["partialFingerprints"] = json::Object{{sarif::kFingerprintKey, v.signature}};
    if (g && !frames.empty()) {
      std::string name = "goroutine " + goroutine_id(*g) + " [" + goroutine_state(*g) + "]";
      size_t culprit = v.culprit ? v.culprit->frame_index : SIZE_MAX;
      json::Array stack_frames, flow;
      for (size_t i = 0; i < frames.size(); ++i) {
        json::Object frame{{"location", sarif::location(frames[i], paths)}};
        if (g->id >= 0) frame["threadId"] = g->id;
        frame["properties"] = json::Object{{"kind", to_string(frame_kind(frames[i]))}, {"inlined", frames[i].inlined}};
        stack_frames.push_back(std::move(frame));
      }
      // A thread flow runs outermost call first.
      for (size_t i = frames.size(); i-- > 0;) {
        FrameKind kind = frame_kind(frames[i]);
        const char *importance = i == culprit                                                  ? "essential"
                                 : kind == FrameKind::Program || kind == FrameKind::Dependency ? "important"
                                                                                               : "unimportant";
        flow.push_back(json::Object{{"location", sarif::location(frames[i], paths)},
                                    {"nestingLevel", int64_t(frames.size() - 1 - i)},
                                    {"importance", importance}});
      }
      result["stacks"] = json::Array{
          json::Object{{"message", json::Object{{"text", text(name)}}}, {"frames", std::move(stack_frames)}}};
      result["codeFlows"] = json::Array{
          json::Object{{"message", json::Object{{"text", text(name)}}},
                       {"threadFlows", json::Array{json::Object{{"message", json::Object{{"text", text(name)}}},
                                                                {"locations", std::move(flow)}}}}}};
    }
    json::Object props{{"kind", json_name(r.kind)},
                       {"recoverable", v.recoverable},
                       {"confidence", v.low_confidence ? "low" : "high"},
                       {"explanation", text(v.explanation)},
                       {"input", text(in.path)},
                       {"offset", int64_t(r.offset)}};
    if (!r.process.go_version.version.empty()) props["goVersion"] = text(r.process.go_version.version);
    if (v.goroutine >= 0) props["goroutine"] = v.goroutine;
    if (v.culprit) {
      if (!v.culprit->module.empty()) props["module"] = text(v.culprit->module);
      if (!v.culprit->owner.empty()) props["owner"] = text(v.culprit->owner);
      if (!v.culprit->url.empty()) props["url"] = text(v.culprit->url);
    }
    result["properties"] = std::move(props);
    results_.push_back(std::move(result));
  }

  void finish() override {
    if (finished_) return;
    finished_ = true;
    sarif::Tool tool{opts_.tool_version, opts_.information_uri,
                     opts_.paths ? opts_.paths->source_root() : std::string()};
    sarif::write_log(os_, tool, std::move(results_));
    os_.flush();
  }

private:
  llvm::raw_ostream &os_;
  const RenderOptions &opts_;
  std::vector<json::Value> results_;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<ReportRenderer> make_sarif_renderer(llvm::raw_ostream &os, const RenderOptions &opts) {
  return std::make_unique<SarifRenderer>(os, opts);
}

void render_sarif(llvm::raw_ostream &os, const std::vector<Input> &inputs, const RenderOptions &opts) {
  render_all(*make_sarif_renderer(os, opts), inputs);
}

}  // namespace crashctl
