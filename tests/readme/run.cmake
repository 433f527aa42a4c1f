# The README's snippets are complete programs: the ```cpp block after each marker
# "<!-- <name> snippet: tests/readme -->" (usage, model) is extracted, compiled header-only and run from
# the project root (the model snippet reads examples/configs/). Invoked by CTest with -P.
file(READ ${README} readme)
foreach(name usage model)
  set(text "${readme}")
  string(FIND "${text}" "<!-- ${name} snippet: tests/readme -->" at)
  if(at LESS 0)
    message(FATAL_ERROR "README.md has no ${name} snippet marker")
  endif()
  string(SUBSTRING "${text}" ${at} -1 text)
  string(FIND "${text}" "```cpp\n" begin)
  string(SUBSTRING "${text}" ${begin} -1 text)
  string(LENGTH "```cpp\n" skip)
  string(SUBSTRING "${text}" ${skip} -1 text)
  string(FIND "${text}" "```" end)
  string(SUBSTRING "${text}" 0 ${end} snippet)
  file(MAKE_DIRECTORY ${WORK_DIR})
  file(WRITE ${WORK_DIR}/${name}.cpp "${snippet}")
  execute_process(COMMAND ${CXX} -std=c++17 -O1 -Wall -Wextra -Werror -I${INCLUDE} ${WORK_DIR}/${name}.cpp
                          -o ${WORK_DIR}/${name}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the README's ${name} snippet does not compile:\n${err}")
  endif()
  execute_process(COMMAND ${WORK_DIR}/${name} WORKING_DIRECTORY ${SOURCE_DIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the README's ${name} snippet exited ${rc}:\n${out}\n${err}")
  endif()
  message(STATUS "README ${name} snippet printed:\n${out}")
endforeach()
