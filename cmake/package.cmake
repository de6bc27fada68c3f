# cpack -G DEB (run in the build directory): crashctl_VERSION_ARCH.deb, the CLI
# with its man pages, completions and schemas; libcrashctl-dev_VERSION_ARCH.deb,
# the library (cmake/install.cmake's "dev" component). The CLI's Depends come
# from dpkg-shlibdeps (what the executable links: libprotobuf, libzstd, zlib,
# libstdc++; libcurl4, loaded for debuginfod only, is recommended); the library's are the -dev packages its static objects need.
set(CRASHCTL_PACKAGE_MAINTAINER "crashctl developers" CACHE STRING "Maintainer field of the .deb packages")

set(CPACK_PACKAGE_NAME crashctl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${CRASHCTL_PACKAGE_MAINTAINER})
set(CPACK_COMPONENTS_ALL crashctl dev)
set(CPACK_STRIP_FILES ON)  # the executable; the static library keeps its symbols

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_CRASHCTL_PACKAGE_NAME crashctl)
set(CPACK_DEBIAN_CRASHCTL_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_CRASHCTL_PACKAGE_SHLIBDEPS ON)
# libcurl is loaded only when a debuginfod server is asked (lib/binary/libcurl.cpp),
# libgit2 only for a blame (lib/source/libgit2.cpp).
set(CPACK_DEBIAN_CRASHCTL_PACKAGE_RECOMMENDS "libcurl4, libgit2-${CRASHCTL_LIBGIT2_ABI}")
set(CPACK_DEBIAN_CRASHCTL_DESCRIPTION
    "offline crash analysis for Go programs\n\
crashctl reads what a dead Go program left behind (crash text, logs,\n\
goroutine profiles, core dumps, heap dumps) and says what killed the\n\
process, where, in whose code, and why recover could not save it.\n\
Commands: analyze, triage (buckets many crash files), diff (goroutine leaks).")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libcrashctl-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "llvm-${LLVM_VERSION_MAJOR}-dev, libprotobuf-dev, libzstd-dev, zlib1g-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION
    "offline crash analysis for Go programs - static library\n\
libcrashctl and <crashctl/crashctl.h> (C++17, no LLVM headers needed),\n\
with a CMake package (find_package(crashctl), crashctl::crashctl) and a\n\
pkg-config file (crashctl).")

include(CPack)
