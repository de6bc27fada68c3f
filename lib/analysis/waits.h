// What blocked goroutines wait on, as far as crash text shows it: the wait
// reason, and for sync primitives the object's address from the arguments
// of sync.(*Mutex).Lock and friends.
#pragma once

#include "model/report.h"

#include <string>

namespace crashctl {

// "sync.Mutex 0xc00009a020", "sync.WaitGroup 0xc000014090", or the wait
// reason ("chan receive") when no object address is printed; "" if not blocked.
std::string wait_target(const Goroutine &g);

class InAppRules;

// For deadlocks: appends who waits on what (each goroutine's telling frame by
// RULES) to the verdict's explanation, and says that crash text cannot prove
// a wait-for cycle.
void explain_waits(Report &report, const InAppRules &rules);

}  // namespace crashctl
