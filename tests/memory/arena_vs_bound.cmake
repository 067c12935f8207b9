# Fails unless kiln's arena for MODEL is at most the liveness bound of its schedule; with
# -DBELOW=1 (models with depthwise-separable blocks) unless it is strictly below it, which only the
# in-place rewrites of passes/inplace.cpp achieve.
# -DFLAGS="..." adds kiln flags (e.g. --io int8); -DMAX_ARENA=N also requires arena <= N (the
# published int8 liveness bound of an MLPerf Tiny architecture).
# A model under ../shared that is absent (a user's clone) is reported skipped.
if(NOT EXISTS "${MODEL}")
  message(STATUS "KILN_SKIP: ${MODEL} is not present (../shared is only in CI and developer checkouts)")
  return()
endif()
# --no-simd-kernels: on the host the vectorising kernels (runtime/kiln_simd.h) trade scratch for
# speed; the bound is what the memory-first kernels every MCU target runs must reach.
separate_arguments(flags UNIX_COMMAND "${FLAGS} --no-simd-kernels")
execute_process(COMMAND "${KILN}" inspect "${MODEL}" --json ${flags} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kiln inspect failed (${rc}): ${err}")
endif()
string(REGEX MATCH "\"arena_bytes\": ([0-9]+)" _ "${out}")
set(arena ${CMAKE_MATCH_1})
string(REGEX MATCH "\"liveness_bound\": ([0-9]+)" _ "${out}")
set(bound ${CMAKE_MATCH_1})
message(STATUS "${MODEL}: arena ${arena} B, liveness bound ${bound} B")
if(arena GREATER bound)
  message(FATAL_ERROR "arena ${arena} B exceeds the liveness bound ${bound} B")
endif()
if(BELOW AND NOT arena LESS bound)
  message(FATAL_ERROR "arena ${arena} B is not below the liveness bound ${bound} B (in-place convolutions)")
endif()
if(MAX_ARENA AND arena GREATER MAX_ARENA)
  message(FATAL_ERROR "arena ${arena} B exceeds ${MAX_ARENA} B")
endif()
