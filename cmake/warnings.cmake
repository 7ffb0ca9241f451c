# simkeep::warnings carries the project's warning flags; every simkeep target links it.
add_library(simkeep_warnings INTERFACE)
add_library(simkeep::warnings ALIAS simkeep_warnings)
target_compile_options(simkeep_warnings INTERFACE -Wall -Wextra -Wpedantic -Wconversion -Wshadow)
if(SIMKEEP_WERROR)
  target_compile_options(simkeep_warnings INTERFACE -Werror)
endif()
