#include "cli_runner.h"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <cstdio>

namespace crashctl::testing {

int run_crashctl(const std::string &args, std::string &out, bool merge_stderr) {
  std::string cmd = std::string(CRASHCTL_BINARY) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE *p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  out.clear();
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace crashctl::testing
