# Strict warnings for cope's own targets (tests, examples), never for the interface target.
set(COPE_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wundef -Werror)
function(cope_strict_warnings target)
  target_compile_options(${target} PRIVATE ${COPE_WARNING_FLAGS})
endfunction()
