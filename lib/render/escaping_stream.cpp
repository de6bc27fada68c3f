#include "render/escaping_stream.h"

namespace crashctl {

namespace {

const char kHex[] = "0123456789abcdef";

void put_hex(std::string &out, const char *prefix, unsigned char c) {
  out += prefix;
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 15]);
}

// The length of the valid UTF-8 sequence at s[i], 0 when invalid, or
// SIZE_MAX when it is cut by the end of S (and may continue).
size_t utf8_length(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4) return 0;
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) return SIZE_MAX;
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    if (k == 1 &&
        ((c == 0xE0 && d < 0xA0) || (c == 0xED && d >= 0xA0) || (c == 0xF0 && d < 0x90) || (c == 0xF4 && d >= 0x90)))
      return 0;
  }
  return len;
}

// Escapes S into OUT; returns how many trailing bytes form a cut sequence.
// CRLF: a CR right before LF is a line end (CSV's), kept.
size_t escape_into(std::string_view s, std::string &out, bool final, bool crlf = false) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != 0x7f)
        out.push_back(char(c));
      else if (c == '\n' || c == '\t')
        out.push_back(char(c));
      else if (c == '\r' && crlf && i + 1 == s.size() && !final)
        return 1;
      else if (c == '\r' && crlf && i + 1 < s.size() && s[i + 1] == '\n')
        out.push_back('\r');
      else if (c == '\r')
        out += "\\r";
      else
        put_hex(out, "\\x", c);
      ++i;
      continue;
    }
    size_t len = utf8_length(s, i);
    if (len == SIZE_MAX) {
      if (!final) return s.size() - i;
      len = 0;
    }
    if (len == 0) {
      put_hex(out, "\\x", c);
      ++i;
      continue;
    }
    if (c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      put_hex(out, "\\u00", static_cast<unsigned char>(s[i + 1]));
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  return 0;
}

}  // namespace

void write_escaped(llvm::raw_ostream &os, bool color, bool crlf_line_ends,
                   llvm::function_ref<void(llvm::raw_ostream &)> write) {
  bool saved = os.colors_enabled();
  os.enable_colors(color);
  {
    ControlEscapingStream esc(os, crlf_line_ends);
    esc.enable_colors(color);
    write(esc);
  }
  os.enable_colors(saved);
}

std::string escape_control(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  escape_into(s, out, true);
  return out;
}

ControlEscapingStream::ControlEscapingStream(llvm::raw_ostream &out, bool crlf_line_ends)
    : raw_ostream(/*unbuffered=*/false), out_(out), crlf_(crlf_line_ends) {
  enable_colors(out.colors_enabled());
}

ControlEscapingStream::~ControlEscapingStream() {
  flush();
  if (!carry_.empty()) {
    std::string tail;
    escape_into(carry_, tail, true, crlf_);
    out_ << tail;
    carry_.clear();
  }
}

void ControlEscapingStream::emit(std::string_view s) {
  out_.write(s.data(), s.size());
}

void ControlEscapingStream::write_impl(const char *ptr, size_t size) {
  pos_ += size;
  std::string in;
  std::string_view s(ptr, size);
  if (!carry_.empty()) {
    in = carry_ + std::string(s);
    carry_.clear();
    s = in;
  }
  std::string out;
  out.reserve(s.size());
  size_t cut = escape_into(s, out, false, crlf_);
  if (cut) carry_.assign(s.substr(s.size() - cut));
  emit(out);
}

llvm::raw_ostream &ControlEscapingStream::changeColor(enum Colors colors, bool bold, bool bg) {
  flush();
  if (colors_enabled()) out_.changeColor(colors, bold, bg);
  return *this;
}

llvm::raw_ostream &ControlEscapingStream::resetColor() {
  flush();
  if (colors_enabled()) out_.resetColor();
  return *this;
}

llvm::raw_ostream &ControlEscapingStream::reverseColor() {
  flush();
  if (colors_enabled()) out_.reverseColor();
  return *this;
}

}  // namespace crashctl
