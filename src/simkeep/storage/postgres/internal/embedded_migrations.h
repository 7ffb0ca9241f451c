#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_EMBEDDED_MIGRATIONS_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_EMBEDDED_MIGRATIONS_H_

#include <span>

#include "simkeep/storage/migrations/migration.h"

namespace simkeep::storage::postgres::internal {

// Every migration of src/simkeep/storage/migrations with its PostgreSQL part, ascending by version.
// Defined in a source file generated at build time (embed_migrations.cmake).
std::span<const Migration> EmbeddedMigrations();

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_EMBEDDED_MIGRATIONS_H_
