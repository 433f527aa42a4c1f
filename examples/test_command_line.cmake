# ctest demo:command_line — runs cope_demo with hostile and out-of-range options (cmake -P; DEMO, WORK_DIR).
# gnuplot is replaced by a stand-in on PATH that records its arguments, so no gnuplot is needed.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/bin")
file(WRITE "${WORK_DIR}/bin/gnuplot" "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"${WORK_DIR}/gnuplot_args\"\n")
file(CHMOD "${WORK_DIR}/bin/gnuplot" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

function(expect_failure needle)
  execute_process(COMMAND "${DEMO}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "${needle}")
    message(FATAL_ERROR "cope_demo ${ARGN}: exit ${rc} (want 2), stderr:\n${err}\n(want it to match: ${needle})")
  endif()
endfunction()

# A directory name built to run a command if it ever met a shell, or to end a gnuplot string.
set(dir "${WORK_DIR}/f$(touch ${WORK_DIR}/INJECTED)`touch ${WORK_DIR}/INJECTED2`\"x'y")
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PATH=${WORK_DIR}/bin:$ENV{PATH}"
                        "${DEMO}" --head_dim 64 --rope_theta 10000 --figures "${dir}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cope_demo with a hostile --figures: exit ${rc}\n${out}\n${err}")
endif()
if(EXISTS "${WORK_DIR}/INJECTED" OR EXISTS "${WORK_DIR}/INJECTED2")
  message(FATAL_ERROR "cope_demo ran a command found in --figures")
endif()
file(STRINGS "${WORK_DIR}/gnuplot_args" args)
list(GET args 0 flag)
list(GET args 2 received)
if(NOT flag STREQUAL "-c" OR NOT received STREQUAL dir OR NOT EXISTS "${dir}/spectrum.csv")
  message(FATAL_ERROR "gnuplot got ${args}; want -c <script> ${dir}, with the CSVs written there")
endif()

expect_failure("--head_dim 1000000 must be even and in \\[2, 4096\\]" --head_dim 1000000)
expect_failure("--factor '1e-320' underflows" --rope_type linear --factor 1e-320)
expect_failure("--factor '1e999' is not finite|--factor '1e999' overflows" --rope_type linear --factor 1e999)
expect_failure("--factor 'abc' is not a number" --factor abc)
string(ASCII 1 control)
expect_failure("make_spectrum: unknown rope_type 'y\\\\x01'" --rope_type "y${control}")
expect_failure("--mrope_section adds up to 40 pairs; the spectrum has 64" --mrope_section 16,24 --no_render)
expect_failure("--mrope_section '16,2.5': each section is a whole number of pairs" --mrope_section 16,2.5)
expect_failure("mrope_section \\[10, 20, 20\\] gives axis 0 17 pairs instead of 10"
               --mrope_section 10,20,20 --mrope_interleaved true --no_render)

# A multi-axis model: the per-axis report (Qwen2-VL's sections; CoPE's lowest pairs all on w).
execute_process(COMMAND ${DEMO} --rope_theta 1e6 --mrope_section 16,24,24 --no_render --figures ${WORK_DIR}/axes
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "Multi-axis RoPE: mrope_section \\[16, 24, 24\\], sectioned"
   OR NOT out MATCHES "\n +w +24 +21 +20 ")
  message(FATAL_ERROR "cope_demo --mrope_section: exit ${rc}\n${out}\n${err}")
endif()
