// Runs the crashctl binary built alongside the tests (CRASHCTL_BINARY).
#pragma once

#include <string>

namespace crashctl::testing {

// Runs `crashctl ARGS`; stdout (and stderr too with merge_stderr) in OUT.
// Returns the exit status, -1 when it did not exit normally.
int run_crashctl(const std::string &args, std::string &out, bool merge_stderr = false);

}  // namespace crashctl::testing
