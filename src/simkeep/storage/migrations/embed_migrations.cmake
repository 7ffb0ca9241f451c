# simkeep_embed_migrations(<output.cc> DIALECT <sqlite|postgresql> NAMESPACE <ns> FUNCTION <name>)
#
# Writes <output.cc> defining `std::span<const simkeep::storage::Migration> <ns>::<name>()`: every
# NNNN_name.sql of this folder (in version order) together with its optional
# NNNN_name.<DIALECT>.sql, embedded as raw string literals. Editing or adding a migration
# re-runs CMake, so the binary always carries the files of its source tree.
set(simkeep_migrations_dir ${CMAKE_CURRENT_LIST_DIR})

function(simkeep_embed_migrations output)
  cmake_parse_arguments(ARG "" "DIALECT;NAMESPACE;FUNCTION" "" ${ARGN})
  file(GLOB all_files CONFIGURE_DEPENDS ${simkeep_migrations_dir}/[0-9][0-9][0-9][0-9]_*.sql)
  list(SORT all_files)
  set(entries "")
  set(previous_version 0)
  foreach(path ${all_files})
    get_filename_component(file_name ${path} NAME)
    # Dialect parts (NNNN_name.<dialect>.sql) are picked up with their common file.
    if(NOT file_name MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
      continue()
    endif()
    set(version_text ${CMAKE_MATCH_1})
    set(migration_name ${CMAKE_MATCH_2})
    string(REGEX REPLACE "^0+" "" version ${version_text})
    if(NOT version GREATER previous_version)
      message(FATAL_ERROR "migration ${file_name}: versions must be unique and start at 0001")
    endif()
    set(previous_version ${version})
    set(dialect_path ${simkeep_migrations_dir}/${version_text}_${migration_name}.${ARG_DIALECT}.sql)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${path})
    file(READ ${path} common_sql)
    set(dialect_sql "")
    if(EXISTS ${dialect_path})
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${dialect_path})
      file(READ ${dialect_path} dialect_sql)
    endif()
    foreach(text common_sql dialect_sql)
      string(FIND "${${text}}" ")migration_sql\"" clash)
      if(NOT clash EQUAL -1)
        message(FATAL_ERROR "migration ${file_name} contains the raw string delimiter")
      endif()
    endforeach()
    string(APPEND entries
      "    {${version}, \"${migration_name}\",\n"
      "     R\"migration_sql(${common_sql})migration_sql\",\n"
      "     R\"migration_sql(${dialect_sql})migration_sql\"},\n")
  endforeach()
  if(entries STREQUAL "")
    message(FATAL_ERROR "no migrations found in ${simkeep_migrations_dir}")
  endif()
  set(SIMKEEP_MIGRATION_NAMESPACE ${ARG_NAMESPACE})
  set(SIMKEEP_MIGRATION_FUNCTION ${ARG_FUNCTION})
  set(SIMKEEP_MIGRATION_ENTRIES "${entries}")
  configure_file(${simkeep_migrations_dir}/embedded_migrations.cc.in ${output} @ONLY)
endfunction()
