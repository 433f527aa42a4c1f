# Installing and consuming cope, as an engine's build would. Invoked by CTest with -P.
#   MODE=install: configure cope as from a fresh clone without the tests' and examples' dependencies
#     (Catch2, Eigen, nlohmann/json and the reference data hidden), build, install into a scratch prefix;
#     then tests/package/consumer by find_package (header-only, cope::kernels, the C API), and the
#     same programs compiled by hand with pkg-config (C++ header-only, C++ against cope-kernels, C).
#   MODE=add_subdirectory: tests/package/consumer with cope as a subdirectory.
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()
set(consumer ${CMAKE_CURRENT_LIST_DIR}/consumer)
set(prefix ${WORK_DIR}/prefix)
if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} -S ${COPE_SOURCE_DIR} -B ${WORK_DIR}/cope-build -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_C_COMPILER=${CC} -DCOPE_REFERENCE_DIR=${WORK_DIR}/no-reference-data
      -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON -DCMAKE_DISABLE_FIND_PACKAGE_Eigen3=ON
      -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
  if(NOT run_output MATCHES "tests not built: missing" OR NOT run_output MATCHES "examples not built")
    message(FATAL_ERROR "configuring without the test dependencies did not say what is missing:\n${run_output}")
  endif()
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/cope-build -j 2)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/cope-build --prefix ${prefix})
  run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK_DIR}/consumer-build -DCMAKE_CXX_COMPILER=${CXX}
      -DCMAKE_C_COMPILER=${CC} -DCOPE_MODE=find_package -DCMAKE_PREFIX_PATH=${prefix})
else()
  run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK_DIR}/consumer-build -DCMAKE_CXX_COMPILER=${CXX}
      -DCMAKE_C_COMPILER=${CC} -DCOPE_MODE=add_subdirectory -DCOPE_SOURCE_DIR=${COPE_SOURCE_DIR})
endif()
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build -j 2)
foreach(program consumer consumer_kernels consumer_c)
  run(${WORK_DIR}/consumer-build/${program})
  message(STATUS "${program}: ${run_output}")
endforeach()

if(MODE STREQUAL "install")
  find_program(PKG_CONFIG pkg-config REQUIRED)
  file(GLOB pc_dirs ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
  set(ENV{PKG_CONFIG_PATH} "${pc_dirs}")
  macro(pkg var)
    run(${PKG_CONFIG} ${ARGN})
    string(STRIP "${run_output}" ${var})
    separate_arguments(${var} UNIX_COMMAND "${${var}}")
  endmacro()
  pkg(cope_cflags --cflags cope)
  pkg(cope_c_flags --cflags --libs cope)
  pkg(kernels_flags --cflags --libs cope-kernels)
  run(${CXX} -std=c++17 ${cope_cflags} ${consumer}/main.cpp -o ${WORK_DIR}/pc_header_only)
  run(${CXX} -std=c++17 ${consumer}/main.cpp ${kernels_flags} -o ${WORK_DIR}/pc_kernels)
  run(${CC} -std=c99 -Wall -Wextra -Werror ${consumer}/main.c ${cope_c_flags} -o ${WORK_DIR}/pc_c)
  file(GLOB lib_dirs ${prefix}/lib ${prefix}/lib64 ${prefix}/lib/*-linux-gnu)
  string(REPLACE ";" ":" lib_path "${lib_dirs}")
  set(ENV{LD_LIBRARY_PATH} "${lib_path}")
  foreach(program pc_header_only pc_kernels pc_c)
    run(${WORK_DIR}/${program})
    message(STATUS "${program}: ${run_output}")
  endforeach()
  if(NOT run_output MATCHES "kernels:")
    message(FATAL_ERROR "the C consumer did not run the compiled kernels: ${run_output}")
  endif()
endif()
