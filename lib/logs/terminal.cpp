#include "logs/terminal.h"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace crashctl::logs {

unsigned scan_line(std::string_view s) {
  // One pass for the bytes that send a line off the plain path.
  unsigned found = 0;
  const char *p = s.data();
  size_t n = s.size(), i = 0;
#ifdef __SSE2__
  if (n >= 16) {
    const __m128i esc = _mm_set1_epi8(0x1b), c2 = _mm_set1_epi8(char(0xC2)), quote = _mm_set1_epi8('"');
    auto hits = [&](size_t at) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + at));
      return unsigned(_mm_movemask_epi8(
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, esc), _mm_cmpeq_epi8(v, c2)), _mm_cmpeq_epi8(v, quote))));
    };
    for (; i + 16 <= n; i += 16)
      if (hits(i)) break;  // the scalar loop below looks closer
    // The tail, as one load that overlaps the last block.
    if (i + 16 > n && !hits(n - 16)) return 0;
    if (i + 16 > n) i = n - 16;
  }
#endif
  for (; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == 0x1b)
      found |= kLineEscape;
    else if (c == '"')
      found |= kLineQuote;
    else if (c == 0xC2 && i + 1 < n &&
             (static_cast<unsigned char>(p[i + 1]) == 0x9B || static_cast<unsigned char>(p[i + 1]) == 0x9D))
      found |= kLineEscape;
  }
  return found;
}

bool has_terminal_escape(std::string_view s) {
  return (scan_line(s) & kLineEscape) != 0;
}

namespace {

// Skips a string-type sequence body (OSC, DCS, ...) from i: up to BEL or ST
// (ESC \ or U+009C). Returns the index after its terminator, or size.
size_t skip_string_body(std::string_view s, size_t i, bool bel_ends) {
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0x07 && bel_ends) return i + 1;
    if (c == 0x1b) return i + 1 < s.size() && s[i + 1] == '\\' ? i + 2 : i + 1;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x9C) return i + 2;
  }
  return s.size();
}

// Skips CSI parameters, intermediates and the final byte from i.
size_t skip_csi_body(std::string_view s, size_t i) {
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x30 && c <= 0x3F) {
      ++i;
      continue;
    }  // parameters
    if (c >= 0x20 && c <= 0x2F) {
      ++i;
      continue;
    }                                          // intermediates
    if (c >= 0x40 && c <= 0x7E) return i + 1;  // final byte
    return i;                                  // malformed: stop before the odd byte
  }
  return i;
}

}  // namespace

void strip_terminal_escapes(std::string_view s, std::string &out) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC2 && i + 1 < n) {
      unsigned char d = static_cast<unsigned char>(s[i + 1]);
      if (d == 0x9B) {
        i = skip_csi_body(s, i + 2);
        continue;
      }
      if (d == 0x9D) {
        i = skip_string_body(s, i + 2, true);
        continue;
      }
    }
    if (c != 0x1b) {
      size_t j = i + 1;
      while (j < n && s[j] != '\x1b' && static_cast<unsigned char>(s[j]) != 0xC2) ++j;
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (i + 1 >= n) break;
    char k = s[i + 1];
    switch (k) {
      case '[': i = skip_csi_body(s, i + 2); break;
      case ']': i = skip_string_body(s, i + 2, true); break;
      case 'P':
      case 'X':
      case '^':
      case '_': i = skip_string_body(s, i + 2, false); break;
      case '(':
      case ')':
      case '*':
      case '+':
      case '#':
      case '%': i = std::min(n, i + 3); break;
      default: i += 2; break;  // ESC 7, ESC =, ESC c, ...
    }
  }
}

}  // namespace crashctl::logs
