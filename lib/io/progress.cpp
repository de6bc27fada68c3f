// Progress: a one-line byte counter on stderr for long reads, drawn by
// ProgressLine.
#include "io/progress.h"
#include "io/input.h"

#include "llvm/Support/Process.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace crashctl {

namespace {
constexpr auto kInterval = std::chrono::milliseconds(200);  // 5 redraws a second at most
constexpr uint32_t kTicksPerClock = 64;                     // clock reads at most every 64 ticks

// "123 MiB", or "1.5 MiB" below 10 MiB.
void mib(uint64_t bytes, char *out, size_t n) {
  if (bytes < (10u << 20))
    std::snprintf(out, n, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(out, n, "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
}

void write_all(std::string_view s) {
  const char *p = s.data();
  size_t n = s.size();
  while (n > 0) {
    ssize_t r = ::write(STDERR_FILENO, p, n);
    if (r <= 0) return;  // progress is best effort
    p += r;
    n -= static_cast<size_t>(r);
  }
}
}  // namespace

ProgressLine::ProgressLine()
    : enabled_(llvm::sys::Process::StandardErrIsDisplayed() && std::getenv("CI") == nullptr), last_(Clock::now()) {}

ProgressLine::~ProgressLine() {
  if (drawn_) write_all("\r\x1b[K");
}

unsigned ProgressLine::columns() {
  return llvm::sys::Process::StandardErrColumns();
}

void ProgressLine::draw(std::string_view text) {
  if (!enabled_) return;
  // A line longer than the terminal wraps, and '\r' then redraws only its end.
  if (unsigned cols = columns(); cols > 1 && text.size() >= cols) {
    size_t cut = cols - 1;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string line;
  line.reserve(text.size() + 4);
  line += '\r';
  line += text;
  line += "\x1b[K";
  write_all(line);
  last_ = Clock::now();
  drawn_ = true;
}

Progress::Progress(std::string label, const ByteSource *src) : label_(std::move(label)), src_(src) {
  // The first draw waits one interval, so quick runs print nothing.
}

Progress::~Progress() = default;

void Progress::tick() {
  if (!src_ || !line_.enabled() || ++ticks_ % kTicksPerClock != 0 || !line_.due(kInterval)) return;
  uint64_t pos = src_->raw_position(), size = src_->raw_size();
  char text[512], done[32], total[32];
  mib(pos, done, sizeof done);
  int n;
  if (size > 0) {
    mib(size, total, sizeof total);
    unsigned pct = static_cast<unsigned>(std::min<uint64_t>(100, pos * 100 / size));
    n = std::snprintf(text, sizeof text, "%s: %s / %s (%u%%)", label_.c_str(), done, total, pct);
  } else {
    n = std::snprintf(text, sizeof text, "%s: %s", label_.c_str(), done);
  }
  if (n <= 0) return;
  line_.draw(std::string_view(text, std::min<size_t>(static_cast<size_t>(n), sizeof text - 1)));
}

}  // namespace crashctl
