#ifndef SIMKEEP_STORAGE_MIGRATIONS_MIGRATION_H_
#define SIMKEEP_STORAGE_MIGRATIONS_MIGRATION_H_

// One schema migration as embedded into the binary at build time (embed_migrations.cmake), so
// that a deployed binary needs no SQL files next to it.

#include <cstdint>
#include <string_view>

namespace simkeep::storage {

// Migration NNNN_name: the statements of NNNN_name.sql, common to every backend, followed by
// those of NNNN_name.<dialect>.sql for the backend the table was generated for. An adapter runs
// both in one transaction and records `version` in schema_migrations.
//
// The views refer to static storage; the struct is a plain value, safe to share between threads.
struct Migration {
  int64_t version = 0;           // NNNN; versions are unique and ascending in a table.
  std::string_view name;         // "init".
  std::string_view common_sql;   // Never empty.
  std::string_view dialect_sql;  // Empty when the migration has no dialect part.
};

}  // namespace simkeep::storage

#endif  // SIMKEEP_STORAGE_MIGRATIONS_MIGRATION_H_
