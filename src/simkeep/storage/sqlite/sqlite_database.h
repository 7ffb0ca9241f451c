#ifndef SIMKEEP_STORAGE_SQLITE_SQLITE_DATABASE_H_
#define SIMKEEP_STORAGE_SQLITE_SQLITE_DATABASE_H_

#include <cstdint>
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
class Connection;
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

  // Opens the existing database at `path` for reading only: no file is created (not even
  // -wal or -shm when the folder is read-only), the journal mode is left as it is, no
  // checkpointer runs, and Migrate() is refused. Sessions may only read: a write transaction
  // fails with "db_unavailable". For `simkeep audit` and the other reading commands, which must
  // work on a file (and folder) the user may only read.
  //
  // A WAL database needs its -shm file to be read. When that file cannot be created (a
  // read-only folder) and there is no -wal file (so no process has the database open for
  // writing: a writer keeps one), the file is opened as immutable (no locks, no -shm).
  // Errors: kUnavailable "db_unavailable" when the file does not exist, cannot be read, is not
  // a SQLite database, or has a -wal file that cannot be read without a -shm file.
  static Result<std::unique_ptr<SqliteDatabase>> OpenReadOnly(const std::string& path);

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
  // On a database opened with OpenReadOnly(): kFailedPrecondition "database_read_only".
  Result<int> Migrate() override;

  // The newest version in schema_migrations (0 when there is no such table), read in a read
  // transaction of its own. Errors: kUnavailable "db_unavailable".
  Result<int64_t> SchemaVersion() override;

  // The newest migration this build carries.
  int64_t SchemaVersionLatest() const override;

  // The file this database was opened on.
  const std::string& path() const { return path_; }

  // The migrations this build carries, ascending by version.
  static std::span<const Migration> Migrations();

  // How the file is opened: by Open(), or by OpenReadOnly() (immutable or not).
  enum class Access { kReadWrite, kReadOnly, kReadOnlyImmutable };

  // The constructor is public for std::make_unique; use Open() or OpenReadOnly(). A
  // kReadWrite database has a checkpointer; a read-only one has none.
  SqliteDatabase(std::string path, std::unique_ptr<internal::Checkpointer> checkpointer,
                 Access access = Access::kReadWrite);
  ~SqliteDatabase() override;

 private:
  // A new connection to the file, opened as this database's access says.
  Result<std::unique_ptr<internal::Connection>> OpenConnection();

  const std::string path_;
  std::unique_ptr<internal::Checkpointer> checkpointer_;  // Null when read-only.
  const Access access_;
};

}  // namespace simkeep::storage::sqlite

#endif  // SIMKEEP_STORAGE_SQLITE_SQLITE_DATABASE_H_
