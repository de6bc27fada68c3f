#include "logs/logfmt.h"

#include "logs/code_point.h"

#include "llvm/ADT/StringExtras.h"

#include <cstdint>

namespace crashctl::logs {

namespace {

// The end of the quoted string starting at s[i] == '"': index of the closing quote, or npos.
size_t quote_end(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == '"') return i;
  }
  return std::string_view::npos;
}

}  // namespace

bool unquote_go(std::string_view q, std::string &out) {
  if (q.size() < 2 || q.front() != '"' || q.back() != '"') return false;
  q = q.substr(1, q.size() - 2);
  for (size_t i = 0; i < q.size(); ++i) {
    char c = q[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= q.size()) return false;
    char e = q[i];
    switch (e) {
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case '\\':
      case '"':
      case '\'': out.push_back(e); break;
      case 'x':
      case 'u':
      case 'U': {
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + digits >= q.size()) return false;
        uint32_t v = 0;
        for (size_t k = 1; k <= digits; ++k) {
          unsigned h = llvm::hexDigitValue(q[i + k]);
          if (h == ~0U) return false;
          v = v * 16 + h;
        }
        i += digits;
        if (e == 'x')
          out.push_back(char(v));
        else
          append_code_point(out, v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 >= q.size()) return false;
          uint32_t v = 0;
          for (size_t k = 0; k < 3; ++k) {
            char d = q[i + k];
            if (d < '0' || d > '7') return false;
            v = v * 8 + uint32_t(d - '0');
          }
          if (v > 255) return false;
          out.push_back(char(v));
          i += 2;
          break;
        }
        return false;
    }
  }
  return true;
}

bool parse_logfmt(std::string_view line, std::vector<LogfmtField> &out) {
  out.clear();
  bool any_pair = false;
  size_t i = 0, n = line.size();
  while (i < n) {
    while (i < n && line[i] == ' ') ++i;
    if (i >= n) break;
    LogfmtField f;
    if (line[i] == '"') {
      // A bare quoted message (klog) or a quoted key.
      size_t e = quote_end(line, i);
      if (e == std::string_view::npos) return false;
      if (!unquote_go(line.substr(i, e - i + 1), f.value)) return false;
      f.quoted = true;
      i = e + 1;
      out.push_back(std::move(f));
      continue;
    }
    size_t k = i;
    while (k < n && line[k] != '=' && line[k] != ' ' && line[k] != '"') ++k;
    if (k >= n || line[k] != '=' || k == i) {
      // A bare word: not logfmt past this point unless it is a prefix (klog
      // header, timestamp); keep it as a key without value.
      while (k < n && line[k] != ' ') ++k;
      f.key = std::string(line.substr(i, k - i));
      i = k;
      out.push_back(std::move(f));
      continue;
    }
    f.key = std::string(line.substr(i, k - i));
    i = k + 1;
    if (i < n && line[i] == '"') {
      size_t e = quote_end(line, i);
      if (e == std::string_view::npos) return false;
      if (!unquote_go(line.substr(i, e - i + 1), f.value)) return false;
      f.quoted = true;
      i = e + 1;
    } else {
      size_t e = i;
      while (e < n && line[e] != ' ') ++e;
      f.value = std::string(line.substr(i, e - i));
      i = e;
    }
    any_pair = true;
    out.push_back(std::move(f));
  }
  return any_pair;
}

}  // namespace crashctl::logs
