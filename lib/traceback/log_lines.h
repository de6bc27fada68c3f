// Crash text embedded in logs: container log wrappers and per-line prefixes
// (timestamps, klog/glog headers, journald, docker-compose service names).
#pragma once

#include <string>
#include <string_view>

namespace crashctl {

// Unwraps docker's json-file lines {"log":"...\n","stream":"stderr",...} and
// go test -json lines {"Action":"output","Output":"...\n",...}.
// Returns false when `raw` is not such a line. The payload has its JSON escapes
// decoded and the trailing newline removed; it lives in `scratch`.
bool unwrap_docker_json(std::string_view raw, std::string &scratch, std::string_view &payload);

// The prefix seen before the first line of a crash, reused for the lines that
// follow. Digit runs match digit runs of any length (timestamps, pids); all
// other characters must match exactly.
class LinePrefix {
public:
  LinePrefix() = default;
  explicit LinePrefix(std::string_view text) : text_(text) {}
  bool empty() const { return text_.empty(); }
  const std::string &text() const { return text_; }
  // On a match, sets payload to the rest of the line and returns true.
  // A line holding only the prefix (trailing spaces trimmed) is an empty payload.
  bool strip(std::string_view line, std::string_view &payload) const;

private:
  std::string text_;
};

}  // namespace crashctl
