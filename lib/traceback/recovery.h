// Recovered panics in logs: the lines that libraries print around a panic
// they recovered, and the stack formats that are not the runtime's own.
// Each form is documented, with a real example, in formats/logs.md.
#pragma once

#include "model/process.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crashctl {

// "2026/12/06 09:48:18 http: panic serving 127.0.0.1:58282: VALUE"
// (net/http's (*conn).serve). Sets VALUE.
bool parse_http_panic_serving(std::string_view line, std::string &value);

// gin's Recovery: "[Recovery] 2026/12/06 - 09:48:19 panic recovered:"
bool is_gin_recovery_header(std::string_view line);

// echo's middleware.Recover: "[PANIC RECOVER] VALUE goroutine 22 [running]:".
// Sets VALUE and the position of the goroutine header in LINE (npos when the
// header is missing, as in older echo releases that put the stack after a space).
bool parse_echo_panic_recover(std::string_view line, std::string &value, size_t &header_at);

// k8s.io/apimachinery's HandleCrash before klog structured logging:
// "Observed a panic: GOSYNTAX (VALUE)" (VALUE is the %v form); newer releases
// log a structured record that logs/unwrap.cpp reads.
bool parse_observed_panic(std::string_view line, std::string &value);

// zap's console encoder: "TIME\tLEVEL\t[CALLER\t]MESSAGE\t{JSON FIELDS}" at
// error level or above whose fields name a panic value ("panic", "error",
// "err"); its stacktrace follows on the next lines (StackDialect::FrameLines).
bool parse_zap_console_line(std::string_view line, std::string &message, std::string &value);

// A panic value in an arbitrary log line printed just before a logged stack
// ("recovered: VALUE", "panic: VALUE", "grpc: panic in /x: runtime error: ..."),
// or "" when the line names none. Only forms that say what follows is the
// value are read, so a line that merely mentions a panic gives nothing.
std::string value_from_log_line(std::string_view line);

// The frame of the runtime's panic call: "panic" (Go 1.6+ prints gopanic so),
// "runtime.gopanic" (zap, GOTRACEBACK=system), "runtime.panic" (Go 1.3 and
// older), and "gopanic"/"panic" without a package in runtime files (gin, old
// debug.Stack).
bool is_panic_call(const Frame &f);

// Stack formats of libraries that print a stack their own way.
enum class StackDialect : uint8_t {
  Goroutine,   // the runtime's (goroutine headers, frames with arguments)
  FrameLines,  // zap: "FUNC" / "\tFILE:LINE", no header, no arguments or offsets
  Gin,         // gin: "FILE:LINE (0xPC)" / "\tFUNC: SOURCE", functions without package
  Chi,         // chi's PrintPrettyStack: " -> FUNC" / " ->   FILE:LINE", then "    FUNC" / "      FILE:LINE"
  FileList,    // old apimachinery logPanic: "FILE:LINE" lines only
};
const char *to_string(StackDialect);

// One line of a stack in a non-runtime dialect.
struct ForeignStackLine {
  enum Kind { Function, File, CreatedBy } kind = Function;
  std::string_view function;  // Function, CreatedBy
  std::string_view file;      // File
  int64_t line = 0;
  std::optional<uint64_t> pc;  // gin prints the return address
  int64_t parent = -1;         // CreatedBy: "in goroutine N"
};
// Parses S as a line of DIALECT (not Goroutine); false when it is not one.
bool parse_foreign_stack_line(StackDialect dialect, std::string_view s, ForeignStackLine &out);

// A frame of a dialect that leaves out the package: the package read from
// the file's place in GOROOT or the module cache, "" when the path does not
// tell ("/usr/local/go/src/net/http/server.go" is net/http,
// ".../pkg/mod/github.com/gin-gonic/gin@v1.11.0/context.go" is github.com/gin-gonic/gin).
std::string package_from_path(std::string_view file);

// Whether S is "FUNC" of zap's stacktrace: a qualified Go function name alone on its line.
bool looks_like_bare_function(std::string_view s);
// Whether S is "\tFILE.go:LINE" (zap) with nothing after the line number.
bool looks_like_bare_file_line(std::string_view s);

}  // namespace crashctl
