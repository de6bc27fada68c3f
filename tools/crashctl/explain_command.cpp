// crashctl explain [CLASS]: what a verdict class means (formats/taxonomy.md),
// the general explanation that analyze's text leaves to --verbose.
#include "commands.h"

#include "analysis/taxonomy.h"
#include "render/escaping_stream.h"

#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace crashctl_cli {

namespace {

struct ExplainArgs {
  std::string cls;
};

// TEXT wrapped at 80 columns, each line indented by INDENT.
void paragraph(llvm::raw_ostream &os, llvm::StringRef text, size_t indent) {
  size_t col = 0;
  llvm::SmallVector<llvm::StringRef, 64> words;
  text.split(words, ' ', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef w : words) {
    if (col == 0) {
      os.indent(indent) << w;
      col = indent + w.size();
    } else if (col + 1 + w.size() > 80) {
      os << '\n';
      os.indent(indent) << w;
      col = indent + w.size();
    } else {
      os << ' ' << w;
      col += 1 + w.size();
    }
  }
  os << '\n';
}

int run_explain(const ExplainArgs &a) {
  llvm::raw_ostream &out = llvm::outs();
  if (a.cls.empty()) {
    size_t width = 0;
    for (const crashctl::ClassInfo &c : crashctl::verdict_classes())
      width = std::max(width, std::strlen(crashctl::to_string(c.cls)));
    for (const crashctl::ClassInfo &c : crashctl::verdict_classes()) {
      out << crashctl::to_string(c.cls);
      out.indent(width + 2 - std::strlen(crashctl::to_string(c.cls)));
      out << (c.recoverable ? "recoverable  " : "fatal        ") << c.title << '\n';
    }
    return 0;
  }
  std::optional<crashctl::VerdictClass> cls = crashctl::parse_verdict_class(a.cls);
  if (!cls) {
    auto &err = llvm::WithColor::error(llvm::errs(), "crashctl");
    err << "unknown class '" << crashctl::escape_control(a.cls) << "'";
    // The closest class id, as for a mistyped command.
    std::string best;
    unsigned best_distance = 4;
    for (const crashctl::ClassInfo &c : crashctl::verdict_classes()) {
      unsigned d = llvm::StringRef(a.cls).edit_distance(crashctl::to_string(c.cls), true, best_distance);
      if (d < best_distance) best_distance = d, best = crashctl::to_string(c.cls);
    }
    if (!best.empty()) err << "; did you mean '" << best << "'?";
    err << "\n";
    llvm::errs() << "Run 'crashctl explain' for the list of classes.\n";
    return kExitUsage;
  }
  const crashctl::ClassInfo &c = crashctl::class_info(*cls);
  out << crashctl::to_string(c.cls) << ": " << c.title << " (recoverable: " << (c.recoverable ? "yes" : "no") << ")\n";
  out << "  crash text: " << c.shows << "\n\n";
  paragraph(out, c.explanation, 2);
  return 0;
}

Command add_explain_command(CLI::App &app) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App *cmd = app.add_subcommand("explain", "What a verdict class means, and why recover could or could not help");
  cmd->add_option("class", args->cls, "A class id, e.g. nil-pointer-dereference; none lists them all")
      ->type_name("CLASS");
  cmd->footer(R"(Examples:
  crashctl explain                             every class, recoverable or fatal
  crashctl explain concurrent-map-access       what it means and what to look for

The classes are those of formats/taxonomy.md; analyze --verbose prints the
same explanation under a report.
Exit status: 0 shown, 3 unknown class.)");
  return {cmd, [args] { return run_explain(*args); }};
}

RegisterCommand registered(40, add_explain_command);

}  // namespace

}  // namespace crashctl_cli
