// A validating JSON scanner for log lines that hold one object each (docker
// json-file, journalctl -o json, go test -json, structured loggers). It walks
// the top-level members without building a document (nested values are
// skipped, validated), so multi-gigabyte journald exports go at memory speed.
// The grammar is RFC 8259's; a differential fuzz target
// (fuzz/fuzz_json_scan.cpp) holds it to llvm::json's accept/reject and values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace crashctl::logs {

enum class JsonKind : uint8_t { String, Number, True, False, Null, Object, Array };

struct JsonMember {
  std::string_view key;  // between the quotes, escapes not decoded
  JsonKind kind = JsonKind::Null;
  std::string_view raw;                             // the value's text; for strings, between the quotes
  bool key_escaped = false, value_escaped = false;  // the raw text holds backslash escapes
};

// Scans S, which must be one JSON object (whitespace around it allowed), and
// calls on_member(const JsonMember &) for each top-level member in order; a
// false return from on_member stops the scan (then the result is true only if
// what was scanned so far was well-formed). Returns false on malformed input
// with *error_at (when given) set to the byte offset of the problem.
class JsonObjectScanner {
public:
  explicit JsonObjectScanner(std::string_view s) : s_(s) {}
  template <class F>
  bool scan(F &&on_member, size_t *error_at = nullptr);

private:
  bool ws();
  bool string(std::string_view &raw, bool &escaped);
  bool value(JsonMember &m);
  bool skip_container();
  bool number();
  bool literal(std::string_view word);
  bool fail() {
    if (!failed_) err_ = pos_;
    failed_ = true;
    return false;
  }
  std::string_view s_;
  size_t pos_ = 0, err_ = 0;
  bool failed_ = false;
  static constexpr unsigned kMaxDepth = 128;
};

// Whether a raw key equals `key` (decoding escapes when it holds any).
bool json_key_is(const JsonMember &m, std::string_view key);
// Appends the decoded text of a raw JSON string (from a well-formed scan):
// escapes resolved, \uXXXX surrogate pairs joined, lone surrogates become
// U+FFFD.
void decode_json_string(std::string_view raw, bool escaped, std::string &out);
// The bytes of a JSON array of integers 0..255 (journald's MESSAGE when the
// message holds control characters or invalid UTF-8); false if RAW is not one.
bool decode_json_byte_array(std::string_view raw, std::string &out);

// --- implementation ------------------------------------------------------------

inline bool JsonObjectScanner::ws() {
  while (pos_ < s_.size()) {
    char c = s_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    ++pos_;
  }
  return pos_ < s_.size();
}

template <class F>
bool JsonObjectScanner::scan(F &&on_member, size_t *error_at) {
  auto result = [&](bool ok) {
    if (!ok && error_at) *error_at = err_;
    return ok;
  };
  if (!ws() || s_[pos_] != '{') return result(fail());
  ++pos_;
  if (!ws()) return result(fail());
  if (s_[pos_] == '}') {
    ++pos_;
    ws();
    return result(pos_ == s_.size() || fail());
  }
  for (;;) {
    JsonMember m;
    if (!ws() || s_[pos_] != '"') return result(fail());
    if (!string(m.key, m.key_escaped)) return result(false);
    if (!ws() || s_[pos_] != ':') return result(fail());
    ++pos_;
    if (!ws() || !value(m)) return result(failed_ ? false : fail());
    if (!on_member(static_cast<const JsonMember &>(m))) return result(true);
    if (!ws()) return result(fail());
    if (s_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (s_[pos_] != '}') return result(fail());
    ++pos_;
    ws();
    return result(pos_ == s_.size() || fail());
  }
}

}  // namespace crashctl::logs
