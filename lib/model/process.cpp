#include "model/process.h"

#include <cstdlib>

namespace crashctl {

const char *to_string(GoroutineStatus s) {
  switch (s) {
    case GoroutineStatus::Unknown: return "unknown";
    case GoroutineStatus::Idle: return "idle";
    case GoroutineStatus::Runnable: return "runnable";
    case GoroutineStatus::Running: return "running";
    case GoroutineStatus::Syscall: return "syscall";
    case GoroutineStatus::Waiting: return "waiting";
    case GoroutineStatus::Dead: return "dead";
    case GoroutineStatus::CopyStack: return "copystack";
    case GoroutineStatus::Preempted: return "preempted";
    case GoroutineStatus::Leaked: return "leaked";
    case GoroutineStatus::WaitingForCgoCallback: return "waiting-for-cgo-callback";
  }
  return "unknown";
}

GoroutineStatus status_from_number(uint64_t number) {
  number &= ~status_table::kScanBit;
  for (const status_table::RuntimeStatus &s : status_table::kRuntimeStatuses)
    if (s.number >= 0 && uint64_t(s.number) == number) return s.status;
  return GoroutineStatus::Unknown;
}

int GoVersion::minor() const {
  if (version.rfind("go1.", 0) != 0) return 0;
  return std::atoi(version.c_str() + 4);
}

const Goroutine *Process::goroutine(int64_t id) const {
  for (const Goroutine &g : goroutines)
    if (g.id == id) return &g;
  return nullptr;
}

const GoroutineExtras Goroutine::kNoExtras;

GoroutineExtras &Goroutine::mutable_extras() {
  if (!extras_)
    extras_ = make_ref<GoroutineExtras>();
  else if (extras_->UseCount() > 1)
    extras_ = make_ref<GoroutineExtras>(static_cast<const GoroutineExtras &>(*extras_));
  return *extras_;
}

const GoroutineDetails Goroutine::kNoDetails;

GoroutineDetails &Goroutine::mutable_details() {
  GoroutineExtras &x = mutable_extras();
  if (!x.details_)
    x.details_ = make_ref<GoroutineDetails>();
  else if (x.details_->UseCount() > 1)
    x.details_ = make_ref<GoroutineDetails>(static_cast<const GoroutineDetails &>(*x.details_));
  return *x.details_;
}

std::string_view frame_args(const Goroutine &g, size_t i) {
  if (!g.stack || i >= g.stack->frames.size()) return {};
  if (!g.frame_args) return g.stack->frames[i].args;
  std::string_view all = *g.frame_args;
  for (size_t k = 0; k < i; ++k) {
    size_t sep = all.find(kArgsSeparator);
    if (sep == std::string_view::npos) return {};
    all.remove_prefix(sep + 1);
  }
  std::string_view field = all.substr(0, all.find(kArgsSeparator));
  return field.size() == 1 && field[0] == kArgsSame ? std::string_view(g.stack->frames[i].args) : field;
}

std::optional<FrameAddresses> frame_addresses(const Goroutine &g, size_t i) {
  const GoroutineExtras &x = g.extras();
  const std::vector<FrameAddresses> &own = g.details().frame_addresses;
  if (!own.empty()) {
    if (i >= own.size() || own[i] == FrameAddresses()) return std::nullopt;
    return own[i];
  }
  std::optional<uint64_t> base = x.frame_address_base();
  if (!base || !g.stack || i >= g.stack->address_offsets.size()) return std::nullopt;
  const Stack::AddressOffsets &o = g.stack->address_offsets[i];
  if (!o.shown) return std::nullopt;
  return FrameAddresses{*base + o.fp, *base + o.sp};
}

}  // namespace crashctl

namespace crashctl {
const char *to_string(DeferKind k) {
  switch (k) {
    case DeferKind::OpenCoded: return "open-coded";
    case DeferKind::Heap: return "heap";
    case DeferKind::Stack: return "stack";
    case DeferKind::RangeFunc: return "rangefunc";
  }
  return "heap";
}
}  // namespace crashctl
