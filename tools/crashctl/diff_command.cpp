// crashctl diff OLD NEW | crashctl diff FILE: two goroutine dumps compared
// (formats/diff.md). The comparison is lib/analysis/diff.
#include "commands.h"

#include "analysis/diff.h"
#include "pipeline/analyze.h"
#include "render/diff_render.h"

#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace crashctl_cli {

namespace {

const char *kDiffHelp = R"(Examples:
  crashctl diff before.txt after.txt          two SIGQUIT dumps or goroutine?debug=2 profiles
  crashctl diff service.log                   one log with several dumps: its first and last
  crashctl diff --old-report 2 service.log    the second dump against the last
  crashctl diff -f json a.txt b.txt.zst       stable JSON for scripts (formats/diff.schema.json)
  curl -s host:6060/debug/pprof/goroutine?debug=2 > a.txt; sleep 600; \
  curl -s host:6060/debug/pprof/goroutine?debug=2 > b.txt; crashctl diff a.txt b.txt; [ $? -eq 4 ] && echo leak

Groups of identical goroutines are matched across the dumps by signature
(state, wait reason, functions, creator), never by goroutine id.
Two heap dumps (or cores with --memory) also compare what holds the heap:
which retainers and types grew.
Exit status: 0 no blocked group grew, 1 no goroutine dump to compare,
2 input error, 3 usage error, 4 a blocked group grew (a "leak: growing"
line names each one started by one go statement).)";

struct DiffArgs {
  std::vector<std::string> files;
  std::string format = "text";
  std::string color = "auto";
  int64_t old_report = 0, new_report = 0;
  int64_t min_growth = 1;
  bool unchanged = false;
  crashctl::AnalysisOptions analysis;  // --exe, --memory
};

int run_diff(const DiffArgs &a) {
  std::vector<crashctl::Input> inputs;
  for (const std::string &f : a.files) inputs.push_back(crashctl::analyze_input(f, a.analysis));
  report_problems(inputs);

  crashctl::DiffSelection sel{a.old_report, a.new_report};
  crashctl::DiffOptions dopts;
  dopts.min_growth = a.min_growth;
  crashctl::DiffRun run = crashctl::diff_inputs(inputs, sel, dopts);
  if (!run.result) {
    llvm::WithColor::error(llvm::errs(), "crashctl") << "diff: " << run.error << "\n";
    return run.status;
  }
  crashctl::DiffRenderOptions ropts;
  ropts.show_unchanged = a.unchanged;
  ropts.color = want_color(a.color);
  ropts.tool_version = CRASHCTL_VERSION;
  llvm::raw_ostream &out = llvm::outs();
  if (a.format == "json")
    crashctl::render_diff_json(out, *run.result, ropts);
  else
    crashctl::render_diff_text(out, *run.result, ropts);
  out.flush();
  return crashctl::diff_exit_status(*run.result);
}

Command add_diff_command(CLI::App &app) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App *cmd =
      app.add_subcommand("diff", "Compare two goroutine dumps: which groups grew, shrank, appeared, vanished");
  cmd->add_option("files", args->files, "OLD NEW, or one FILE holding several dumps; '-' for stdin")
      ->required()
      ->expected(1, 2);
  add_color_option(cmd, args->color);
  cmd->add_option("-f,--format", args->format, "Output: text (default), json")->check(CLI::IsMember({"text", "json"}));
  // 0 is DiffSelection's "not given": as an argument it names no report.
  const CLI::Validator nonzero(
      [](std::string &v) {
        int64_t n = 1;
        return CLI::detail::lexical_cast(v, n) && n == 0 ? "reports are numbered from 1 (-1 is the last), not 0"
                                                         : std::string();
      },
      "NONZERO");
  cmd->add_option("--old-report", args->old_report,
                  "Which report of OLD (1-based; negative counts from the end). Default: the last dump of OLD, "
                  "or the first of FILE")
      ->check(nonzero);
  cmd->add_option("--new-report", args->new_report,
                  "Which report of NEW (1-based; negative counts from the end). Default: the last dump")
      ->check(nonzero);
  cmd->add_option("--min-growth", args->min_growth,
                  "Smallest increase of a blocked group that counts as growth (default 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--unchanged", args->unchanged, "Text: list unchanged groups too");
  cmd->add_option("--exe", args->analysis.exe,
                  "The executable of both cores or heap dumps (default: the path a core records)");
  auto *memory_on = cmd->add_flag_callback(
      "--memory", [args] { args->analysis.memory = crashctl::DecodeOptions::Memory::On; },
      "Compare what holds the heap of two cores too (heap dumps: always)");
  cmd->add_flag_callback(
         "--no-memory", [args] { args->analysis.memory = crashctl::DecodeOptions::Memory::Off; },
         "Do not compare what holds the heap")
      ->excludes(memory_on);
  add_limit_option(cmd);
  cmd->footer(kDiffHelp);
  return {cmd, [args] { return run_diff(*args); }};
}

RegisterCommand registered(30, add_diff_command);

}  // namespace

}  // namespace crashctl_cli
