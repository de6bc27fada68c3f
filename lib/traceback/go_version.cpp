#include "traceback/go_version.h"

#include "gosyntax/parse.h"

#include <algorithm>

namespace crashctl {

// The dot-separated numbers of "1.21.3", up to kMaxReleaseParts of them.
namespace {
constexpr size_t kMaxReleaseParts = 8;
struct ReleaseParts {
  int part[kMaxReleaseParts];
  size_t count = 0;
  void push(int v) {
    if (count < kMaxReleaseParts) part[count++] = v;
  }
};
}  // namespace

static ReleaseParts release_parts(std::string_view r) {
  ReleaseParts parts;
  int cur = 0;
  bool any = false;
  for (char c : r) {
    if (c >= '0' && c <= '9') {
      cur = cur * 10 + (c - '0');
      any = true;
    } else if (c == '.') {
      parts.push(cur);
      cur = 0;
    } else {
      break;
    }
  }
  if (any) parts.push(cur);
  return parts;
}

int compare_release(std::string_view a, std::string_view b) {
  ReleaseParts pa = release_parts(a), pb = release_parts(b);
  for (size_t i = 0; i < std::max(pa.count, pb.count); ++i) {
    int x = i < pa.count ? pa.part[i] : -1, y = i < pb.count ? pb.part[i] : -1;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

void FormatFeatures::note(const char *release) {
  // Repeats: a dump notes the same few literals for every goroutine, in
  // turn. min_ only grows, so what was at or below it stays so.
  for (const char *r : not_newer_)
    if (release == r) return;
  if (compare_release(release, min_) > 0) min_ = release;
  std::copy_backward(not_newer_, not_newer_ + 3, not_newer_ + 4);
  not_newer_[0] = release;
}

void FormatFeatures::header_slow(const Goroutine &g) {
  if (g.extras().gp()) note("1.22");
  if (g.status == GoroutineStatus::Leaked) note("1.26");
  if (!g.details().labels.empty()) note("1.26");
  if (g.details().synctest_bubble >= 0) note("1.24");
  if (g.wait_reason.identity() == last_reason_) return;  // interned: equal values, equal identities
  last_reason_ = g.wait_reason.identity();
  std::string_view w = g.wait_reason.str();  // string_view compares skip strlen
  if (w.empty()) return;
  if (w == "sync.Mutex.Lock" || w == "sync.RWMutex.RLock" || w == "sync.RWMutex.Lock")
    note("1.20");
  else if (w == "sync.WaitGroup.Wait")
    note("1.24");
  else if (w == "GOMAXPROCS updater (idle)" || w == "cleanup wait" || ends_with(w, "(durable)"))
    note("1.25");
}

void FormatFeatures::args(const std::string &a) {
  if (a.find('?') != std::string::npos)
    note("1.18");
  else if (a.find('{') != std::string::npos)
    note("1.17");
}

static bool take_digits(const std::string &s, size_t &i) {
  size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i > start;
}

// Reads "1.N[.P]" at s[i]; returns "" when absent.
static std::string release_at(const std::string &s, size_t i) {
  size_t start = i;
  if (!take_digits(s, i) || i >= s.size() || s[i] != '.') return "";
  ++i;
  if (!take_digits(s, i)) return "";
  if (i + 1 < s.size() && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
    ++i;
    take_digits(s, i);
  }
  return s.substr(start, i - start);
}

std::string go_version_from_path(const std::string &path) {
  size_t src = path.find("/src/");
  if (src == std::string::npos) return "";
  std::string root = path.substr(0, src + 1);
  // Each marker and the length to skip to reach the "1." of the release.
  static const std::pair<std::string_view, size_t> markers[] = {
      {"-go1.", 3}, {"/go1.", 3}, {"/go-1.", 4}, {"/Cellar/go/", 11}};
  for (const auto &[marker, skip] : markers) {
    size_t p = root.rfind(marker);
    if (p == std::string::npos) continue;
    std::string r = release_at(root, p + skip);
    if (!r.empty()) return "go" + r;
  }
  return "";
}

void infer_go_version(Process &p, const FormatFeatures &features) {
  GoVersion &gv = p.go_version;
  gv.min_release = features.min_release();
  if (!gv.version.empty()) return;
  size_t looked = 0;
  for (const Goroutine &g : p.goroutines) {
    if (!g.stack) continue;
    for (const Frame &f : g.stack->frames) {
      if (f.package != "runtime" && f.package != "panic" && f.function.rfind("runtime.", 0) != 0) continue;
      std::string v = go_version_from_path(f.file);
      if (!v.empty()) {
        gv.version = v;
        gv.source = "runtime source path";
        return;
      }
    }
    if (++looked > 64) break;
  }
  if (!gv.min_release.empty()) gv.source = "traceback format";
}

}  // namespace crashctl
