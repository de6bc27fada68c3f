// Why recover did not save the process, from the defers a core or heap dump
// shows: the crashing goroutine's deferred calls (run or pending, direct or
// indirect recover) and pending recovering defers in other goroutines.
#pragma once

#include "model/report.h"

namespace crashctl {

// Appends the recover analysis to REPORT's verdict explanation. Does nothing
// for crash text, which records no defers.
void explain_recover(Report &report);

}  // namespace crashctl
