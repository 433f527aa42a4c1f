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

# A model file: the plan layer kind by layer kind, then the report (examples/configs/).
execute_process(COMMAND ${DEMO} --config ${CONFIGS}/gemma-3-4b-it.json --no_render --figures ${WORK_DIR}/gemma3
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "model_type gemma3_text\\): 34 layers, 2 layer kinds"
   OR NOT out MATCHES "sliding_attention: layers 0-4, 6-10," OR NOT out MATCHES "linear, rope_theta 1e\\+06, factor 8"
   OR NOT out MATCHES "report below is for layer kind 'full_attention'")
  message(FATAL_ERROR "cope_demo --config gemma-3: exit ${rc}\n${out}\n${err}")
endif()
execute_process(COMMAND ${DEMO} --gguf ${CONFIGS}/qwen2.5-vl-7b-instruct.metadata.gguf --no_render --figures ${WORK_DIR}/qwen
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\\(gguf, model_type qwen2vl\\): 28 layers"
   OR NOT out MATCHES "multi-axis: mrope_section \\[16, 24, 24\\], sectioned" OR NOT out MATCHES "Multi-axis RoPE")
  message(FATAL_ERROR "cope_demo --gguf: exit ${rc}\n${out}\n${err}")
endif()
expect_failure("--rope_theta cannot be combined with --config" --config ${CONFIGS}/qwen3-8b.json --rope_theta 1e4)
expect_failure("--config and --gguf both given" --config ${CONFIGS}/qwen3-8b.json --gguf x.gguf)
expect_failure("config.json: cannot open 'no/such.json'" --config no/such.json)
expect_failure("gguf: the file starts with '[{]" --gguf ${CONFIGS}/qwen3-8b.json)
expect_failure("--layer_kind 'nope' is not a layer kind with RoPE" --config ${CONFIGS}/qwen3-8b.json --layer_kind nope)
