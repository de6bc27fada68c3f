// crashctl: offline crash analysis for Go programs. A thin driver over lib/:
// each subcommand lives in its own *_command.cpp.
#include "commands.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace {

// The registered command closest to NAME by edit distance, "" when none is close.
std::string closest_command(const std::vector<crashctl_cli::Command> &commands, llvm::StringRef name) {
  std::string best;
  unsigned best_distance = 3;  // "anlyze", "trige", "dif" are within 2
  for (const auto &c : commands) {
    unsigned d = name.edit_distance(c.app->get_name(), /*AllowReplacements=*/true, best_distance);
    if (d < best_distance) {
      best_distance = d;
      best = c.app->get_name();
    }
  }
  return best;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"crashctl: offline crash analysis for Go programs (crash text, logs, profiles, core dumps, heap dumps)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", crashctl_cli::version_text,
                       "Print the version, commit, LLVM version, Go releases read and JSON schema versions");
  std::vector<crashctl_cli::Command> commands = crashctl_cli::add_registered_commands(app);
  // crashctl help [COMMAND]
  std::string help_topic;
  CLI::App *help = app.add_subcommand("help", "Show help for crashctl or one of its commands");
  help->add_option("command", help_topic, "A command: analyze, diff, triage, explain");
  app.footer("Run 'crashctl help COMMAND' (or 'crashctl COMMAND --help') for its options and examples.");

  // A mistyped command gets a suggestion, not "a subcommand is required".
  if (argc >= 2 && argv[1][0] != '-') {
    llvm::StringRef first = argv[1];
    bool known = first == "help";
    for (const auto &c : commands) known |= first == c.app->get_name();
    if (!known) {
      auto &err = llvm::WithColor::error(llvm::errs(), "crashctl");
      err << "unknown command '" << first << "'";
      std::string guess = closest_command(commands, first);
      if (!guess.empty()) err << "; did you mean '" << guess << "'?";
      err << "\n";
      llvm::errs() << "Commands: ";
      for (size_t i = 0; i < commands.size(); ++i) llvm::errs() << (i ? ", " : "") << commands[i].app->get_name();
      llvm::errs() << ". Run 'crashctl help' for more.\n";
      return crashctl_cli::kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : crashctl_cli::kExitUsage;
  }
  if (help->parsed()) {
    if (help_topic.empty()) {
      std::cout << app.get_formatter()->make_help(&app, "crashctl", CLI::AppFormatMode::Normal);
      return 0;
    }
    for (const auto &c : commands)
      if (help_topic == c.app->get_name()) {
        std::cout << c.app->help();
        return 0;
      }
    auto &err = llvm::WithColor::error(llvm::errs(), "crashctl");
    err << "no command '" << help_topic << "'";
    std::string guess = closest_command(commands, help_topic);
    if (!guess.empty()) err << "; did you mean '" << guess << "'?";
    err << "\n";
    return crashctl_cli::kExitUsage;
  }
  int status = 0;
  for (const auto &c : commands)
    if (c.app->parsed()) status = c.run();
  // Freeing a million goroutines one by one is pure cost at exit.
  llvm::outs().flush();
  llvm::errs().flush();
  std::fflush(nullptr);
  std::_Exit(status);
}
