# Builds and runs a consumer of hamgen in one of two ways (MODE):
#   find_package      install hamgen from HAMGEN_BUILD to a fresh prefix, then find_package(hamgen CONFIG)
#   add_subdirectory  add hamgen's source tree with add_subdirectory
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package test (${MODE}): '${ARGV}' failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(consumer ${HAMGEN_SRC}/tests/package/consumer)
string(REPLACE "|" ";" prefixes "${PREFIXES}")
if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install ${HAMGEN_BUILD} --prefix ${WORK}/prefix)
  if(NOT EXISTS ${WORK}/prefix/include/hamgen/hamgen.hpp)
    message(FATAL_ERROR "package test: headers were not installed under ${WORK}/prefix")
  endif()
  run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK}/build -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
      -DHAMGEN_CONSUMER_MODE=find_package "-DCMAKE_PREFIX_PATH=${WORK}/prefix;${prefixes}")
else()
  run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK}/build -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
      -DHAMGEN_CONSUMER_MODE=add_subdirectory -DHAMGEN_SOURCE=${HAMGEN_SRC} -DHAMGEN_ENABLE_CUDA=OFF
      "-DCMAKE_PREFIX_PATH=${prefixes}")
endif()
run(${CMAKE_COMMAND} --build ${WORK}/build)
run(${WORK}/build/consumer)
if(NOT last_output MATCHES "hamgen consumer ok")
  message(FATAL_ERROR "package test (${MODE}): consumer printed '${last_output}'")
endif()
message(STATUS "package test (${MODE}): ${last_output}")
