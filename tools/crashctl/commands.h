// The crashctl subcommands. Each adds itself to the CLI11 app and returns
// the function that runs it once parsing chose it.
#pragma once

#include "analysis/attribution.h"
#include "analysis/verdict.h"
#include "model/report.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace crashctl_cli {

// What `crashctl --version` prints: version, commit, LLVM, the Go releases
// of each input kind, the JSON schema versions.
std::string version_text();

// Exit statuses, formats/output.md.
constexpr int kExitInputError = 2;
constexpr int kExitUsage = 3;

struct Command {
  CLI::App *app = nullptr;
  std::function<int()> run;
};

// Each *_command.cpp registers its factory with a file-scope
//   static RegisterCommand registered(ORDER, add_x_command);
// and main adds them to the app in ORDER (the order --help lists them).
using CommandFactory = Command (*)(CLI::App &app);
struct RegisterCommand {
  RegisterCommand(int order, CommandFactory factory);
};
std::vector<Command> add_registered_commands(CLI::App &app);

// Options every command shares: --module, --in-app, --not-in-app,
// --codeowners, --owners, --source-root, --path-map, --revision,
// --source-url, --exe, --debug-dir, --offline, --limit.
void add_analysis_options(CLI::App *cmd, crashctl::AnalysisOptions &opts);
// --limit NAME=VALUE (support/limits.h), applied when parsed.
void add_limit_option(CLI::App *cmd);
// Loads the attribution files of OPTS once (pipeline/analyze.h) and prints
// their warnings to stderr; on error prints it and returns null (the caller
// exits with kExitUsage).
std::shared_ptr<const crashctl::Attribution> load_attribution_or_report(const crashctl::AnalysisOptions &opts);
// Sets OPTS's local Go environment (GOROOT, module cache) and checks
// --path-map and --source-url; if they are bad, prints why (the caller exits
// with kExitUsage).
bool source_options_usable(crashctl::AnalysisOptions &opts);
// Whether --exe, when given, names a regular file; if not, prints why (the
// caller exits with kExitInputError), also when no input would need it.
bool exe_option_usable(const crashctl::AnalysisOptions &opts);
// --color auto|always|never, resolved against stdout being a TTY and NO_COLOR.
bool want_color(const std::string &color_option);
// Adds --color to CMD, the same for every command.
void add_color_option(CLI::App *cmd, std::string &color);
// Prints each input's warnings and errors on stderr, naming its file once
// per line (messages that start with the file's name do not repeat it).
void report_problems(const std::vector<crashctl::Input> &inputs);
void report_problems(const crashctl::Input &input);

}  // namespace crashctl_cli
