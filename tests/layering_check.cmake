# ctest: the build enforces lib/'s layering (lib/CMakeLists.txt). Compiles a
# probe in one layer's include view: a header of a lower layer must compile,
# one of a higher layer must fail with "not found".
#   cmake -DCXX=... -DVIEWS=... -DLLVM_INCLUDE=... -DWORK=... -P layering_check.cmake
function(compile_in_view layer header out_rc out_log)
  set(probe ${WORK}/probe_${layer}.cpp)
  file(WRITE ${probe} "#include \"${header}\"\n")
  execute_process(COMMAND ${CXX} -std=c++17 -fsyntax-only -I${VIEWS}/${layer} -isystem ${LLVM_INCLUDE} ${probe}
                  RESULT_VARIABLE rc ERROR_VARIABLE log OUTPUT_QUIET)
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_log} "${log}" PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY ${WORK})
# Downward: model sees support; analysis sees traceback's recovery helpers.
foreach(pair "model;model/report.h" "analysis;traceback/recovery.h" "core;binary/symbolizer.h"
             "pipeline;source/annotate.h")
  list(GET pair 0 layer)
  list(GET pair 1 header)
  compile_in_view(${layer} ${header} rc log)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lib/${layer} cannot include ${header}, which is below it:\n${log}")
  endif()
endforeach()
# Upward: each must fail because the header is not in the view.
foreach(pair "model;io/input.h" "io;gosyntax/parse.h" "binary;traceback/decoder.h"
             "core;analysis/verdict.h" "analysis;render/render.h" "render;pipeline/analyze.h"
             "analysis;source/annotate.h" "render;source/links.h")
  list(GET pair 0 layer)
  list(GET pair 1 header)
  compile_in_view(${layer} ${header} rc log)
  if(rc EQUAL 0)
    message(FATAL_ERROR "lib/${layer} could include ${header}, a layer above it")
  endif()
  string(FIND "${log}" "${header}" at)
  if(at EQUAL -1 OR NOT log MATCHES "not found|No such file")
    message(FATAL_ERROR "including ${header} in lib/${layer} failed for another reason:\n${log}")
  endif()
endforeach()
message(STATUS "layering: 4 downward includes compile, 8 upward includes are refused")
