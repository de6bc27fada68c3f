#include "commands.h"

#include "io/regular_file.h"
#include "pipeline/analyze.h"
#include "render/escaping_stream.h"
#include "support/limits.h"

#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>

namespace crashctl_cli {

namespace {
std::vector<std::pair<int, CommandFactory>> &registry() {
  static std::vector<std::pair<int, CommandFactory>> factories;
  return factories;
}
}  // namespace

RegisterCommand::RegisterCommand(int order, CommandFactory factory) {
  registry().emplace_back(order, factory);
}

std::vector<Command> add_registered_commands(CLI::App &app) {
  auto factories = registry();
  std::sort(factories.begin(), factories.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
  std::vector<Command> commands;
  for (const auto &f : factories) commands.push_back(f.second(app));
  return commands;
}

void add_analysis_options(CLI::App *cmd, crashctl::AnalysisOptions &opts) {
  cmd->add_option("--module", opts.module, "Import path of your module; only its frames are blamed");
  cmd->add_option("--in-app", opts.in_app,
                  "Count frames as your code: a package path, or a glob over function names (repeatable)");
  cmd->add_option("--not-in-app", opts.not_in_app,
                  "Never blame these frames: a package path or a function glob (repeatable)");
  cmd->add_option("--codeowners", opts.codeowners,
                  "CODEOWNERS file giving the culprit's owner (default: .github/CODEOWNERS, CODEOWNERS "
                  "or docs/CODEOWNERS under --source-root)");
  cmd->add_option("--owners", opts.owners,
                  "PATTERN=OWNER lines (package path or function glob; =ignore, default=) that override "
                  "CODEOWNERS");
  cmd->add_flag("--signature-lines", opts.signature_lines,
                "Bucket signatures compare frames by function and line, not function alone");
  cmd->add_option("--exe", opts.exe,
                  "The executable that produced a core or heap dump (default: the path the core records, "
                  "then --debug-dir, then debuginfod by build id)");
  cmd->add_option("--debug-dir", opts.debug_dirs,
                  "Directory holding executables or .debug files named by build id (repeatable)");
  cmd->add_option("--sysroot", opts.sysroot,
                  "Root of a copy of the crashed machine: a core's shared libraries are read under it for C "
                  "frames (default: this machine's)");
  cmd->add_flag("--offline", opts.offline,
                "Ask no debuginfod server (DEBUGINFOD_URLS) for a core's executable; only its cache is read");
  auto *memory_on = cmd->add_flag_callback(
      "--memory", [&opts] { opts.memory = crashctl::DecodeOptions::Memory::On; },
      "Cores and heap dumps: compute what holds the heap (retainers, types); default: heap dumps and "
      "out-of-memory cores");
  cmd->add_flag_callback(
         "--no-memory", [&opts] { opts.memory = crashctl::DecodeOptions::Memory::Off; },
         "Do not compute what holds the heap")
      ->excludes(memory_on);
  cmd->add_option("--source-root", opts.source_root,
                  "Local checkout: maps build-machine paths to repository paths (CODEOWNERS, editor output, "
                  "source lines); in a git work tree, the culprit's line is blamed");
  cmd->add_option("--path-map", opts.path_maps, "OLD=NEW prefix rewrite for source paths (repeatable)");
  cmd->add_option("--revision", opts.revision,
                  "Commit the program was built from, when its build info records none (links, blame)");
  cmd->add_option("--source-url", opts.source_url,
                  "URL of a source line on your forge: {module}, {ref}, {path}, {line} "
                  "(e.g. https://git.example.com/app/src/{ref}/{path}#L{line})");
  add_limit_option(cmd);
}

void add_limit_option(CLI::App *cmd) {
  std::string names;
  for (const crashctl::ResourceLimitInfo &i : crashctl::resource_limit_table())
    names += std::string(names.empty() ? "" : ", ") + i.name;
  cmd->add_option_function<std::vector<std::string>>(
         "--limit",
         [](const std::vector<std::string> &assignments) {
           crashctl::ResourceLimits limits = crashctl::resource_limits();
           for (const std::string &a : assignments)
             if (llvm::Error err = crashctl::apply_resource_limit(limits, a))
               throw CLI::ValidationError("--limit", llvm::toString(std::move(err)));
           crashctl::set_resource_limits(limits);
           if (limits.memory_bytes) {
             struct rlimit rl{limits.memory_bytes, limits.memory_bytes};
             if (::setrlimit(RLIMIT_AS, &rl) != 0)
               throw CLI::ValidationError("--limit", "memory-bytes: setrlimit failed");
           }
         },
         "Override a resource limit, NAME=VALUE (repeatable; formats/resources.md): " + names)
      ->type_name("NAME=VALUE");
}

std::shared_ptr<const crashctl::Attribution> load_attribution_or_report(const crashctl::AnalysisOptions &opts) {
  auto attr = crashctl::load_attribution(opts);
  if (!attr) {
    llvm::WithColor::error(llvm::errs(), "crashctl") << llvm::toString(attr.takeError()) << "\n";
    return nullptr;
  }
  for (const std::string &w : (*attr)->warnings()) llvm::WithColor::warning(llvm::errs(), "crashctl") << w << "\n";
  return *attr;
}

bool source_options_usable(crashctl::AnalysisOptions &opts) {
  opts.go_env = crashctl::LocalGoEnvironment::detect();
  auto sources = crashctl::load_source_annotator(opts);
  if (!sources) {
    llvm::WithColor::error(llvm::errs(), "crashctl") << llvm::toString(sources.takeError()) << "\n";
    return false;
  }
  return true;
}

bool exe_option_usable(const crashctl::AnalysisOptions &opts) {
  if (opts.exe.empty()) return true;
  if (llvm::Error err = crashctl::check_regular_file(opts.exe)) {
    llvm::WithColor::error(llvm::errs(), "crashctl")
        << "--exe " << crashctl::escape_control(llvm::toString(std::move(err))) << "\n";
    return false;
  }
  return true;
}

void add_color_option(CLI::App *cmd, std::string &color) {
  cmd->add_option("--color", color, "Colour: auto (a terminal without NO_COLOR), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

void report_problems(const std::vector<crashctl::Input> &inputs) {
  for (const crashctl::Input &in : inputs) report_problems(in);
}

void report_problems(const crashctl::Input &in) {
  {
    std::string name = in.path == "-" ? "<stdin>" : in.path;
    for (const crashctl::Diagnostic &d : in.diagnostics) {
      if (d.severity == crashctl::Severity::Note) continue;
      llvm::StringRef m = d.message;
      if (m.consume_front(in.path)) m.consume_front(": ");
      auto &os = d.severity == crashctl::Severity::Error ? llvm::WithColor::error(llvm::errs(), "crashctl")
                                                         : llvm::WithColor::warning(llvm::errs(), "crashctl");
      os << crashctl::escape_control(name) << ": at byte " << d.offset << ": " << crashctl::escape_control(m) << "\n";
    }
  }
}

bool want_color(const std::string &color_option) {
  if (color_option == "always") return true;
  if (color_option == "never" || std::getenv("NO_COLOR")) return false;
  return llvm::sys::Process::StandardOutIsDisplayed();
}

}  // namespace crashctl_cli
