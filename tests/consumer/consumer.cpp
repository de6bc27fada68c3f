// Uses the installed library as any program would (tests/install_test.sh).
//   consumer FILE [EXE]       one line per report: kind, class, goroutine, culprit
//   consumer --json [--exe EXE] FILE...
//                             what `crashctl analyze -f json [--exe EXE] FILE...` prints
#include <crashctl/crashctl.h>

#include <cstring>
#include <iostream>

int main(int argc, char **argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--json") == 0) {
    crashctl::api::Options options;
    int first = 2;
    if (argc >= 5 && std::strcmp(argv[2], "--exe") == 0) {
      options.exe = argv[3];
      first = 4;
    }
    std::vector<std::string> paths(argv + first, argv + argc);
    return crashctl::api::render(paths, crashctl::api::Format::Json, std::cout, options);
  }
  if (argc < 2) {
    std::cerr << "usage: consumer FILE [EXE] | consumer --json [--exe EXE] FILE...\n";
    return 3;
  }
  crashctl::api::Options options;
  if (argc >= 3) options.exe = argv[2];
  crashctl::api::Analysis a = crashctl::api::analyze_file(argv[1], options);
  std::cout << "crashctl " << crashctl::api::version() << ", schema " << crashctl::api::json_schema_version() << "\n";
  std::cout << a.format << (a.failed ? " failed" : "") << ": " << a.reports.size() << " reports\n";
  for (const crashctl::api::Report &r : a.reports) {
    std::cout << r.kind << " " << r.verdict_class << " goroutine " << r.goroutine;
    if (r.culprit) std::cout << " culprit " << r.culprit->function << " line " << r.culprit->line;
    std::cout << " go " << (r.go_version.empty() ? "?" : r.go_version) << "\n";
  }
  for (const crashctl::api::Diagnostic &d : a.diagnostics)
    std::cout << d.severity << " at byte " << d.offset << ": " << d.message << "\n";
  return crashctl::api::exit_status({a});
}
