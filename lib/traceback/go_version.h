// What crash text reveals about the Go release that printed it: an exact
// version from GOROOT paths of runtime frames, and a lower bound from
// format features each release introduced (see formats/traceback.md).
#pragma once

#include "model/process.h"

#include <string>
#include <string_view>

namespace crashctl {

// Compares "1.21" with "1.9" numerically; "" sorts first.
int compare_release(std::string_view a, std::string_view b);

class FormatFeatures {
public:
  // Records that the text used a feature introduced in `release` ("1.21").
  void note(const char *release);
  // Inline for the common header: no extras, not leaked, the last wait reason again.
  void header(const Goroutine &g) {
    if (&g.extras() == &Goroutine::kNoExtras && g.status != GoroutineStatus::Leaked &&
        g.wait_reason.identity() == last_reason_)
      return;
    header_slow(g);
  }
  void args(const std::string &args);
  // What O noted, as if noted here.
  void merge(const FormatFeatures &o) {
    if (compare_release(o.min_, min_) > 0) min_ = o.min_;  // the cached releases stay at or below it
  }
  const std::string &min_release() const { return min_; }

private:
  void header_slow(const Goroutine &g);
  std::string min_;
  const char *not_newer_[4] = {};      // releases noted last that min_ is at least, by address
  const void *last_reason_ = nullptr;  // the last wait reason header() looked at
};

// Sets p.go_version from runtime/stdlib frame paths and the features seen.
void infer_go_version(Process &p, const FormatFeatures &features);

// "…/toolchain@v0.0.1-go1.22.12.linux-amd64/src/runtime/panic.go" -> "go1.22.12";
// also /usr/local/go1.21/, /usr/lib/go-1.19/, nix go-1.23.1, Homebrew Cellar/go/1.15.6.
// Returns "" when the path names no release.
std::string go_version_from_path(const std::string &path);

}  // namespace crashctl
