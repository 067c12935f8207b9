# One int8 test case: compile MODEL with kiln, build and run it on DATA's test_data_set_* and
# compare with onnxruntime's outputs within ATOL (one quantization step of the model's output).
#   cmake -DKILN_CHECK=... -DMODEL=model.onnx -DDATA=dir -DWORK=dir -DATOL=x -P run_case.cmake
# A model outside the repository (../shared) that is absent makes the test report itself skipped.
if(NOT EXISTS "${MODEL}")
  message("KILN_SKIP: ${MODEL} is not here (the MLPerf Tiny models live in the shared folder beside the repository)")
  return()
endif()
file(REMOVE_RECURSE "${WORK}")
get_filename_component(name "${DATA}" NAME)
set(case "${WORK}/${name}")
file(MAKE_DIRECTORY "${case}")
file(COPY "${MODEL}" DESTINATION "${case}")
get_filename_component(model_file "${MODEL}" NAME)
if(NOT model_file STREQUAL "model.onnx")
  file(RENAME "${case}/${model_file}" "${case}/model.onnx")
endif()
file(GLOB sets LIST_DIRECTORIES true "${DATA}/test_data_set_*")
file(COPY ${sets} DESTINATION "${case}")
execute_process(COMMAND "${KILN_CHECK}" --jobs 2 --rtol 0 --atol ${ATOL} --work "${WORK}/check" "${case}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kiln_check failed on ${name}")
endif()
