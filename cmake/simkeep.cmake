# simkeep_add_library(<name> SRCS ... DEPS ...) creates simkeep_<name> and the alias simkeep::<name>.
function(simkeep_add_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(simkeep_${name} STATIC ${ARG_SRCS})
  add_library(simkeep::${name} ALIAS simkeep_${name})
  target_include_directories(simkeep_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(simkeep_${name} PUBLIC ${ARG_DEPS} PRIVATE simkeep::warnings)
endfunction()

# simkeep_add_test(<file.cc> DEPS ... LABELS ... [WRAPPER <command> <args>...]) creates one gtest
# executable and registers it. With WRAPPER, CTest runs `<command> <args>... <test executable>`
# (e.g. scripts/with_postgres.sh, which provides a throw-away PostgreSQL server).
function(simkeep_add_test file)
  cmake_parse_arguments(ARG "" "" "DEPS;LABELS;WRAPPER" ${ARGN})
  get_filename_component(name ${file} NAME_WE)
  add_executable(${name} ${file})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock
                                        simkeep::warnings)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(ARG_WRAPPER)
    add_test(NAME ${name} COMMAND ${ARG_WRAPPER} $<TARGET_FILE:${name}>)
  else()
    add_test(NAME ${name} COMMAND ${name})
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
endfunction()
