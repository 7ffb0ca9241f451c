#ifndef SIMKEEP_STORAGE_POSTGRES_POSTGRES_DATABASE_H_
#define SIMKEEP_STORAGE_POSTGRES_POSTGRES_DATABASE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/migrations/migration.h"

namespace simkeep::storage::postgres {

// The shared backend: app::Database over a PostgreSQL server (11 or newer; tested with 15),
// reached through libpq. Each Connect() opens a new connection, so any number of sessions, in
// this process and in other simkeep processes, use the database at once; correctness comes from
// the schema's constraints and from the row locks write transactions take (see
// PostgresTransaction), not from this object.
//
// The connection string is any libpq connection string or URI ("host=... dbname=...",
// "postgresql://user@host:5432/simkeep", multi-host URIs with target_session_attrs=read-write),
// handed to libpq unchanged. It may hold a password: it is never put in an error message.
//
// Ownership: created by Open() and owned by the caller (main or a test). Sessions hold their own
// connections and may outlive it. Thread-safe: Connect() and Migrate() may be called from any
// thread at any time.
class PostgresDatabase final : public app::Database {
 public:
  // Checks `conninfo` and connects once to make sure the server is there. Does not migrate.
  // Errors: kInvalidArgument "database_url_invalid" (empty, or not a connection string libpq
  // can parse); kUnavailable "db_unavailable" (the server cannot be reached or refuses).
  static Result<std::unique_ptr<PostgresDatabase>> Open(std::string conninfo);

  // "postgresql".
  std::string_view backend() const override { return "postgresql"; }

  // A new session on its own connection.
  // Errors: kUnavailable "db_unavailable" when the server cannot be reached.
  Result<std::unique_ptr<app::Session>> Connect() override;

  // Applies every embedded migration whose version is not in schema_migrations, each in its own
  // transaction, and returns how many ran: 0 when the schema is current. Each transaction first
  // takes a transaction-level advisory lock (pg_advisory_xact_lock), so processes migrating one
  // database at once apply each version exactly once: the others wait (up to
  // kMigrationLockTimeoutMs), then find it recorded.
  // Errors: kFailedPrecondition "schema_too_new" when the database records a version this build
  // does not know; the error of a failing migration (which is rolled back, as are the ones
  // after it: they are not attempted).
  Result<int> Migrate() override;

  // The newest version in schema_migrations (0 when there is no such table), read in a
  // REPEATABLE READ, READ ONLY transaction of its own: works on a hot standby and with SELECT
  // rights alone. Errors: kUnavailable "db_unavailable".
  Result<int64_t> SchemaVersion() override;

  // The newest migration this build carries.
  int64_t SchemaVersionLatest() const override;

  // The migrations this build carries, ascending by version.
  static std::span<const Migration> Migrations();

  // The constructor is public for std::make_unique; use Open().
  explicit PostgresDatabase(std::string conninfo) : conninfo_(std::move(conninfo)) {}

 private:
  const std::string conninfo_;
};

}  // namespace simkeep::storage::postgres

#endif  // SIMKEEP_STORAGE_POSTGRES_POSTGRES_DATABASE_H_
