// crashctl: offline crash analysis for Go programs. A thin driver over lib/.
#include "analysis/source_paths.h"
#include "pipeline/analyze.h"
#include "render/render.h"

#include <CLI/CLI.hpp>

#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace {

// Exit statuses, formats/output.md.
constexpr int kExitUsage = 3;

const char *kAnalyzeHelp = R"(Examples:
  crashctl analyze crash.log                   root cause of a panic or fatal error
  crashctl analyze service.log.zst             compressed logs (zstd, gzip) work as they are
  kubectl logs pod --previous | crashctl analyze -      read stdin
  journalctl -u app | crashctl analyze -       log prefixes (journald, klog, docker JSON) are stripped
  crashctl analyze --format json crash.txt     stable JSON for scripts (formats/output.schema.json)
  crashctl analyze --format editor crash.txt > errors.txt; vim -q errors.txt
                                               jump to the culprit and each frame
  crashctl analyze --path-map /build/src=$HOME/src --format editor crash.txt
                                               map build-machine paths to local ones
  crashctl analyze --module github.com/acme/app crash.txt
                                               blame only frames of your module

Exit status: 0 analyzed, 1 nothing recognizable, 2 input error, 3 usage error.)";

bool want_color() {
  if (std::getenv("NO_COLOR")) return false;
  return isatty(STDOUT_FILENO);
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"crashctl: offline crash analysis for Go programs (crash text, core dumps, heap dumps)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("crashctl ") + CRASHCTL_VERSION);

  std::vector<std::string> files;
  std::string format = "text";
  std::string module;
  std::vector<std::string> path_maps;
  std::string source_root;
  std::string color = "auto";

  CLI::App *analyze = app.add_subcommand("analyze", "Explain the crash in each input: verdict first, then goroutines");
  analyze->add_option("files", files, "Inputs: crash text, logs, dumps; '-' for stdin")->required();
  analyze->add_option("-f,--format", format, "Output: text (default), json, editor")
      ->check(CLI::IsMember({"text", "json", "editor"}));
  analyze->add_option("--module", module, "Import path of your module; only its frames are blamed");
  analyze->add_option("--path-map", path_maps, "OLD=NEW prefix rewrite for source paths (repeatable)");
  analyze->add_option("--source-root", source_root, "Local checkout to resolve build-machine paths against");
  analyze->add_option("--color", color, "auto (TTY and no NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  analyze->footer(kAnalyzeHelp);
  app.footer("Run 'crashctl analyze --help' for examples.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }

  crashctl::SourcePathMapper paths;
  for (const std::string &m : path_maps) {
    if (llvm::Error err = paths.add_path_map(m)) {
      llvm::WithColor::error(llvm::errs(), "crashctl") << "--path-map " << m << ": "
                                                        << llvm::toString(std::move(err)) << "\n";
      return kExitUsage;
    }
  }
  if (!source_root.empty()) paths.set_source_root(source_root);
  paths.set_go_environment(crashctl::LocalGoEnvironment::detect());

  crashctl::AnalysisOptions opts;
  opts.module = module;
  std::vector<crashctl::Input> inputs;
  inputs.reserve(files.size());
  for (const std::string &f : files) inputs.push_back(crashctl::analyze_input(f, opts));

  crashctl::RenderOptions ropts;
  ropts.color = color == "always" || (color == "auto" && want_color());
  ropts.paths = &paths;
  ropts.tool_version = CRASHCTL_VERSION;
  llvm::raw_ostream &out = llvm::outs();
  if (format == "json") crashctl::render_json(out, inputs, ropts);
  else if (format == "editor") crashctl::render_editor(out, inputs, ropts);
  else crashctl::render_text(out, inputs, ropts);
  out.flush();

  // Errors reach stderr too, so a script piping JSON still sees them.
  if (format != "text") {
    for (const crashctl::Input &in : inputs)
      for (const crashctl::Diagnostic &d : in.diagnostics)
        if (d.severity == crashctl::Severity::Error)
          llvm::WithColor::error(llvm::errs(), "crashctl")
              << in.path << ": at byte " << d.offset << ": " << d.message << "\n";
  }
  int status = crashctl::exit_status(inputs);
  // Freeing a million goroutines one by one is pure cost at exit.
  llvm::outs().flush();
  llvm::errs().flush();
  std::fflush(nullptr);
  std::_Exit(status);
}
