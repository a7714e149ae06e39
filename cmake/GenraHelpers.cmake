# Small helpers shared by the project's CMake files.

# Warnings for the project's own targets (never for third-party code).
function(genra_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# genra_add_test(NAME <target> SOURCES <files...> LIBS <libs...> [PCH_FROM <target>])
# One Catch2 executable per test area, registered with ctest case by case.
function(genra_add_test)
  cmake_parse_arguments(T "" "NAME;PCH_FROM" "SOURCES;LIBS;ENV" ${ARGN})
  # ctest splits a discovered test name at ';' and then runs neither half (Catch2 matches whole
  # names), so such a case would silently never run.
  foreach(source ${T_SOURCES})
    file(STRINGS ${source} bad REGEX "TEST_CASE\\(\"[^\"]*;")
    if(bad)
      message(FATAL_ERROR "${source}: a TEST_CASE name contains ';', which ctest cannot run; use ',' instead")
    endif()
  endforeach()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} genra_test_main)
  genra_warnings(${T_NAME})
  if(T_PCH_FROM)
    target_precompile_headers(${T_NAME} REUSE_FROM ${T_PCH_FROM})
  endif()
  # A case that calls test::skip() (its reference or device is missing) exits with 77, which ctest
  # reports as skipped rather than passed.
  set(properties SKIP_RETURN_CODE 77)
  if(T_ENV)
    list(APPEND properties ENVIRONMENT "${T_ENV}")
  endif()
  catch_discover_tests(${T_NAME}
    EXTRA_ARGS --order rand --skip-exit-code 77
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    PROPERTIES ${properties})
endfunction()
