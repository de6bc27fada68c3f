#include "commands.h"

#include "analysis/source_paths.h"
#include "pipeline/analyze.h"
#include "render/render.h"

#include "llvm/Support/BuryPointer.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace crashctl_cli {

namespace {

const char *kAnalyzeHelp = R"(Examples:
  crashctl analyze crash.log                   root cause of a panic or fatal error
  crashctl analyze service.log.zst             compressed logs (zstd, gzip) work as they are
  kubectl logs pod --previous | crashctl analyze -      read stdin
  journalctl -u app | crashctl analyze -       log prefixes (journald, klog, docker JSON) are stripped
  crashctl analyze --format json crash.txt     stable JSON for scripts (formats/output.schema.json)
  crashctl analyze --format html crash.txt > crash.html   one page to share: verdict, stacks, groups
  crashctl analyze --format sarif crash.txt > crash.sarif code scanning (GitHub, VS Code's SARIF viewer)
  crashctl analyze --verbose crash.txt         the whole explanation, not only this crash's part
  crashctl analyze --format editor crash.txt > errors.txt; vim -q errors.txt
                                               jump to the culprit and each frame
  crashctl analyze --path-map /build/src=$HOME/src --format editor crash.txt
                                               map build-machine paths to local ones
  crashctl analyze --module github.com/acme/app crash.txt
                                               blame only frames of your module
  crashctl analyze --source-root ~/src/app crash.txt
                                               culprit owner from the checkout's CODEOWNERS
  crashctl analyze --codeowners CODEOWNERS --owners owners.ini crash.txt
                                               owner from these files (owners.ini: PATTERN=OWNER)
  crashctl analyze --source-root ~/src/app --revision 3f2a9c1 crash.txt
                                               the culprit's lines, its suspect commit (git blame) and link

Exit status: 0 analyzed, 1 nothing recognizable, 2 input error, 3 usage error.)";

struct AnalyzeArgs {
  std::vector<std::string> files;
  std::string format = "text";
  std::string color = "auto";
  bool verbose = false;
  std::string link_template = "vscode://file{path}:{line}";
  crashctl::AnalysisOptions analysis;
};

// Renders each report, then frees it, except that a report of very many
// goroutines is left to process exit: freeing a million goroutines one by
// one costs more than the exit does (clang's -disable-free does the same).
// Few reports can be that large, so memory stays bounded.
class RenderThenFree final : public crashctl::ReportSink {
public:
  explicit RenderThenFree(crashctl::ReportSink &renderer) : renderer_(renderer) {}
  void begin_input(const crashctl::Input &in) override { renderer_.begin_input(in); }
  void report(const crashctl::Input &in, crashctl::Report &&r, size_t index, bool last) override {
    renderer_.report(in, std::move(r), index, last);  // renderers only read it
    if (r.process.goroutines.size() >= kLeaveToExit)
      llvm::BuryPointer(std::make_unique<crashctl::Report>(std::move(r)));
  }
  void end_input(const crashctl::Input &in) override { renderer_.end_input(in); }

private:
  static constexpr size_t kLeaveToExit = size_t(1) << 16;
  crashctl::ReportSink &renderer_;
};

int run_analyze(const AnalyzeArgs &args) {
  AnalyzeArgs a = args;
  crashctl::SourcePathMapper paths;
  for (const std::string &m : a.analysis.path_maps) {
    if (llvm::Error err = paths.add_path_map(m)) {
      llvm::WithColor::error(llvm::errs(), "crashctl")
          << "--path-map " << m << ": " << llvm::toString(std::move(err)) << "\n";
      return kExitUsage;
    }
  }
  if (!exe_option_usable(a.analysis)) return kExitInputError;
  if (!source_options_usable(a.analysis)) return kExitUsage;
  if (!a.analysis.source_root.empty()) paths.set_source_root(a.analysis.source_root);
  paths.set_go_environment(a.analysis.go_env);
  // CODEOWNERS and --owners are read once, before any input.
  auto attribution = load_attribution_or_report(a.analysis);
  if (!attribution) return kExitUsage;

  crashctl::RenderOptions ropts;
  ropts.color = want_color(a.color);
  ropts.text_lists_problems = false;  // stderr has them
  ropts.paths = &paths;
  ropts.tool_version = CRASHCTL_VERSION;
  ropts.information_uri = CRASHCTL_HOMEPAGE_URL;
  ropts.verbose = a.verbose;
  ropts.link_template = a.link_template;
  llvm::raw_ostream &out = llvm::outs();
  crashctl::OutputFormat format = a.format == "json"     ? crashctl::OutputFormat::Json
                                  : a.format == "editor" ? crashctl::OutputFormat::Editor
                                  : a.format == "html"   ? crashctl::OutputFormat::Html
                                  : a.format == "sarif"  ? crashctl::OutputFormat::Sarif
                                                         : crashctl::OutputFormat::Text;
  // Each report is written as soon as it is analyzed, and then freed: a file
  // with a million crashes costs what one costs.
  auto renderer = crashctl::make_renderer(format, out, ropts);
  RenderThenFree sink(*renderer);
  std::vector<crashctl::Input> inputs;  // without their reports: for the exit status
  inputs.reserve(a.files.size());
  for (const std::string &f : a.files) {
    inputs.push_back(crashctl::analyze_input(f, a.analysis, *attribution, sink));
    out.flush();
    // Warnings and errors go to stderr in every format: `analyze x > out`
    // still shows them.
    report_problems(inputs.back());
  }
  renderer->finish();
  out.flush();
  return crashctl::exit_status(inputs);
}

}  // namespace

namespace {
Command add_analyze_command(CLI::App &app) {
  auto args = std::make_shared<AnalyzeArgs>();
  CLI::App *cmd = app.add_subcommand("analyze", "Explain the crash in each input: verdict first, then goroutines");
  cmd->add_option("files", args->files, "Inputs: crash text, logs, dumps; '-' for stdin")->required();
  cmd->add_option("-f,--format", args->format,
                  "Output: text (default), json, editor, html (one self-contained page), sarif (SARIF 2.1.0)")
      ->check(CLI::IsMember({"text", "json", "editor", "html", "sarif"}));
  cmd->add_flag("-v,--verbose", args->verbose,
                "Text: the whole explanation and the class's (crashctl explain CLASS), not only this crash's");
  cmd->add_option("--link-template", args->link_template,
                  "HTML: link of a frame whose file is on this machine, {path} and {line} (default "
                  "vscode://file{path}:{line}); other frames link to their forge")
      ->type_name("URL");
  cmd->add_option("-j,--jobs", args->analysis.threads,
                  "Threads decoding each input (a large crash-text file is cut between goroutines; a core's "
                  "stacks are walked in parallel); 0 (default): one per CPU for text, one for cores. The output "
                  "is the same")
      ->type_name("N");
  add_analysis_options(cmd, args->analysis);
  add_color_option(cmd, args->color);
  cmd->footer(kAnalyzeHelp);
  return {cmd, [args] { return run_analyze(*args); }};
}

RegisterCommand registered(10, add_analyze_command);
}  // namespace

}  // namespace crashctl_cli
