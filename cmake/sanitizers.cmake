# SIMKEEP_SANITIZE=address,undefined (dev preset) or thread (tsan preset).
if(SIMKEEP_SANITIZE)
  add_compile_options(-fsanitize=${SIMKEEP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SIMKEEP_SANITIZE})
endif()
