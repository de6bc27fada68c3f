// Writes the bytes llvm::json::OStream(os, 2) writes, for the parts of the
// JSON document that repeat once per goroutine and frame, without OStream's
// per-value bookkeeping (a stack of scopes, a UTF-8 check and an escape loop
// per key, a json::Value per value): keys are known ASCII, and a string that
// is printable ASCII without '"' or '\' is copied as it is. Anything else
// goes through json::Value, so the output stays byte for byte OStream's
// (tests/test_json_emit.cpp compares the two).
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>

namespace crashctl::render_detail {

class JsonEmitter {
public:
  explicit JsonEmitter(llvm::raw_ostream &os) : os_(os) {}
  llvm::raw_ostream &os() { return os_; }

  void newline(unsigned indent) {
    os_ << '\n';
    spaces(indent);
  }
  void spaces(unsigned n) {
    static constexpr char kSpaces[] = "                                                                ";
    while (n) {
      unsigned take = n < sizeof kSpaces - 1 ? n : unsigned(sizeof kSpaces - 1);
      os_.write(kSpaces, take);
      n -= take;
    }
  }

  // A string value, repaired if it is not UTF-8, as json::Value and
  // OStream::value do.
  void string(llvm::StringRef s) {
    if (plain(s)) {
      os_ << '"' << s << '"';
      return;
    }
    if (llvm::json::isUTF8(s))
      os_ << llvm::json::Value(s);
    else
      os_ << llvm::json::Value(llvm::json::fixUTF8(s));
  }
  void string_or_null(llvm::StringRef s) {
    if (s.empty())
      null();
    else
      string(s);
  }
  void null() { os_ << "null"; }
  void boolean(bool b) { os_ << (b ? llvm::StringRef("true") : llvm::StringRef("false")); }
  void integer(int64_t v) {
    char buf[24];
    char *end = buf + sizeof buf, *p = end;
    uint64_t u = v < 0 ? 0 - uint64_t(v) : uint64_t(v);
    do *--p = char('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    os_.write(p, size_t(end - p));
  }
  void unsigned_integer(uint64_t v) {
    char buf[24];
    char *end = buf + sizeof buf, *p = end;
    do *--p = char('0' + v % 10);
    while (v /= 10);
    os_.write(p, size_t(end - p));
  }
  void int_or_null(int64_t v) {  // null for negative (unknown), as render_detail::int_or_null
    if (v < 0)
      null();
    else
      integer(v);
  }
  void hex(uint64_t v) {  // "0x1d", as render_detail::hex
    char buf[20];
    char *end = buf + sizeof buf, *p = end;
    *--p = '"';
    do *--p = "0123456789abcdef"[v & 15];
    while (v >>= 4);
    *--p = 'x';
    *--p = '0';
    *--p = '"';
    os_.write(p, size_t(end - p));
  }
  void hex_or_null(const std::optional<uint64_t> &v) {
    if (v)
      hex(*v);
    else
      null();
  }

  // Printable ASCII that needs no escape.
  static bool plain(llvm::StringRef s) {
    for (unsigned char c : s)
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    return true;
  }

private:
  llvm::raw_ostream &os_;
};

// An object or array whose first line is at INDENT: members go at INDENT+2,
// each after ",\n" (the first after "\n"), and the closing bracket on a line
// of its own at INDENT, unless it is empty ("{}", "[]").
class JsonScope {
public:
  JsonScope(JsonEmitter &e, unsigned indent, char open) : e_(e), indent_(indent), close_(open == '{' ? '}' : ']') {
    e_.os() << open;
  }
  // The next member of an object: KEY must be ASCII without '"' or '\'.
  JsonEmitter &key(llvm::StringRef key) {
    next();
    e_.os() << '"' << key << "\": ";
    return e_;
  }
  // The next element of an array.
  JsonEmitter &item() {
    next();
    return e_;
  }
  unsigned inner() const { return indent_ + 2; }
  void end() {
    if (!first_) e_.newline(indent_);
    e_.os() << close_;
  }

private:
  void next() {
    if (!first_) e_.os() << ',';
    first_ = false;
    e_.newline(indent_ + 2);
  }
  JsonEmitter &e_;
  unsigned indent_;
  char close_;
  bool first_ = true;
};

}  // namespace crashctl::render_detail
