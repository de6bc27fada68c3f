// libcurl, loaded on the first debuginfod lookup rather than at start-up.
// LLVM's debuginfod client (libLLVMDebuginfod.a) calls libcurl; linking it
// would load libcurl and its ~28 libraries (TLS, Kerberos, LDAP, ...) into
// every run, about 6 MB of RSS before any input is read. libcurl.cpp
// defines the few curl functions LLVM's HTTPClient calls and forwards them
// to libcurl.so.4, opened with dlopen when first needed (a program that
// links libcurl itself gets the same library through them).
#pragma once

#include <string>

namespace crashctl::binary {

// Opens libcurl once (thread-safe); false, with why in ERROR, when it
// cannot be loaded. The forwarding functions then fail as curl would.
bool load_libcurl(std::string &error);

}  // namespace crashctl::binary
