#include "model/process.h"

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

}  // namespace crashctl
