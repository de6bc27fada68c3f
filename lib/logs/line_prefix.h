// Per-line prefixes that a log adds to crash text (timestamps, klog/glog
// headers, journald's short format, docker-compose service names), learned
// from the line where a crash starts and stripped from the lines after it.
#pragma once

#include <string>
#include <string_view>

namespace crashctl::logs {

// The prefix seen before the first line of a crash, reused for the lines that
// follow. Digit runs match digit runs of any length (timestamps, pids); all
// other characters must match exactly.
//
// Loggers that put their header on the first line of a multi-line message
// only are known: after a klog/glog header, a line without a header of its
// own belongs to the message; after testing's t.Log prefix ("    x_test.go:14: "),
// the message's other lines are indented four more spaces.
class LinePrefix {
public:
  LinePrefix() = default;
  explicit LinePrefix(std::string_view text);
  bool empty() const { return text_.empty(); }
  const std::string &text() const { return text_; }
  // On a match, sets payload to the rest of the line and returns true.
  // A line holding only the prefix (trailing spaces trimmed) is an empty payload.
  bool strip(std::string_view line, std::string_view &payload) const;

private:
  bool match(const std::string &prefix, std::string_view line, std::string_view &payload) const;
  std::string text_;
  std::string continuation_;  // t.Log: the indentation of the message's other lines
  bool klog_header_ = false;  // klog/glog: lines without a header continue the message
};

// The length of the prefix of FIRST that LINE shares with it (digit runs
// match digit runs), ending after a space, tab, '|' or ']' and taking in the
// spaces after it: a pipeline's prefix on every line ("[pod] ", "app-1  | "),
// learned from the log line that announced a stack. 0 when there is none.
size_t shared_line_prefix(std::string_view first, std::string_view line);

// The length of a klog/glog header at the start of S
// ("E1206 09:57:28.283000   27101 panic.go:315] "), 0 when there is none.
size_t klog_header_length(std::string_view s);

}  // namespace crashctl::logs
