// Progress: a one-line byte counter on stderr for long reads.
#include "io/input.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace crashctl {

namespace {
uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}
constexpr uint64_t kInterval = 200'000'000;  // 5 redraws a second at most
constexpr uint32_t kTicksPerClock = 64;       // clock reads at most every 64 ticks

// "123 MiB", or "1.5 MiB" below 10 MiB.
void mib(uint64_t bytes, char *out, size_t n) {
  if (bytes < (10u << 20))
    std::snprintf(out, n, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  else
    std::snprintf(out, n, "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
}

void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t r = ::write(2, p, n);
    if (r <= 0) return;  // progress is best effort
    p += r;
    n -= static_cast<size_t>(r);
  }
}
}  // namespace

Progress::Progress(std::string label, const ByteSource *src)
    : label_(std::move(label)), src_(src),
      enabled_(src != nullptr && ::isatty(2) && std::getenv("CI") == nullptr) {
  // The first draw waits one interval, so quick runs print nothing.
  if (enabled_) last_ns_ = now_ns();
}

Progress::~Progress() {
  if (drawn_) write_all("\r\x1b[K", 4);
}

void Progress::tick() {
  if (!enabled_ || ++ticks_ % kTicksPerClock != 0) return;
  uint64_t now = now_ns();
  if (now - last_ns_ < kInterval) return;
  last_ns_ = now;
  uint64_t pos = src_->raw_position(), size = src_->raw_size();
  char line[512], done[32], total[32];
  mib(pos, done, sizeof done);
  int n;
  if (size > 0) {
    mib(size, total, sizeof total);
    unsigned pct = static_cast<unsigned>(std::min<uint64_t>(100, pos * 100 / size));
    n = std::snprintf(line, sizeof line, "\r%s: %s / %s (%u%%)\x1b[K", label_.c_str(), done, total,
                      pct);
  } else {
    n = std::snprintf(line, sizeof line, "\r%s: %s\x1b[K", label_.c_str(), done);
  }
  if (n <= 0) return;
  write_all(line, std::min<size_t>(static_cast<size_t>(n), sizeof line - 1));
  drawn_ = true;
}

}  // namespace crashctl
