// A status line on stderr, redrawn in place: the byte counter of long reads
// (Progress, io/input.h) and triage's file counter draw with it.
#pragma once

#include <chrono>
#include <string_view>

namespace crashctl {

// Draws only when stderr is a terminal (llvm::sys::Process) and CI is unset;
// what it drew is cleared when it goes away.
class ProgressLine {
public:
  using Clock = std::chrono::steady_clock;
  ProgressLine();
  ~ProgressLine();
  ProgressLine(const ProgressLine &) = delete;
  ProgressLine &operator=(const ProgressLine &) = delete;

  bool enabled() const { return enabled_; }
  bool drawn() const { return drawn_; }
  // Whether `interval` passed since the last draw, or since construction.
  bool due(Clock::duration interval) const { return Clock::now() - last_ >= interval; }
  // Replaces the line with `text` (no control characters), cut to the
  // terminal's width when it is known.
  void draw(std::string_view text);
  // The terminal's width in columns, 0 when unknown.
  static unsigned columns();

private:
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point last_;
};

}  // namespace crashctl
