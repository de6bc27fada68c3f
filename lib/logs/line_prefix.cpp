#include "logs/line_prefix.h"

#include "gosyntax/parse.h"

namespace crashctl::logs {

size_t klog_header_length(std::string_view s) {
  // [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg
  if (s.size() < 20 || (s[0] != 'I' && s[0] != 'W' && s[0] != 'E' && s[0] != 'F')) return 0;
  for (size_t i = 1; i <= 4; ++i)
    if (!is_digit(s[i])) return 0;
  if (s[5] != ' ' || !is_digit(s[6]) || !is_digit(s[7]) || s[8] != ':') return 0;
  size_t close = s.find("] ");
  if (close == std::string_view::npos || close > 160) return 0;
  return close + 2;
}

size_t shared_line_prefix(std::string_view first, std::string_view line) {
  size_t p = 0, l = 0, cut = 0;
  while (p < first.size() && l < line.size()) {
    if (is_digit(first[p]) && is_digit(line[l])) {
      while (p < first.size() && is_digit(first[p])) ++p;
      while (l < line.size() && is_digit(line[l])) ++l;
      continue;
    }
    if (first[p] != line[l]) break;
    char c = first[p];
    ++p, ++l;
    if (c == ' ' || c == '\t' || c == '|' || c == ']') cut = p;
  }
  while (cut > 0 && cut < first.size() && first[cut] == ' ') ++cut;
  return cut;
}

LinePrefix::LinePrefix(std::string_view text) : text_(text) {
  if (klog_header_length(text) == text.size() && !text.empty()) klog_header_ = true;
  // t.Log: "    name_test.go:14: " (more indentation in subtests), perhaps
  // after a pipeline's own prefix (a CI timestamp).
  if (text.size() > 8 && text.compare(text.size() - 2, 2, ": ") == 0) {
    size_t sp = text.rfind(' ', text.size() - 3);
    std::string_view loc = text.substr(sp + 1, text.size() - 3 - sp);
    size_t colon = loc.rfind(':');
    size_t ws = sp + 1, before = ws;
    while (before > 0 && text[before - 1] == ' ') --before;
    if (sp != std::string_view::npos && colon != std::string_view::npos && colon >= 3 &&
        loc.compare(colon - 3, 3, ".go") == 0 && ws - before >= 4)
      continuation_ = std::string(text.substr(0, ws)) + "    ";
  }
}

bool LinePrefix::strip(std::string_view line, std::string_view &payload) const {
  if (match(text_, line, payload)) return true;
  if (!continuation_.empty() && match(continuation_, line, payload)) return true;
  if (klog_header_ && klog_header_length(line) == 0) {
    payload = line;
    return true;
  }
  return false;
}

bool LinePrefix::match(const std::string &t, std::string_view line, std::string_view &payload) const {
  size_t p = 0, l = 0;
  while (p < t.size()) {
    if (l >= line.size()) {
      // The line ends inside the prefix: fine if only whitespace is left.
      for (; p < t.size(); ++p)
        if (t[p] != ' ' && t[p] != '\t') return false;
      payload = std::string_view();
      return true;
    }
    // A right-aligned number (a line-number gutter, a padded pid): any run of
    // spaces and digits matches.
    if (t[p] == ' ' && p + 1 < t.size() && (t[p + 1] == ' ' || is_digit(t[p + 1]))) {
      size_t q = p;
      while (q < t.size() && t[q] == ' ') ++q;
      if (q < t.size() && is_digit(t[q]) && (line[l] == ' ' || is_digit(line[l]))) {
        size_t m = l;
        while (m < line.size() && line[m] == ' ') ++m;
        if (m < line.size() && is_digit(line[m])) {
          p = q;
          l = m;
        }
      }
    }
    if (is_digit(t[p])) {
      if (!is_digit(line[l])) return false;
      while (p < t.size() && is_digit(t[p])) ++p;
      while (l < line.size() && is_digit(line[l])) ++l;
      continue;
    }
    if (t[p] != line[l]) return false;
    ++p;
    ++l;
  }
  payload = line.substr(l);
  return true;
}

}  // namespace crashctl::logs
