#include "traceback/log_lines.h"

#include "traceback/parse.h"

namespace crashctl {

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static void append_utf8(std::string &out, unsigned cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

bool unwrap_docker_json(std::string_view raw, std::string &scratch, std::string_view &payload) {
  std::string_view s = trim_left(raw);
  if (!starts_with(s, "{")) return false;
  // docker json-file {"log":"..."} and go test -json (test2json) {"Output":"..."}.
  size_t i = std::string_view::npos;
  for (std::string_view key : {std::string_view("\"log\":\""), std::string_view("\"Output\":\"")}) {
    size_t k = s.find(key);
    if (k != std::string_view::npos) {
      i = k + key.size();
      break;
    }
  }
  if (i == std::string_view::npos) return false;
  scratch.clear();
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') break;
    if (c != '\\') { scratch.push_back(c); continue; }
    if (++i >= s.size()) return false;
    switch (s[i]) {
    case 'n': scratch.push_back('\n'); break;
    case 't': scratch.push_back('\t'); break;
    case 'r': scratch.push_back('\r'); break;
    case 'b': scratch.push_back('\b'); break;
    case 'f': scratch.push_back('\f'); break;
    case 'u': {
      if (i + 4 >= s.size()) return false;
      auto v = parse_hex(s.substr(i + 1, 4));
      if (!v) return false;
      append_utf8(scratch, unsigned(*v));
      i += 4;
      break;
    }
    default: scratch.push_back(s[i]); break;
    }
  }
  if (i >= s.size()) return false;
  while (!scratch.empty() && (scratch.back() == '\n' || scratch.back() == '\r')) scratch.pop_back();
  payload = scratch;
  return true;
}

bool LinePrefix::strip(std::string_view line, std::string_view &payload) const {
  size_t p = 0, l = 0;
  const std::string &t = text_;
  while (p < t.size()) {
    if (l >= line.size()) {
      // The line ends inside the prefix: fine if only whitespace is left.
      for (; p < t.size(); ++p)
        if (t[p] != ' ' && t[p] != '\t') return false;
      payload = std::string_view();
      return true;
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

}  // namespace crashctl
