#ifndef SIMKEEP_STORAGE_SQLITE_INTERNAL_EMBEDDED_MIGRATIONS_H_
#define SIMKEEP_STORAGE_SQLITE_INTERNAL_EMBEDDED_MIGRATIONS_H_

#include <span>

#include "simkeep/storage/migrations/migration.h"

namespace simkeep::storage::sqlite::internal {

// Every migration of src/simkeep/storage/migrations with its SQLite part, ascending by version.
// Defined in a source file generated at build time (embed_migrations.cmake).
std::span<const Migration> EmbeddedMigrations();

}  // namespace simkeep::storage::sqlite::internal

#endif  // SIMKEEP_STORAGE_SQLITE_INTERNAL_EMBEDDED_MIGRATIONS_H_
