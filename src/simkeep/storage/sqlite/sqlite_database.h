#ifndef SIMKEEP_STORAGE_SQLITE_SQLITE_DATABASE_H_
#define SIMKEEP_STORAGE_SQLITE_SQLITE_DATABASE_H_

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/migrations/migration.h"

namespace simkeep::storage::sqlite {

namespace internal {
class Checkpointer;
}  // namespace internal

// The embedded default backend: app::Database over one SQLite file in WAL mode. Each Connect()
// opens a new connection to the file, so sessions on different threads read concurrently while
// SQLite serialises writers (BEGIN IMMEDIATE waits up to kBusyTimeoutMs for the write lock).
// Several processes may open the same file; correctness comes from the schema's constraints,
// not from this object.
//
// Settings of every connection: journal_mode=WAL (set once, stored in the file),
// synchronous=FULL (a commit is synced before it is acknowledged), foreign_keys=ON,
// busy_timeout, extended result codes, and double-quoted string literals refused. Checkpoints
// run on a background thread with its own connection (internal/checkpointer.h), never on the
// connection that commits.
//
// Ownership: created by Open() and owned by the caller (main or a test). Sessions hold their own
// connections and may outlive it. Thread-safe: Connect() and Migrate() may be called from any
// thread at any time.
class SqliteDatabase final : public app::Database {
 public:
  // Opens (creating if needed) the database at `path` and switches it to WAL mode. Does not
  // migrate. ":memory:" is refused: every session must see the same database, and an in-memory
  // database exists once per connection.
  // Errors: kInvalidArgument "database_path_invalid" (empty or ":memory:");
  // kUnavailable "db_unavailable" (cannot open or create the file, or WAL is not available).
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path);

  // "sqlite".
  std::string_view backend() const override { return "sqlite"; }

  // A new session on its own connection.
  // Errors: kUnavailable "db_unavailable" when the file cannot be opened.
  Result<std::unique_ptr<app::Session>> Connect() override;

  // Applies every embedded migration whose version is not in schema_migrations, each in its own
  // IMMEDIATE transaction (so concurrent migrators apply each version once), and returns how
  // many ran: 0 when the schema is current.
  // Errors: kFailedPrecondition "schema_too_new" when the database records a version this build
  // does not know; the error of a failing migration (which is rolled back, as are the ones
  // after it: they are not attempted).
  Result<int> Migrate() override;

  // The file this database was opened on.
  const std::string& path() const { return path_; }

  // The migrations this build carries, ascending by version.
  static std::span<const Migration> Migrations();

  // The constructor is public for std::make_unique; use Open().
  SqliteDatabase(std::string path, std::unique_ptr<internal::Checkpointer> checkpointer);
  ~SqliteDatabase() override;

 private:
  const std::string path_;
  std::unique_ptr<internal::Checkpointer> checkpointer_;
};

}  // namespace simkeep::storage::sqlite

#endif  // SIMKEEP_STORAGE_SQLITE_SQLITE_DATABASE_H_
