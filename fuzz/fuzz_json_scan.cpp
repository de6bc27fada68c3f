// Differential libFuzzer target for logs::JsonObjectScanner: the input, as
// one line, must be accepted exactly when llvm::json::parse reads it as an
// object, with the same top-level keys and the same decoded string values;
// decode_json_byte_array must agree with llvm::json on arrays of bytes.
// Differences that are not the scanner's are left out of the comparison:
// llvm::json rejects invalid UTF-8 (the scanner passes bytes through),
// accepts numbers RFC 8259 does not ("01", "1.", "+1", ".5"), has no depth
// limit (the scanner stops at 128 nested containers), and LLVM 19 joins a
// surrogate pair as 0x10000 | (hi - 0xD800) << 10 | (lo - 0xDC00), wrong when
// bit 6 of the high surrogate is set ("\uDAC0\uDC00" gives U+B0000, not
// U+C0000): strings are not compared in an input holding such a pair. Any
// other mismatch traps.
//   ninja -C build-fuzz fuzz_json_scan
//   build-fuzz/fuzz/fuzz_json_scan -max_total_time=600 corpus-json/
#include "logs/json_scan.h"

#include "llvm/Support/JSON.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

using namespace crashctl::logs;

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 8259's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool strict_number(std::string_view t) {
  size_t i = 0, n = t.size();
  if (i < n && t[i] == '-') ++i;
  if (i >= n) return false;
  if (t[i] == '0')
    ++i;
  else if (is_digit(t[i]))
    while (i < n && is_digit(t[i])) ++i;
  else
    return false;
  if (i < n && t[i] == '.') {
    if (++i >= n || !is_digit(t[i])) return false;
    while (i < n && is_digit(t[i])) ++i;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    if (++i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (i >= n || !is_digit(t[i])) return false;
    while (i < n && is_digit(t[i])) ++i;
  }
  return i == n;
}

bool number_char(char c) {
  return is_digit(c) || c == 'e' || c == 'E' || c == '+' || c == '-' || c == '.';
}

// Outside strings: the deepest nesting of brackets and whether every number
// token (a run of llvm::json's number characters that starts a value) is
// strict. Meaningful for text llvm::json accepted.
void lex(std::string_view s, unsigned &max_depth, bool &strict_numbers) {
  unsigned depth = 0;
  max_depth = 0;
  strict_numbers = true;
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i)
        if (s[i] == '\\') ++i;
      ++i;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) max_depth = depth;
      ++i;
    } else if (c == '}' || c == ']') {
      if (depth) --depth;
      ++i;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;  // true/false/null
    } else if (number_char(c)) {
      size_t start = i;
      while (i < s.size() && number_char(s[i])) ++i;
      if (!strict_number(s.substr(start, i - start))) strict_numbers = false;
    } else {
      ++i;
    }
  }
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of a \uXXXX escape at s[i], or -1.
int escape_at(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = 2; k < 6; ++k) {
    int h = hex(s[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// Whether S holds a surrogate pair that LLVM 19's llvm::json decodes wrongly.
bool llvm_misjoins_pair(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') continue;
    int hi = escape_at(s, i), lo = escape_at(s, i + 6);
    if (hi >= 0xD800 && hi <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF && ((hi - 0xD800) & 0x40)) return true;
    ++i;  // the escaped character
  }
  return false;
}

JsonKind kind_of(const llvm::json::Value &v) {
  switch (v.kind()) {
    case llvm::json::Value::Null: return JsonKind::Null;
    case llvm::json::Value::Boolean: return *v.getAsBoolean() ? JsonKind::True : JsonKind::False;
    case llvm::json::Value::Number: return JsonKind::Number;
    case llvm::json::Value::String: return JsonKind::String;
    case llvm::json::Value::Array: return JsonKind::Array;
    case llvm::json::Value::Object: return JsonKind::Object;
  }
  return JsonKind::Null;
}

void check_byte_array(std::string_view raw, const llvm::json::Array *arr) {
  std::string bytes;
  bool ok = decode_json_byte_array(raw, bytes);
  if (!arr) return;
  // Every element an integer 0..255 written without a sign, fraction or
  // exponent (journald's form): the decoder must read them all.
  bool plain = raw.find_first_of("-.eE") == std::string_view::npos;
  bool all_bytes = true;
  std::string want;
  for (const llvm::json::Value &e : *arr) {
    std::optional<int64_t> v = e.getAsInteger();
    if (!v || *v < 0 || *v > 255) {
      all_bytes = false;
      break;
    }
    want.push_back(char(*v));
  }
  if (ok && (!all_bytes || bytes != want)) __builtin_trap();
  if (!ok && all_bytes && plain) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view s(reinterpret_cast<const char *>(data), size);

  std::vector<JsonMember> members;
  size_t error_at = SIZE_MAX;
  JsonObjectScanner scanner(s);
  bool accepted = scanner.scan(
      [&](const JsonMember &m) {
        members.push_back(m);
        return true;
      },
      &error_at);
  if (!accepted && error_at > size) __builtin_trap();

  // Any bytes: the decoders must not crash (whatever they return).
  std::string scratch;
  decode_json_byte_array(s, scratch);
  for (const JsonMember &m : members) {
    scratch.clear();
    decode_json_string(m.key, m.key_escaped, scratch);
    if (m.kind == JsonKind::String) decode_json_string(m.raw, m.value_escaped, scratch);
    if (m.kind == JsonKind::Array) decode_json_byte_array(m.raw, scratch);
    json_key_is(m, "MESSAGE");
  }

  unsigned depth;
  bool strict_numbers;
  lex(s, depth, strict_numbers);
  // The scanner's limit: the object and 128 containers inside it.
  if (depth > 129) {
    if (accepted) __builtin_trap();
    return 0;
  }
  if (!llvm::json::isUTF8(llvm::StringRef(s.data(), s.size()))) return 0;

  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(llvm::StringRef(s.data(), s.size()));
  const llvm::json::Object *obj = nullptr;
  if (parsed)
    obj = parsed->getAsObject();
  else
    llvm::consumeError(parsed.takeError());

  if (accepted && !obj) __builtin_trap();
  if (!accepted) {
    if (obj && strict_numbers) __builtin_trap();
    return 0;
  }

  if (llvm_misjoins_pair(s)) return 0;
  // Both accept. Keys: llvm::json keeps one value per key, the last one.
  std::map<std::string, const JsonMember *> last;
  for (const JsonMember &m : members) {
    std::string key;
    decode_json_string(m.key, m.key_escaped, key);
    if (m.key_escaped != (m.key.find('\\') != std::string_view::npos)) __builtin_trap();
    last[key] = &m;
  }
  if (last.size() != obj->size()) __builtin_trap();
  for (const auto &[key, m] : last) {
    const llvm::json::Value *v = obj->get(key);
    if (!v) __builtin_trap();
    if (kind_of(*v) != m->kind) __builtin_trap();
    switch (m->kind) {
      case JsonKind::String: {
        std::string text;
        decode_json_string(m->raw, m->value_escaped, text);
        if (m->value_escaped != (m->raw.find('\\') != std::string_view::npos)) __builtin_trap();
        if (llvm::StringRef(text) != *v->getAsString()) __builtin_trap();
        break;
      }
      case JsonKind::Array: check_byte_array(m->raw, v->getAsArray()); break;
      case JsonKind::True:
        if (m->raw != "true") __builtin_trap();
        break;
      case JsonKind::False:
        if (m->raw != "false") __builtin_trap();
        break;
      case JsonKind::Null:
        if (m->raw != "null") __builtin_trap();
        break;
      case JsonKind::Number:
        if (!strict_number(m->raw)) __builtin_trap();
        break;
      case JsonKind::Object:
        if (m->raw.empty() || m->raw.front() != '{' || m->raw.back() != '}') __builtin_trap();
        break;
    }
  }
  return 0;
}
