// crashctl triage: many dumps -> one bucket per signature. The work is in
// lib/triage; this file parses options, draws progress and picks the format.
#include "commands.h"

#include "io/progress.h"
#include "render/escaping_stream.h"
#include "triage/triage.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <memory>

namespace crashctl_cli {

namespace {

const char *kTriageHelp = R"(Examples:
  crashctl triage /var/crash                   bucket every crash under a directory (recursive)
  crashctl triage crashes/ old/*.log.zst       files and directories; gzip and zstd as they are
  crashctl triage -f json crashes/ > today.json        the table for scripts (formats/triage.md)
  crashctl triage -f csv crashes/ > buckets.csv        one row per bucket for a spreadsheet
  crashctl triage -f html crashes/ > buckets.html      a bucket table to share, each bucket's files
  crashctl triage -f sarif crashes/ > buckets.sarif    one code-scanning alert per bucket
  crashctl triage --baseline yesterday.json crashes/   mark buckets not seen before as NEW
  crashctl triage --baseline main.json -f csv dumps/   exit status 4 when a new bucket appeared
  crashctl triage -j 1 crashes/                one thread (default: every core)

Fleet map-reduce: triage on each machine, merge anywhere. The merged table is
byte for byte the table of one run over all the files:
  crashctl triage --path-prefix "$(hostname):" -f json /var/crash > "$(hostname).json"
  crashctl triage --merge -f json host*.json > fleet.json
  crashctl triage --merge --baseline last-week.json host*.json

Exit status: 0 done (no new buckets), 1 nothing recognizable in any file,
2 unreadable --baseline or --merge input, 3 usage error, 4 new buckets
(only with --baseline). Unreadable crash files never stop the run: they are
listed under "unreadable".)";

struct TriageArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string baseline;
  bool merge = false;
  bool follow_symlinks = false;
  unsigned jobs = 0;
  std::string path_prefix;
  std::string color = "auto";
  crashctl::AnalysisOptions analysis;
};

// Messages name files, and file names are input: escaped on stderr too.
void error(const std::string &msg) {
  llvm::WithColor::error(llvm::errs(), "crashctl") << crashctl::escape_control(msg) << "\n";
}
void warning(const std::string &msg) {
  llvm::WithColor::warning(llvm::errs(), "crashctl") << crashctl::escape_control(msg) << "\n";
}

// "[n/total] path" on stderr, a few times a second, only on a terminal.
class TriageProgress {
public:
  void update(size_t done, size_t total, const std::string &path) {
    if (!line_.enabled()) return;
    if (done != total && line_.drawn() && !line_.due(std::chrono::milliseconds(100))) return;
    std::string head = "[" + std::to_string(done) + "/" + std::to_string(total) + "] ";
    // Escaped (a file name can hold ESC sequences), then its last characters.
    std::string shown = crashctl::escape_control(path);
    unsigned cols = crashctl::ProgressLine::columns();
    size_t room = cols > head.size() + 20 ? cols - 1 - head.size() : 60;
    if (shown.size() > room) {
      size_t from = shown.size() - (room - 3);
      while (from < shown.size() && (static_cast<unsigned char>(shown[from]) & 0xC0) == 0x80) ++from;
      shown = "..." + shown.substr(from);
    }
    line_.draw(head + shown);
  }

private:
  crashctl::ProgressLine line_;
};

int run_triage(const TriageArgs &a) {
  namespace triage = crashctl::triage;
  for (const std::string &p : a.paths)
    if (p == "-" && !a.merge) {
      error("triage reads files and directories, not stdin; save it to a file first");
      return kExitUsage;
    }

  std::optional<triage::Table> baseline;
  if (!a.baseline.empty()) {
    auto b = triage::load_table(a.baseline);
    if (!b) {
      error("--baseline " + llvm::toString(b.takeError()));
      return triage::kExitInputError;
    }
    baseline = std::move(*b);
  }

  // A path given on the command line that is not there is an input error
  // (exit 2, as for analyze); unreadable files found by walking are listed.
  bool missing = false;
  if (!a.merge)
    for (const std::string &p : a.paths)
      if (!llvm::sys::fs::exists(p)) {
        error(p + ": no such file or directory");
        missing = true;
      }

  triage::Table table;
  if (a.merge) {
    triage::TableBuilder merged;
    for (const std::string &p : a.paths) {
      auto t = triage::load_table(p);
      if (!t) {
        error("--merge " + llvm::toString(t.takeError()));
        return triage::kExitInputError;
      }
      if (llvm::Error e = merged.add(*t)) {
        error("--merge " + p + ": " + llvm::toString(std::move(e)));
        return triage::kExitInputError;
      }
    }
    table = merged.finish();
  } else {
    triage::CollectOptions opts;
    opts.analysis = a.analysis;
    if (!exe_option_usable(a.analysis)) return kExitInputError;
    if (!source_options_usable(opts.analysis)) return kExitUsage;
    opts.attribution = load_attribution_or_report(a.analysis);
    if (!opts.attribution) return kExitUsage;
    opts.jobs = a.jobs;
    opts.follow_symlinks = a.follow_symlinks;
    opts.path_prefix = a.path_prefix;
    auto progress = std::make_shared<TriageProgress>();
    opts.on_progress = [progress](size_t done, size_t total, const std::string &path) {
      progress->update(done, total, path);
    };
    table = triage::triage_paths(a.paths, opts);
  }
  if (baseline) triage::mark_new(table, *baseline, a.baseline);

  triage::RenderOptions ropts;
  ropts.tool_version = CRASHCTL_VERSION;
  ropts.information_uri = CRASHCTL_HOMEPAGE_URL;
  ropts.source_root = a.analysis.source_root;
  ropts.color = want_color(a.color);
  llvm::raw_ostream &out = llvm::outs();
  if (a.format == "json")
    triage::render_json(out, table, ropts);
  else if (a.format == "csv")
    triage::render_csv(out, table);
  else if (a.format == "html")
    triage::render_html(out, table, ropts);
  else if (a.format == "sarif")
    triage::render_sarif(out, table, ropts);
  else
    triage::render_text(out, table, ropts);
  out.flush();

  // The text table lists them; for json and csv, say so on stderr too.
  if (a.format != "text") {
    constexpr size_t kMax = 20;
    for (size_t i = 0; i < table.unreadable.size() && i < kMax; ++i)
      warning(table.unreadable[i].path + ": " + table.unreadable[i].error);
    if (table.unreadable.size() > kMax)
      warning(std::to_string(table.unreadable.size() - kMax) + " more unreadable files (see \"unreadable\")");
    for (size_t i = 0; i < table.skipped.size() && i < kMax; ++i)
      llvm::WithColor::note(llvm::errs(), "crashctl")
          << crashctl::escape_control("skipped " + table.skipped[i].path + ": " + table.skipped[i].reason) << "\n";
    if (table.skipped.size() > kMax)
      llvm::WithColor::note(llvm::errs(), "crashctl")
          << (table.skipped.size() - kMax) << " more skipped paths (see \"skipped\")\n";
  }
  int status = triage::exit_status(table);
  return missing ? triage::kExitInputError : status;
}

Command add_triage_command(CLI::App &app) {
  auto args = std::make_shared<TriageArgs>();
  CLI::App *cmd =
      app.add_subcommand("triage", "Bucket many crash files by signature: counts, culprits, owners, new bugs");
  cmd->add_option("paths", args->paths,
                  "Files and directories (walked recursively); with --merge, triage JSON files ('-' for stdin)")
      ->required()
      ->type_name("PATH");
  cmd->add_option("-f,--format", args->format,
                  "Output: text (default), json, csv, html (one self-contained page), sarif (a result per bucket)")
      ->check(CLI::IsMember({"text", "json", "csv", "html", "sarif"}));
  cmd->add_option("--baseline", args->baseline, "A previous 'triage -f json' table: buckets not in it are new (exit 4)")
      ->type_name("TABLE.json");
  CLI::Option *merge =
      cmd->add_flag("--merge", args->merge, "Combine triage JSON tables (from other runs or machines) into one");
  cmd->add_option("-j,--jobs", args->jobs, "Threads analyzing files; 0 (default) uses every core")
      ->type_name("N")
      ->excludes(merge);
  cmd->add_flag("--follow-symlinks", args->follow_symlinks,
                "Follow symbolic links that lead out of the paths given (default: list them as skipped)")
      ->excludes(merge);
  cmd->add_option("--path-prefix", args->path_prefix, "Prepend to every file path in the table, e.g. \"$(hostname):\"")
      ->type_name("PREFIX")
      ->excludes(merge);
  add_analysis_options(cmd, args->analysis);
  add_color_option(cmd, args->color);
  cmd->footer(kTriageHelp);
  return {cmd, [args] { return run_triage(*args); }};
}

RegisterCommand registered(20, add_triage_command);

}  // namespace

}  // namespace crashctl_cli
