# kiln_add_model(): an ONNX model as a static library, compiled by kiln at build time.
#
#   kiln_add_model(<target> MODEL <file.onnx>
#                  [NAME <name>]
#                  [TARGET <core> | BOARD <board>]
#                  [QUANTIZE int8 CALIBRATION <data>]
#                  [INPUT_SHAPES <input>=<d0>,<d1>,... ...]
#                  [OPTIONS <kiln compile flags>...])
#
# creates the static library <target> from NAME.cpp, generated into
# ${CMAKE_CURRENT_BINARY_DIR}/kiln/<target>/ by `kiln compile` when the library is built (never at
# configure time), and regenerated when the model, the calibration data, the options or the kiln
# binary change. That folder is the library's PUBLIC include directory, so the firmware links
# <target> and includes "<name>.h".
#
#   NAME     C identifier prefixing every symbol; default: the model file's stem
#   TARGET   kiln core (`kiln targets`); BOARD a board, which implies its core and budget.
#            Default: ${KILN_BOARD} or ${KILN_TARGET} when set, else the core named by
#            CMAKE_SYSTEM_PROCESSOR or the -mcpu= of the compile flags when cross-compiling,
#            else host.
#   QUANTIZE int8 with CALIBRATION data: passed to kiln as --quantize/--calibration (needs a kiln
#            that quantizes); the data is a dependency.
#   OPTIONS  more `kiln compile` flags (--arena external, --arena-section .dtcm, ...).
#
# kiln runs on the build host: ${KILN_EXECUTABLE} when set, else the executable target kiln::kiln
# (from find_package(kiln) or kiln's own source tree).
include_guard(GLOBAL)

# The cores and boards kiln knows, read from its own tables: installed beside this file, or in
# targets/ of the source tree.
function(_kiln_read_targets)
  set(dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  if(NOT EXISTS "${dir}/cores.def")
    set(dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../targets")
  endif()
  file(STRINGS "${dir}/cores.def" rows REGEX "^KILN_CORE\\(\"")
  set(cores)
  foreach(row IN LISTS rows)
    string(REGEX MATCH "^KILN_CORE\\(\"([^\"]+)\"" unused "${row}")
    list(APPEND cores "${CMAKE_MATCH_1}")
  endforeach()
  file(STRINGS "${dir}/boards.def" rows REGEX "^KILN_BOARD\\(\"")
  set(boards)
  foreach(row IN LISTS rows)
    string(REGEX MATCH "^KILN_BOARD\\(\"([^\"]+)\", *\"([^\"]+)\"" unused "${row}")
    list(APPEND boards "${CMAKE_MATCH_1}")
  endforeach()
  set_property(GLOBAL PROPERTY KILN_CORES "${cores}")
  set_property(GLOBAL PROPERTY KILN_BOARDS "${boards}")
endfunction()
_kiln_read_targets()

# The kiln core of the firmware being built: CMAKE_SYSTEM_PROCESSOR, else the -mcpu= of the
# compile flags, mapped to kiln's core names.
function(_kiln_default_core out where)
  if(NOT CMAKE_CROSSCOMPILING)
    set(${out} host PARENT_SCOPE)
    return()
  endif()
  get_property(cores GLOBAL PROPERTY KILN_CORES)
  set(flags "${CMAKE_CXX_FLAGS} ${CMAKE_C_FLAGS} ${CMAKE_CXX_FLAGS_INIT} ${CMAKE_C_FLAGS_INIT}")
  set(candidates "${CMAKE_SYSTEM_PROCESSOR}")
  if(flags MATCHES "-mcpu=([A-Za-z0-9._+-]+)")
    list(APPEND candidates "${CMAKE_MATCH_1}")
  endif()
  foreach(c IN LISTS candidates)
    string(TOLOWER "${c}" c)
    string(REGEX REPLACE "\\+.*" "" c "${c}")  # cortex-m33+nodsp
    if(c MATCHES "^(cortex-m0|cortex-m1|armv6-m|armv6s-m)$")
      set(c cortex-m0plus)
    elseif(c STREQUAL "armv7-m")
      set(c cortex-m3)
    elseif(c MATCHES "^armv7e-?m$")
      set(c cortex-m4)
    elseif(c MATCHES "^(cortex-m35p|armv8-m\\.main)$")
      set(c cortex-m33)
    elseif(c MATCHES "^(cortex-m85|armv8\\.1-m\\.main)$")
      set(c cortex-m55)
    elseif(c MATCHES "^(riscv32|rv32)")
      if(flags MATCHES "-march=rv32[a-z]*f")
        set(c riscv32f)
      else()
        set(c riscv32)
      endif()
    elseif(c MATCHES "^(xtensa|esp32)$")
      set(c esp32)
    endif()
    if(c IN_LIST cores)
      set(${out} "${c}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  string(REPLACE ";" ", " cores "${cores}")
  message(FATAL_ERROR "${where}: cannot tell the kiln core from CMAKE_SYSTEM_PROCESSOR "
    "'${CMAKE_SYSTEM_PROCESSOR}' or an -mcpu= flag; pass TARGET <core> or BOARD <board> "
    "(cores: ${cores}; boards: `kiln targets`)")
endfunction()

function(kiln_add_model target)
  set(where "kiln_add_model(${target})")
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "MODEL;NAME;TARGET;BOARD;QUANTIZE;CALIBRATION"
                        "INPUT_SHAPES;OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${where}: unexpected arguments '${arg_UNPARSED_ARGUMENTS}' (expected "
      "MODEL, NAME, TARGET, BOARD, QUANTIZE, CALIBRATION, INPUT_SHAPES, OPTIONS)")
  endif()
  foreach(kw IN LISTS arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "${where}: ${kw} needs a value")
  endforeach()
  if(TARGET "${target}")
    message(FATAL_ERROR "${where}: a target named '${target}' already exists")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "CXX" IN_LIST languages)
    message(FATAL_ERROR "${where}: the generated code is C++14; enable CXX "
      "(project(... LANGUAGES C CXX))")
  endif()

  # The model, and the symbol prefix derived from it as kiln derives it.
  if(NOT arg_MODEL)
    message(FATAL_ERROR "${where}: MODEL <file.onnx> is required")
  endif()
  get_filename_component(model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_source_file_property(model_generated "${model}" GENERATED)
  if(IS_DIRECTORY "${model}" OR (NOT EXISTS "${model}" AND NOT model_generated))
    message(FATAL_ERROR "${where}: MODEL '${arg_MODEL}' is not a file (looked for ${model})")
  endif()
  if(arg_NAME)
    set(name "${arg_NAME}")
    if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
      message(FATAL_ERROR "${where}: NAME '${name}' is not a C identifier")
    endif()
  else()
    get_filename_component(name "${model}" NAME_WE)
    string(REGEX REPLACE "[^A-Za-z0-9]" "_" name "${name}")
    if(name MATCHES "^[0-9]" OR name STREQUAL "")
      set(name "m_${name}")
    endif()
  endif()

  # Core or board.
  get_property(cores GLOBAL PROPERTY KILN_CORES)
  get_property(boards GLOBAL PROPERTY KILN_BOARDS)
  if(arg_TARGET AND arg_BOARD)
    message(FATAL_ERROR "${where}: give TARGET or BOARD, not both (a board implies its core)")
  endif()
  if(NOT arg_TARGET AND NOT arg_BOARD)
    if(KILN_BOARD)
      set(arg_BOARD "${KILN_BOARD}")
    elseif(KILN_TARGET)
      set(arg_TARGET "${KILN_TARGET}")
    else()
      _kiln_default_core(arg_TARGET "${where}")
    endif()
  endif()
  if(arg_BOARD)
    if(NOT arg_BOARD IN_LIST boards)
      string(REPLACE ";" ", " boards "${boards}")
      message(FATAL_ERROR "${where}: unknown BOARD '${arg_BOARD}' (boards: ${boards})")
    endif()
    set(target_args --board "${arg_BOARD}")
    set(target_desc "board ${arg_BOARD}")
  else()
    if(NOT arg_TARGET IN_LIST cores)
      string(REPLACE ";" ", " cores "${cores}")
      message(FATAL_ERROR "${where}: unknown TARGET '${arg_TARGET}' (cores: ${cores})")
    endif()
    set(target_args --target "${arg_TARGET}")
    set(target_desc "${arg_TARGET}")
  endif()

  # Quantization.
  set(quant_args)
  set(calibration)
  if(arg_QUANTIZE)
    if(NOT arg_QUANTIZE STREQUAL "int8")
      message(FATAL_ERROR "${where}: QUANTIZE '${arg_QUANTIZE}' is not supported (int8)")
    endif()
    if(NOT arg_CALIBRATION)
      message(FATAL_ERROR "${where}: QUANTIZE int8 needs CALIBRATION <data>")
    endif()
    get_filename_component(calibration "${arg_CALIBRATION}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_source_file_property(calibration_generated "${calibration}" GENERATED)
    if(NOT EXISTS "${calibration}" AND NOT calibration_generated)
      message(FATAL_ERROR "${where}: CALIBRATION '${arg_CALIBRATION}' does not exist (looked for ${calibration})")
    endif()
    set(quant_args --quantize int8 --calibration "${calibration}")
  elseif(arg_CALIBRATION)
    message(FATAL_ERROR "${where}: CALIBRATION is only used with QUANTIZE int8")
  endif()

  set(shape_args)
  foreach(shape IN LISTS arg_INPUT_SHAPES)
    if(NOT shape MATCHES "^[^=]+=[0-9]+(,[0-9]+)*$")
      message(FATAL_ERROR "${where}: INPUT_SHAPES entry '${shape}' is not <input>=<d0>,<d1>,...")
    endif()
    list(APPEND shape_args --input-shape "${shape}")
  endforeach()

  foreach(option IN LISTS arg_OPTIONS)
    if(option MATCHES "^(-o|--output|--name|--layout|--target|--board|--input-shape|--quantize|--calibration|--json|-q|--quiet)(=.*)?$")
      message(FATAL_ERROR "${where}: OPTIONS must not contain ${CMAKE_MATCH_1}: kiln_add_model sets "
        "it (use MODEL, NAME, TARGET, BOARD, INPUT_SHAPES, QUANTIZE)")
    endif()
  endforeach()

  # The kiln that runs on the build host.
  if(KILN_EXECUTABLE)
    if(NOT EXISTS "${KILN_EXECUTABLE}")
      message(FATAL_ERROR "${where}: KILN_EXECUTABLE '${KILN_EXECUTABLE}' does not exist")
    endif()
    set(kiln "${KILN_EXECUTABLE}")
    set(kiln_file "${KILN_EXECUTABLE}")
  elseif(TARGET kiln::kiln)
    set(kiln kiln::kiln)
    set(kiln_file "$<TARGET_FILE:kiln::kiln>")
  else()
    message(FATAL_ERROR "${where}: no kiln to run: call find_package(kiln) or add kiln's source "
      "tree with add_subdirectory()/FetchContent first, or set KILN_EXECUTABLE")
  endif()

  set(out "${CMAKE_CURRENT_BINARY_DIR}/kiln/${target}")
  set(args compile "${model}" --name "${name}" -o "${out}" -q ${target_args} ${quant_args}
           ${shape_args} ${arg_OPTIONS})
  # The command line as a file that changes only when the options do, so every generator (not
  # only Ninja, which tracks command lines) regenerates when they change.
  set(options_file "${out}.options")
  string(REPLACE ";" "\n" options_text "${args}")
  set(old_text "")
  if(EXISTS "${options_file}")
    file(READ "${options_file}" old_text)
  endif()
  if(NOT old_text STREQUAL "${options_text}\n")
    file(WRITE "${options_file}" "${options_text}\n")
  endif()

  add_custom_command(
    OUTPUT "${out}/${name}.cpp" "${out}/${name}.h"
    COMMAND "${kiln}" ${args}
    DEPENDS "${model}" ${calibration} "${options_file}" "${kiln_file}"
    COMMENT "kiln: compiling ${arg_MODEL} into ${name}.h, ${name}.cpp (${target_desc})"
    VERBATIM)
  add_library(${target} STATIC "${out}/${name}.cpp" "${out}/${name}.h")
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${out}>")
  target_compile_features(${target} PRIVATE cxx_std_14)
  set_target_properties(${target} PROPERTIES KILN_MODEL_NAME "${name}")
  # The kernels call libm (expf, sqrtf, ...); g++ links it by itself, a C firmware's driver not.
  if(CMAKE_CXX_COMPILER_ID MATCHES "^(GNU|Clang|AppleClang)$")
    target_link_libraries(${target} INTERFACE m)
  endif()
  if(TARGET kiln::kiln AND NOT KILN_EXECUTABLE)
    get_target_property(kiln_real kiln::kiln ALIASED_TARGET)
    if(kiln_real)
      add_dependencies(${target} ${kiln_real})
    else()
      add_dependencies(${target} kiln::kiln)
    endif()
  endif()
endfunction()
