# Installs the client library of a built gemstone tree into a temporary
# prefix, then configures, builds and runs a consumer project against it.
# Inputs: BUILD_DIR (the gemstone build tree), CONSUMER_DIR, WORK_DIR;
# optional BUILD_TYPE, CXX_COMPILER, CONSUMER_FLAGS (compile and link flags,
# e.g. the sanitizers the library was built with).

foreach(var BUILD_DIR CONSUMER_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()

function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 240)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

step("install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}" --component client)

# The public headers must not drag in httplib.h (and with it its flags).
file(GLOB_RECURSE headers "${prefix}/include/gemstone/*.hpp")
if(NOT headers)
  message(FATAL_ERROR "no headers installed under ${prefix}/include/gemstone")
endif()
if(NOT EXISTS "${prefix}/include/gemstone/version.hpp")
  message(FATAL_ERROR "the generated version.hpp was not installed")
endif()
foreach(header ${headers})
  file(STRINGS "${header}" hits REGEX "#include[ \t]*[<\"]httplib.h")
  if(hits)
    message(FATAL_ERROR "${header} includes httplib.h")
  endif()
endforeach()

if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()
set(options "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
if(CXX_COMPILER)
  list(APPEND options "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(CONSUMER_FLAGS)
  list(APPEND options "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}")
endif()
step("configure the consumer" ${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build" ${options})
step("build the consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/build")
step("run the consumer" "${WORK_DIR}/build/consumer")
message(STATUS "${step_output}")
file(REMOVE_RECURSE "${WORK_DIR}")
