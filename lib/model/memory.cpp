#include "model/memory.h"

#include <cstdio>
#include <iterator>

namespace crashctl {

const char *to_string(MemoryRootKind k) {
  switch (k) {
    case MemoryRootKind::Global: return "global";
    case MemoryRootKind::Stack: return "stack";
    case MemoryRootKind::Finalizer: return "finalizer";
    case MemoryRootKind::Other: return "other";
  }
  return "other";
}

std::string byte_size(uint64_t bytes) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1000) return std::to_string(bytes) + " B";
  double v = double(bytes);
  size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(units)) v /= 1024, ++u;  // "1.0 MiB", not "1023.8 KiB"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace crashctl
