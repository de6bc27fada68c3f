# cmake --install: the CLI, its man pages and shell completions, the JSON
# schemas, and the library (libcrashctl, its header, a CMake package and a
# pkg-config file). Components: "crashctl" (the CLI) and "dev" (the library);
# cpack makes one .deb of each (cmake/package.cmake).
include(CMakePackageConfigHelpers)

install(TARGETS crashctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT crashctl)
install(FILES man/crashctl.1 man/crashctl-analyze.1 man/crashctl-diff.1 man/crashctl-explain.1 man/crashctl-triage.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT crashctl)
install(FILES completions/crashctl.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME crashctl COMPONENT crashctl)
install(FILES completions/_crashctl DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions COMPONENT crashctl)
install(FILES completions/crashctl.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d
        COMPONENT crashctl)
install(FILES formats/output.schema.json formats/diff.schema.json formats/triage.schema.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/crashctl COMPONENT crashctl)

set(CRASHCTL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/crashctl)
install(TARGETS crashctl_library EXPORT crashctlTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
# --strip (and cpack) strip the archive as dh_strip does: debug info only,
# its symbols stay.
install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
                  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:crashctl_library>\"
                  COMMAND_ERROR_IS_FATAL ANY)
endif()" COMPONENT dev)
install(FILES include/crashctl/crashctl.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/crashctl COMPONENT dev)
install(EXPORT crashctlTargets NAMESPACE crashctl:: DESTINATION ${CRASHCTL_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(cmake/crashctlConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/crashctlConfig.cmake
                              INSTALL_DESTINATION ${CRASHCTL_CMAKE_DIR})
# 0.x: a minor release may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/crashctlConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/crashctlConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/crashctlConfigVersion.cmake
        DESTINATION ${CRASHCTL_CMAKE_DIR} COMPONENT dev)

# pkg-config: relocatable (${pcfiledir}), with the LLVM libraries llvm-config
# names for static linking, in link order.
file(RELATIVE_PATH CRASHCTL_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" CRASHCTL_PC_TO_PREFIX ${CRASHCTL_PC_TO_PREFIX})
find_program(CRASHCTL_LLVM_CONFIG llvm-config HINTS ${LLVM_TOOLS_BINARY_DIR} NO_DEFAULT_PATH REQUIRED)
# With LLVMDebuginfod first, which llvm-config does not know: the binary
# layer's client (its libcurl calls are libcrashctl's own, binary/libcurl.cpp).
execute_process(COMMAND ${CRASHCTL_LLVM_CONFIG} --link-static --libs symbolize ${CRASHCTL_LLVM_COMPONENTS}
                OUTPUT_VARIABLE llvm_libs OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
set(llvm_libs "-lLLVMDebuginfod ${llvm_libs}")
execute_process(COMMAND ${CRASHCTL_LLVM_CONFIG} --link-static --system-libs
                OUTPUT_VARIABLE llvm_system_libs OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
set(CRASHCTL_LLVM_LINK "${llvm_libs} ${llvm_system_libs}")
configure_file(cmake/crashctl.pc.in ${CMAKE_CURRENT_BINARY_DIR}/crashctl.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/crashctl.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
