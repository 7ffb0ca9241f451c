# SIMKEEP_SANITIZE=address,undefined (dev preset) or thread (tsan preset).
if(SIMKEEP_SANITIZE)
  add_compile_options(-fsanitize=${SIMKEEP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SIMKEEP_SANITIZE})
endif()

# The fuzz preset instruments every library for coverage, so libFuzzer sees into simkeep's code
# and not only into the fuzz target's own file.
if(SIMKEEP_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
