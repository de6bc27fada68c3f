// Parsers for single lines of Go traceback text, as printed by
// src/runtime/traceback.go (goroutineheader, traceback2, printcreatedby).
#pragma once

#include "model/process.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace crashctl {

// Inline: these run several times per input line.
inline std::string_view trim_left(std::string_view s) {
  const char *b = s.data(), *e = b + s.size();
  while (b < e && (*b == ' ' || *b == '\t')) ++b;
  return std::string_view(b, size_t(e - b));
}
inline std::string_view trim(std::string_view s) {
  s = trim_left(s);
  const char *b = s.data(), *e = b + s.size();
  while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) --e;
  return std::string_view(b, size_t(e - b));
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// "goroutine N [" or "goroutine N gp=" at s[at].
inline bool goroutine_header_at(std::string_view s, size_t at) {
  if (s.compare(at, 10, "goroutine ") != 0) return false;
  size_t i = at + 10, start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i > start && i + 1 < s.size() && s[i] == ' ' && (s[i + 1] == '[' || s[i + 1] == 'g');
}
inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}
inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         std::memcmp(s.data() + s.size() - suffix.size(), suffix.data(), suffix.size()) == 0;
}
std::optional<uint64_t> parse_hex(std::string_view s);  // "0x1f" or "1f"
std::optional<int64_t> parse_decimal(std::string_view s);

// "goroutine 7 gp=0x.. m=3 mp=0x.. [chan receive, 5 minutes, locked to thread] {k: v}:"
// Fills the header fields of g. Returns false when s is not a header.
// `unknown_suffix` receives bracket items it did not understand, if any.
bool parse_goroutine_header(std::string_view s, Goroutine &g, std::string *unknown_suffix = nullptr);

// "\t/path/file.go:12 +0x1d fp=0x.. sp=0x.. pc=0x.." (leading whitespace optional).
// Sets file, line, pc_offset, pc of f; fp/sp into addr when present.
bool parse_file_line(std::string_view s, Frame &f, FrameAddresses *addr = nullptr, bool *has_addr = nullptr);

// Non-allocating core of parse_file_line.
struct FileLineView {
  std::string_view file;
  int64_t line = 0;
  std::optional<uint64_t> pc_offset, pc;
  FrameAddresses addr;
  bool has_addr = false;
};
bool parse_file_line_view(std::string_view s, FileLineView &out);
// A fast check of the same shape: "...:LINE" optionally followed by " +0x..",
// " pc=0x..". Used on the hot path; parse_file_line_view when values matter.
bool looks_like_file_line(std::string_view trimmed);

// "pkg.(*T).M[...](0x1, {0x2, 0x3}, ...)" or "pkg.F(...)". Sets function,
// package and args. Inlined frames are recognized later by their file line
// having no "+0x" offset and args "...".
bool parse_function_line(std::string_view s, Frame &f);

// "created by pkg.F in goroutine 12" -> function, parent goid (-1 if absent).
bool parse_created_by(std::string_view s, Frame &f, int64_t &parent_goid);

// The import path a Go symbol belongs to: "net/http.(*conn).serve" -> "net/http",
// "main.main.func1" -> "main", "panic" -> "runtime".
std::string package_of(std::string_view function);

// Maps a status word of a goroutine header to a status; Waiting for wait reasons.
GoroutineStatus status_from_text(std::string_view s);

}  // namespace crashctl
