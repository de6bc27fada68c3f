// crashctl: offline crash analysis for Go programs. A thin driver over lib/:
// each subcommand lives in its own *_command.cpp.
#include "commands.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  CLI::App app{"crashctl: offline crash analysis for Go programs (crash text, core dumps, heap dumps)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("crashctl ") + CRASHCTL_VERSION);
  std::vector<crashctl_cli::Command> commands = crashctl_cli::add_registered_commands(app);
  app.footer("Run 'crashctl COMMAND --help' for examples.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : crashctl_cli::kExitUsage;
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
