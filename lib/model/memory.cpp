#include "model/memory.h"

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

}  // namespace crashctl
