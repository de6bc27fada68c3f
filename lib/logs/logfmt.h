// logfmt-style records: `key=value key="quoted value"` as logrus's text
// formatter, log/slog's TextHandler and klog's structured logging write
// them. Quoted values use Go's strconv.Quote escapes (\n, \t, \", \\, \xHH,
// \uHHHH, \UHHHHHHHH, octal), so a logged stack is one line with "\n" in it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crashctl::logs {

struct LogfmtField {
  std::string key;    // "" for a bare quoted message (klog: `"Observed a panic" k=v`)
  std::string value;  // unquoted and unescaped
  bool quoted = false;
};

// Splits LINE into fields; returns false when it does not read as logfmt
// (an unterminated quote, or no key=value field at all). A value of `<`
// at the end (klog's multi-line block opener) is kept as the value "<".
bool parse_logfmt(std::string_view line, std::vector<LogfmtField> &out);

// Decodes the Go-quoted string Q (with its quotes); false when malformed.
bool unquote_go(std::string_view q, std::string &out);

}  // namespace crashctl::logs
