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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

namespace crashctl::render_detail {

class JsonEmitter {
public:
  explicit JsonEmitter(llvm::raw_ostream &os) : os_(os), buf_(new char[kCapacity + kSlack]) {}
  ~JsonEmitter() { flush(); }
  JsonEmitter(const JsonEmitter &) = delete;
  JsonEmitter &operator=(const JsonEmitter &) = delete;

  // Hands what is buffered to the stream (also done on destruction).
  void flush() {
    if (n_) os_.write(buf_.get(), n_);
    n_ = 0;
  }
  void put(char c) {
    if (n_ == kCapacity) flush();
    buf_[n_++] = c;
  }
  void put(llvm::StringRef s) {
    if (s.size() > kCapacity - n_) {
      flush();
      if (s.size() > kCapacity) return (void)os_.write(s.data(), s.size());
    }
    if (!s.empty()) std::memcpy(buf_.get() + n_, s.data(), s.size());  // an empty StringRef's data may be null
    n_ += s.size();
  }

  void newline(unsigned indent) {
    put('\n');
    spaces(indent);
  }
  void spaces(unsigned n) {
    while (n) {
      unsigned take = n < sizeof kSpaces - 1 ? n : unsigned(sizeof kSpaces - 1);
      put(llvm::StringRef(kSpaces, take));
      n -= take;
    }
  }
  // A separator (",", unless FIRST), a new line at INDENT, and "KEY": for a
  // literal KEY of plain ASCII. Fixed-size copies into the buffer's slack
  // (kSlack past kCapacity) for the usual indents.
  template <size_t N>
  void key(bool first, unsigned indent, const char (&key)[N]) {
    constexpr size_t kLen = N - 1;
    static_assert(kLen + 8 < kSlack, "a key longer than the buffer's slack");
    if (indent > kMaxFastIndent || n_ + kMaxFastIndent + kLen + 8 > kCapacity) {
      if (!first) put(',');
      newline(indent);
      put('"');
      put(llvm::StringRef(key, kLen));
      put(llvm::StringRef("\": "));
      return;
    }
    char *p = buf_.get() + n_;
    *p = ',';
    p += first ? 0 : 1;
    *p++ = '\n';
    std::memcpy(p, kSpaces, kMaxFastIndent);
    p += indent;
    *p++ = '"';
    std::memcpy(p, key, kLen);
    p += kLen;
    std::memcpy(p, "\": ", 3);
    n_ = size_t(p + 3 - buf_.get());
  }

  // A string value, repaired if it is not UTF-8, as json::Value and
  // OStream::value do.
  void string(llvm::StringRef s) {
    if (plain(s)) {
      if (s.size() + 2 <= kCapacity - n_) {
        char *p = buf_.get() + n_;
        *p = '"';
        if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
        p[s.size() + 1] = '"';
        n_ += s.size() + 2;
      } else {
        put('"');
        put(s);
        put('"');
      }
      return;
    }
    flush();
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
  void null() { put("null"); }
  void boolean(bool b) { put(b ? llvm::StringRef("true") : llvm::StringRef("false")); }
  void integer(int64_t v) {
    char buf[24];
    char *end = buf + sizeof buf, *p = end;
    uint64_t u = v < 0 ? 0 - uint64_t(v) : uint64_t(v);
    do *--p = char('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    put(llvm::StringRef(p, size_t(end - p)));
  }
  void unsigned_integer(uint64_t v) {
    char buf[24];
    char *end = buf + sizeof buf, *p = end;
    do *--p = char('0' + v % 10);
    while (v /= 10);
    put(llvm::StringRef(p, size_t(end - p)));
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
    put(llvm::StringRef(p, size_t(end - p)));
  }
  void hex_or_null(const std::optional<uint64_t> &v) {
    if (v)
      hex(*v);
    else
      null();
  }

  // Printable ASCII that needs no escape.
  static bool plain(llvm::StringRef s) {
    const char *p = s.data(), *end = p + s.size();
#if defined(__SSE2__)
    // 16 bytes at a time. Signed compares: a byte of 0x80 or more is
    // negative, so "below 0x20" catches it, and "above 0x7e" is 0x7f.
    const __m128i space = _mm_set1_epi8(0x20), tilde = _mm_set1_epi8(0x7e), quote = _mm_set1_epi8('"'),
                  backslash = _mm_set1_epi8('\\');
    for (; end - p >= 16; p += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
      __m128i bad = _mm_or_si128(_mm_cmpgt_epi8(v, tilde), _mm_cmpgt_epi8(space, v));
      bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
      if (_mm_movemask_epi8(bad)) return false;
    }
#endif
    for (; p < end; ++p) {
      unsigned char c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
  }

private:
  static constexpr char kSpaces[] = "                                ";  // kMaxFastIndent
  static constexpr unsigned kMaxFastIndent = 32;
  static constexpr size_t kSlack = 128;
  static constexpr size_t kCapacity = 64 << 10;
  llvm::raw_ostream &os_;
  std::unique_ptr<char[]> buf_;
  size_t n_ = 0;
};

// An object or array whose first line is at INDENT: members go at INDENT+2,
// each after ",\n" (the first after "\n"), and the closing bracket on a line
// of its own at INDENT, unless it is empty ("{}", "[]").
class JsonScope {
public:
  JsonScope(JsonEmitter &e, unsigned indent, char open) : e_(e), indent_(indent), close_(open == '{' ? '}' : ']') {
    e_.put(open);
  }
  // The next member of an object: KEY must be ASCII without '"' or '\'.
  template <size_t N>
  JsonEmitter &key(const char (&key)[N]) {
    e_.key(first_, indent_ + 2, key);
    first_ = false;
    return e_;
  }
  // The next element of an array.
  JsonEmitter &item() {
    next();
    return e_;
  }
  unsigned inner() const { return indent_ + 2; }
  // Elements were written without item(), each after "," (but the first) and a new line at inner().
  void filled_elsewhere() { first_ = false; }
  void end() {
    if (!first_) e_.newline(indent_);
    e_.put(close_);
  }

private:
  void next() {
    if (!first_) e_.put(',');
    first_ = false;
    e_.newline(indent_ + 2);
  }
  JsonEmitter &e_;
  unsigned indent_;
  char close_;
  bool first_ = true;
};

}  // namespace crashctl::render_detail
