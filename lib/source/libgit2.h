// libgit2 is loaded on first use (lib/source/libgit2.cpp), not linked.
#pragma once

#include <string>

namespace crashctl {

// Loads libgit2 once; false, with the reason in ERROR, when it cannot be.
bool load_libgit2(std::string &error);

}  // namespace crashctl
