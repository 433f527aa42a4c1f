# Configures, builds and runs tests/package/consumer against cope, by find_package (after installing
# cope into a scratch prefix) or by add_subdirectory. Invoked by CTest with -P.
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
set(consumer ${CMAKE_CURRENT_LIST_DIR}/consumer)
if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} -S ${COPE_SOURCE_DIR} -B ${WORK_DIR}/cope-build -DCMAKE_CXX_COMPILER=${CXX}
      -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix -DCOPE_BUILD_TESTS=OFF -DCOPE_BUILD_EXAMPLES=OFF)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/cope-build)
  run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK_DIR}/consumer-build -DCMAKE_CXX_COMPILER=${CXX}
      -DCOPE_MODE=find_package -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
  run(${CMAKE_COMMAND} -S ${consumer} -B ${WORK_DIR}/consumer-build -DCMAKE_CXX_COMPILER=${CXX}
      -DCOPE_MODE=add_subdirectory -DCOPE_SOURCE_DIR=${COPE_SOURCE_DIR})
endif()
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
run(${WORK_DIR}/consumer-build/consumer)
