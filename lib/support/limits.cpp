#include "support/limits.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

#include <limits>

namespace crashctl {

namespace {
ResourceLimits &current() {
  static ResourceLimits limits;
  return limits;
}

llvm::Error limit_error(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}
}  // namespace

const ResourceLimits &resource_limits() {
  return current();
}
void set_resource_limits(const ResourceLimits &limits) {
  current() = limits;
}

const std::vector<ResourceLimitInfo> &resource_limit_table() {
  static const std::vector<ResourceLimitInfo> table = {
      {"line-bytes", &ResourceLimits::line_bytes, "bytes", "longest line of text; longer lines are cut"},
      {"panic-message-bytes", &ResourceLimits::panic_message_bytes, "bytes",
       "panic or fatal-error message kept per report"},
      {"profile-goroutines", &ResourceLimits::profile_goroutines, "count", "goroutines listed per goroutine profile"},
      {"diagnostics-per-input", &ResourceLimits::diagnostics_per_input, "count",
       "warnings and errors kept per input; the rest are counted"},
      {"executable-bytes", &ResourceLimits::executable_bytes, "bytes", "an executable after decompression"},
      {"executable-ratio", &ResourceLimits::executable_ratio, "ratio",
       "an executable after decompression, as a multiple of its compressed size"},
      {"zstd-window-bytes", &ResourceLimits::zstd_window_bytes, "bytes",
       "window of a zstd frame (zstd --long): the decompressor's memory"},
      {"temp-file-bytes", &ResourceLimits::temp_file_bytes, "bytes",
       "temporary disk for one compressed core (its all-zero pages cost nothing)"},
      {"json-depth", &ResourceLimits::json_depth, "count", "nesting of triage JSON tables"},
      {"table-bytes", &ResourceLimits::table_bytes, "bytes", "size of one triage JSON table"},
      {"memory-bytes", &ResourceLimits::memory_bytes, "bytes", "process address space; 0 for no limit"},
  };
  return table;
}

llvm::Error apply_resource_limit(ResourceLimits &limits, std::string_view assignment) {
  auto [name, value] = llvm::StringRef(assignment).split('=');
  const ResourceLimitInfo *info = nullptr;
  for (const ResourceLimitInfo &i : resource_limit_table())
    if (name == i.name) info = &i;
  if (!info) {
    std::string known;
    for (const ResourceLimitInfo &i : resource_limit_table()) known += std::string(known.empty() ? "" : ", ") + i.name;
    return limit_error("unknown limit '" + name + "' (known: " + known + ")");
  }
  if (!llvm::StringRef(assignment).contains('=') || value.empty())
    return limit_error(llvm::Twine(info->name) + ": expected " + info->name + "=VALUE");
  unsigned shift = 0;
  if (llvm::StringRef(info->unit) == "bytes" && !value.empty()) {
    switch (llvm::toUpper(value.back())) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: break;
    }
    if (shift) value = value.drop_back();
  }
  uint64_t n = 0;
  if (value.getAsInteger(10, n) || (shift && n > (std::numeric_limits<uint64_t>::max() >> shift)))
    return limit_error(llvm::Twine(info->name) + ": '" + value + "' is not a number" +
                       (llvm::StringRef(info->unit) == "bytes" ? " (K, M, G, T allowed)" : ""));
  n <<= shift;
  if (n == 0 && info->field != &ResourceLimits::memory_bytes)
    return limit_error(llvm::Twine(info->name) + ": must be at least 1");
  limits.*(info->field) = n;
  return llvm::Error::success();
}

}  // namespace crashctl
