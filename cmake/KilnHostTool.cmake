# kiln added to a cross-compiled build (add_subdirectory, FetchContent): the compiler must run on
# the build host, so it is not built with the firmware's toolchain. kiln::kiln is
# ${KILN_EXECUTABLE} when set, else kiln built from this source tree with the host's compiler in
# a nested build (ExternalProject; no tests). Then kiln_add_model() is defined as usual.
if(NOT TARGET kiln::kiln)
  if(KILN_EXECUTABLE)
    add_executable(kiln::kiln IMPORTED GLOBAL)
    set_target_properties(kiln::kiln PROPERTIES IMPORTED_LOCATION "${KILN_EXECUTABLE}")
  else()
    include(ExternalProject)
    set(_kiln_host_dir "${CMAKE_CURRENT_BINARY_DIR}/host")
    ExternalProject_Add(kiln_host
      SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.."
      BINARY_DIR "${_kiln_host_dir}"
      CMAKE_ARGS -DCMAKE_BUILD_TYPE=Release -DKILN_BUILD_TESTS=OFF -DCMAKE_TOOLCHAIN_FILE=
      BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target kiln
      INSTALL_COMMAND ""
      BUILD_ALWAYS TRUE
      BUILD_BYPRODUCTS "${_kiln_host_dir}/kiln")
    add_executable(kiln::kiln IMPORTED GLOBAL)
    set_target_properties(kiln::kiln PROPERTIES IMPORTED_LOCATION "${_kiln_host_dir}/kiln")
    add_dependencies(kiln::kiln kiln_host)
  endif()
endif()
include("${CMAKE_CURRENT_LIST_DIR}/KilnAddModel.cmake")
