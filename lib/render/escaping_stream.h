// Text for terminals: whatever a dump or log holds (ESC sequences, CR,
// backspace, invalid UTF-8, C1 controls) is shown escaped, never sent raw.
// Every human-readable renderer writes through this stream, so no field can
// forget to escape; colours set through changeColor() pass through.
#pragma once

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <string_view>

namespace crashctl {

class ControlEscapingStream : public llvm::raw_ostream {
public:
  // CRLF_LINE_ENDS: "\r\n" is a line end (CSV) and passes; a lone CR is escaped.
  explicit ControlEscapingStream(llvm::raw_ostream &out, bool crlf_line_ends = false);
  ~ControlEscapingStream() override;

  raw_ostream &changeColor(enum Colors colors, bool bold = false, bool bg = false) override;
  raw_ostream &resetColor() override;
  raw_ostream &reverseColor() override;
  bool is_displayed() const override { return out_.is_displayed(); }
  bool has_colors() const override { return out_.has_colors(); }

private:
  void write_impl(const char *ptr, size_t size) override;
  uint64_t current_pos() const override { return pos_; }
  void emit(std::string_view s);
  llvm::raw_ostream &out_;
  uint64_t pos_ = 0;
  bool crlf_;
  std::string carry_;  // an incomplete UTF-8 sequence (or CR) at the end of a write
};

// Runs WRITE on an escaping stream over OS, with colours on or off for it.
void write_escaped(llvm::raw_ostream &os, bool color, bool crlf_line_ends,
                   llvm::function_ref<void(llvm::raw_ostream &)> write);

// S with control characters and invalid UTF-8 escaped as the stream does:
// "\x1b", "\r", "\u009b", "\xff"; tab and newline kept.
std::string escape_control(std::string_view s);

}  // namespace crashctl
