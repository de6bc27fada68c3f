// crashctl's library API: analyze what a Go program left behind (crash text,
// logs, goroutine profiles, core dumps, heap dumps) from another program.
//
// This header needs only the C++17 standard library: no LLVM header and none
// of crashctl's internal ones. Link libcrashctl (CMake: find_package(crashctl),
// target crashctl::crashctl; pkg-config: crashctl), a static archive that
// brings LLVM's static component libraries, protobuf, zstd and zlib along.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace crashctl::api {

// "0.1.0": the crashctl release this library is.
const char *version();
// The version of the JSON `crashctl analyze -f json` and render(Format::Json)
// write (formats/output.md, share/crashctl/output.schema.json).
const char *json_schema_version();

// What the crashctl analyze options of the same names set.
struct Options {
  std::string module;                   // --module: import path of your module
  std::vector<std::string> in_app;      // --in-app: package paths or function globs
  std::vector<std::string> not_in_app;  // --not-in-app
  std::string codeowners;               // --codeowners FILE
  std::string owners;                   // --owners FILE (PATTERN=OWNER lines)
  std::string source_root;              // --source-root DIR
  std::vector<std::string> path_maps;   // --path-map OLD=NEW (editor output)
  std::string exe;                      // --exe: the executable of a core or heap dump
  std::vector<std::string> debug_dirs;  // --debug-dir: executables named by build id
  bool signature_lines = false;         // --signature-lines
};

struct Location {
  std::string function;  // "main.(*Cache).lookup"
  std::string file;      // as the input records it
  int line = 0;          // 0 when unknown
};

// The frame a verdict blames, with its module and owner (formats/attribution.md).
struct Culprit : Location {
  std::string module;   // "github.com/acme/app", "std"
  std::string version;  // "v1.2.3", a Go version for std, "" when unknown
  std::string owner;    // from CODEOWNERS or the owners file, "" when none
};

// One crash, race, recovered panic or goroutine snapshot of an input.
struct Report {
  std::string kind;           // "crash", "recovered", "snapshot", "race"
  std::string verdict_class;  // "nil-pointer-dereference" (formats/taxonomy.md)
  std::string summary;        // one line
  std::string explanation;    // why the process died and why recover did not save it
  bool recoverable = false;   // whether recover() could have caught it
  bool low_confidence = false;
  int64_t goroutine = -1;  // the crashing goroutine's id, -1 when none
  std::optional<Culprit> culprit;
  std::string signature;    // the bucket hash of `crashctl triage` (formats/signature.md)
  std::string go_version;   // "go1.26.8", "" when the input does not tell
  uint64_t goroutines = 0;  // how many goroutines the report holds
  uint64_t offset = 0;      // where it starts in the (decompressed) input
};

struct Diagnostic {
  std::string severity;  // "note", "warning", "error"
  uint64_t offset = 0;   // byte offset in the (decompressed) input
  std::string message;
};

// One analyzed input.
struct Analysis {
  std::string path;
  std::string format;   // "traceback", "core", "heapdump", "profile", "unknown"
  bool failed = false;  // could not be opened, decompressed or read to its end
  std::vector<Report> reports;
  std::vector<Diagnostic> diagnostics;
};

// Analyzes the file at PATH ("-": standard input). Bad input never throws:
// it becomes diagnostics and `failed`. Throws std::invalid_argument when an
// option is unusable (an unreadable CODEOWNERS or owners file, a path map
// without "=").
Analysis analyze_file(const std::string &path, const Options &options = {});
// The same on bytes in memory, named NAME in messages.
Analysis analyze_bytes(std::string_view bytes, const std::string &name, const Options &options = {});

// `crashctl analyze`'s exit status for these inputs: 0 something recognized
// in every readable input, 1 nothing recognizable, 2 an input unreadable.
int exit_status(const std::vector<Analysis> &analyses);

// Html: one self-contained page (formats/html.md); Sarif: SARIF 2.1.0
// (formats/sarif.md).
enum class Format { Text, Json, Editor, Html, Sarif };
// Analyzes PATHS and writes to OUT what `crashctl analyze -f FORMAT PATHS`
// writes to standard output (text also lists each input's warnings and
// errors, which the CLI prints on stderr); each report is written as soon as
// it is analyzed. Returns the exit status. Throws as analyze_file does.
int render(const std::vector<std::string> &paths, Format format, std::ostream &out, const Options &options = {});

// Overrides a resource limit for the whole process, "NAME=VALUE" as
// `--limit` takes it (formats/resources.md), before analyzing. Throws
// std::invalid_argument for an unknown name or a bad value. memory-bytes
// only names the limit in messages: set RLIMIT_AS yourself, as the CLI does.
void set_limit(const std::string &name_equals_value);

}  // namespace crashctl::api
