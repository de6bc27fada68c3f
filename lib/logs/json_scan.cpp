#include "logs/json_scan.h"

#include "logs/code_point.h"

#include "llvm/ADT/StringExtras.h"

#include <cstring>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace crashctl::logs {

namespace {

uint32_t hex4(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v * 16 + llvm::hexDigitValue(s[at + i]);
  return v;
}

}  // namespace

bool JsonObjectScanner::string(std::string_view &raw, bool &escaped) {
  // s_[pos_] == '"'
  size_t start = ++pos_;
  escaped = false;
  const char *p = s_.data();
  size_t n = s_.size();
  for (;;) {
    // Plain runs: find the next quote, backslash or control byte, 16 at a time.
    size_t i = pos_;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f);
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + i));
      __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                 _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));  // bytes <= 0x1f
      unsigned m = unsigned(_mm_movemask_epi8(hit));
      if (m) {
        i += unsigned(__builtin_ctz(m));
        break;
      }
      i += 16;
    }
#endif
    while (i < n) {
      unsigned char c = static_cast<unsigned char>(p[i]);
      if (c == '"' || c == '\\' || c < 0x20) break;
      ++i;
    }
    pos_ = i;
    if (pos_ >= n) return fail();
    char c = p[pos_];
    if (c == '"') {
      raw = s_.substr(start, pos_ - start);
      ++pos_;
      return true;
    }
    if (c != '\\') return fail();  // a raw control character
    escaped = true;
    if (++pos_ >= n) return fail();
    switch (p[pos_]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': ++pos_; break;
      case 'u':
        if (pos_ + 4 >= n) return fail();
        for (size_t k = 1; k <= 4; ++k)
          if (llvm::hexDigitValue(p[pos_ + k]) == ~0U) {
            pos_ += k;
            return fail();
          }
        pos_ += 5;
        break;
      default: return fail();
    }
  }
}

bool JsonObjectScanner::number() {
  size_t n = s_.size();
  if (pos_ < n && s_[pos_] == '-') ++pos_;
  if (pos_ >= n) return fail();
  if (s_[pos_] == '0') {
    ++pos_;
  } else if (s_[pos_] >= '1' && s_[pos_] <= '9') {
    while (pos_ < n && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
  } else {
    return fail();
  }
  if (pos_ < n && s_[pos_] == '.') {
    ++pos_;
    if (pos_ >= n || s_[pos_] < '0' || s_[pos_] > '9') return fail();
    while (pos_ < n && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
  }
  if (pos_ < n && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < n && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (pos_ >= n || s_[pos_] < '0' || s_[pos_] > '9') return fail();
    while (pos_ < n && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
  }
  return true;
}

bool JsonObjectScanner::literal(std::string_view word) {
  if (s_.substr(pos_, word.size()) != word) return fail();
  pos_ += word.size();
  return true;
}

// Skips a nested object or array at s_[pos_], validating it, without recursion.
bool JsonObjectScanner::skip_container() {
  char stack[kMaxDepth];
  unsigned depth = 0;
  std::string_view unused;
  bool esc;
  // expect_value: after '[' or ',' in an array, or ':' in an object.
  for (;;) {
    char open = s_[pos_];
    if (depth == kMaxDepth) return fail();
    stack[depth++] = open;
    ++pos_;
    if (!ws()) return fail();
    char close = open == '{' ? '}' : ']';
    if (s_[pos_] == close) {
      ++pos_;
      goto closed;
    }
    for (;;) {
      // One element (array) or member (object).
      if (stack[depth - 1] == '{') {
        if (s_[pos_] != '"' || !string(unused, esc)) return fail();
        if (!ws() || s_[pos_] != ':') return fail();
        ++pos_;
        if (!ws()) return fail();
      }
      {
        char c = s_[pos_];
        if (c == '{' || c == '[') break;  // descend: the outer loop opens it
        bool ok;
        if (c == '"')
          ok = string(unused, esc);
        else if (c == 't')
          ok = literal("true");
        else if (c == 'f')
          ok = literal("false");
        else if (c == 'n')
          ok = literal("null");
        else
          ok = number();
        if (!ok) return fail();
      }
    after_element:
      if (!ws()) return fail();
      if (s_[pos_] == ',') {
        ++pos_;
        if (!ws()) return fail();
        continue;
      }
      if (s_[pos_] != (stack[depth - 1] == '{' ? '}' : ']')) return fail();
      ++pos_;
    closed:
      if (--depth == 0) return true;
      goto after_element;
    }
  }
}

bool JsonObjectScanner::value(JsonMember &m) {
  size_t start = pos_;
  char c = s_[pos_];
  switch (c) {
    case '"': m.kind = JsonKind::String; return string(m.raw, m.value_escaped);
    case '{':
    case '[':
      m.kind = c == '{' ? JsonKind::Object : JsonKind::Array;
      if (!skip_container()) return false;
      break;
    case 't':
      m.kind = JsonKind::True;
      if (!literal("true")) return false;
      break;
    case 'f':
      m.kind = JsonKind::False;
      if (!literal("false")) return false;
      break;
    case 'n':
      m.kind = JsonKind::Null;
      if (!literal("null")) return false;
      break;
    default:
      m.kind = JsonKind::Number;
      if (!number()) return false;
  }
  m.raw = s_.substr(start, pos_ - start);
  return true;
}

bool json_key_is(const JsonMember &m, std::string_view key) {
  if (!m.key_escaped) return m.key == key;
  std::string k;
  decode_json_string(m.key, true, k);
  return k == key;
}

void decode_json_string(std::string_view raw, bool escaped, std::string &out) {
  if (!escaped) {
    out.append(raw);
    return;
  }
  size_t i = 0, n = raw.size();
  while (i < n) {
    const char *bs = static_cast<const char *>(std::memchr(raw.data() + i, '\\', n - i));
    size_t j = bs ? size_t(bs - raw.data()) : n;
    out.append(raw.data() + i, j - i);
    if (j >= n) break;
    i = j + 1;
    if (i >= n) break;
    char e = raw[i++];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        if (i + 4 > n) {
          i = n;
          break;
        }
        uint32_t cp = hex4(raw, i);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate: joined with the low one that should follow.
          if (i + 6 <= n && raw[i] == '\\' && raw[i + 1] == 'u') {
            uint32_t lo = hex4(raw, i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i += 6;
            } else {
              cp = 0xFFFD;
            }
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        append_code_point(out, cp);
        break;
      }
      default: out.push_back(e); break;  // '"', '\\', '/'
    }
  }
}

bool decode_json_byte_array(std::string_view raw, std::string &out) {
  size_t i = 0, n = raw.size();
  auto skip_ws = [&] {
    while (i < n && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r')) ++i;
  };
  skip_ws();
  if (i >= n || raw[i] != '[') return false;
  ++i;
  skip_ws();
  if (i < n && raw[i] == ']') return true;
  for (;;) {
    skip_ws();
    unsigned v = 0;
    size_t digits = 0;
    while (i < n && raw[i] >= '0' && raw[i] <= '9' && digits < 4) v = v * 10 + unsigned(raw[i++] - '0'), ++digits;
    if (digits == 0 || v > 255) return false;
    out.push_back(char(v));
    skip_ws();
    if (i >= n) return false;
    if (raw[i] == ',') {
      ++i;
      continue;
    }
    return raw[i] == ']';
  }
}

}  // namespace crashctl::logs
