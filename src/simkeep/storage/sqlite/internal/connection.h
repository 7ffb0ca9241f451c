#ifndef SIMKEEP_STORAGE_SQLITE_INTERNAL_CONNECTION_H_
#define SIMKEEP_STORAGE_SQLITE_INTERNAL_CONNECTION_H_

// RAII wrappers over the SQLite C API used by the adapter: a connection with a prepared-statement
// cache, a lease on one prepared statement, and the mapping of SQLite result codes to the error
// conventions of app/ports.h. Nothing outside storage/sqlite includes this header.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sqlite::internal {

// Deleters, so that no sqlite3 or sqlite3_stmt handle can leak. Their return codes carry
// nothing to act on: sqlite3_close_v2 always releases the handle (finishing lazily if a
// statement were still open), and sqlite3_finalize repeats the last step's error, which Step()
// has already returned.
struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Maps a failed SQLite call (result code `rc`, extended codes on) to an Error:
//   SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY  kAlreadyExists, reason naming the key
//                                           ("iccid_taken", "transfer_exists", ...);
//   any other SQLITE_CONSTRAINT_*           kFailedPrecondition "constraint_violation", the
//                                           message naming the constraint or trigger;
//   busy, locked, I/O, full, out of memory,
//   read-only, corrupt, cannot open         kUnavailable "db_unavailable";
//   anything else (a malformed statement)   kInternal.
// `context` (the operation) starts the message. `db` may be null (then only `rc` is described).
Error ErrorFromSqlite(sqlite3* db, int rc, std::string_view context);

// The reason for a unique-key clash given SQLite's message "UNIQUE constraint failed: t.c, ...".
// Exposed for tests.
std::string UniqueClashReason(std::string_view message);

// Where SQLite needs the shared query code (storage/sql) used differently. A write transaction
// holds the database's only write lock from BEGIN IMMEDIATE, so no lookup locks rows (nor could:
// SQLite has no FOR UPDATE).
struct SqliteDialect {
  static constexpr bool kLockRowsForUpdate = false;
};

class Connection;
class WalSignal;

// A lease on one prepared statement of a Connection. Parameters are bound in order (each Bind*
// call binds the next `?`), rows are stepped with Step(), and columns of the current row are
// read in order (each Read* call reads the next column). On destruction the statement is reset,
// its bindings are cleared and it goes back to the connection's cache. The primitives are here;
// the typed binds and reads (times, booleans, optionals, enums) come from sql::StatementBase.
//
// Failures of binding and of decoding a column are sticky: a bind error is returned by the next
// Step() or Run(); a stored value that does not parse (an enum name this build does not know)
// is returned by RowError().
//
// Move-only. Must not outlive its Connection. Not thread-safe.
class Statement : public sql::StatementBase<Statement> {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& BindText(std::string_view value);
  Statement& BindInt64(int64_t value);
  Statement& BindNull();

  // Advances to the next row: true when a row is ready, false when the statement is done.
  Result<bool> Step();
  // Runs the statement to completion, ignoring any rows.
  Result<void> Run();

  // Reads text; NULL reads as the empty string.
  std::string ReadText();
  int64_t ReadInt64();
  // Whether the next column (the one the next Read* call reads) is NULL.
  bool NextIsNull() const;
  // Skips the next column.
  void Skip() { ++read_index_; }

  // The first decoding failure since the last Step(), if any.
  const std::optional<Error>& RowError() const { return row_error_; }

 private:
  friend class Connection;
  friend class sql::StatementBase<Statement>;
  Statement(Connection& connection, sqlite3_stmt* statement, bool* in_use, StatementHandle owned);
  void NoteBind(int rc);
  void NoteUnknownValue(std::string_view text);

  Connection* connection_;
  sqlite3_stmt* statement_;
  bool* in_use_;           // The cache slot's flag; null for an uncached statement.
  StatementHandle owned_;  // Set for an uncached statement.
  int bind_index_ = 0;
  int bind_rc_ = SQLITE_OK;
  int read_index_ = 0;
  std::optional<Error> row_error_;
};

// One open SQLite connection with the adapter's settings (WAL, synchronous=FULL, foreign keys,
// busy timeout, no double-quoted string literals) and a cache of prepared statements keyed by
// SQL text.
//
// Owned by one SqliteSession (or by SqliteDatabase while it migrates). Not thread-safe: one
// thread at a time.
class Connection {
 public:
  // Opens (creating if needed) the database file at `path`. With a `wal_signal`, the connection
  // reports every commit to it and never checkpoints by itself (a Checkpointer does); without
  // one, SQLite's automatic checkpoint stays on.
  // Errors: kUnavailable "db_unavailable" when the file cannot be opened or configured.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  std::shared_ptr<WalSignal> wal_signal);
  // Opens the existing database file at `path` read-only (SQLITE_OPEN_READONLY): never created,
  // never written, never checkpointed. `immutable` opens it with SQLite's immutable=1, which
  // reads the file without locks or a -shm file; only for a file no process can be writing.
  // Errors: kUnavailable "db_unavailable" when the file cannot be opened.
  static Result<std::unique_ptr<Connection>> OpenReadOnly(const std::string& path, bool immutable);
  // Takes an open handle as it is; Open() is the way to get a configured connection.
  explicit Connection(DatabaseHandle db);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements without results (DDL, transaction control, pragmas).
  Result<void> Execute(const char* sql);
  // From now on, Prepare() refuses to run outside a transaction. A session sets this, so that a
  // statement can never silently autocommit: neither by a caller's mistake nor after SQLite
  // rolled the transaction back on its own (a full disk, an I/O error).
  void RequireTransaction() { transaction_required_ = true; }
  // kUnavailable "db_unavailable" when RequireTransaction() is in force and no transaction is
  // open; success otherwise.
  Result<void> CheckTransaction() const;
  // A lease on the prepared statement for `sql`, prepared once and kept
  // (SQLITE_PREPARE_PERSISTENT). A statement already leased (a nested use of the same SQL) is
  // prepared afresh for this lease.
  Result<Statement> Prepare(const char* sql);
  // The same as Prepare(). The shared query code tells writes and streams apart for PostgreSQL;
  // SQLite needs nothing different: a refused statement undoes only itself, and rows are stepped
  // one at a time anyway.
  Result<Statement> PrepareWrite(const char* sql) { return Prepare(sql); }
  Result<Statement> PrepareStream(const char* sql) { return Prepare(sql); }
  // Rows changed by the most recent INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // Never: SQLite answers every write at once (see sql::SqlConnection).
  bool ExpectChanged() const { return false; }
  // True while a transaction is open (SQLite is not in autocommit mode).
  bool InTransaction() const;

  sqlite3* handle() const { return db_.get(); }

  // Pages in the write-ahead log after this connection's last commit (0 before any).
  int64_t log_pages() const { return log_pages_; }
  // After a commit that left the log at kCheckpointRestartLogPages or more: copies what the
  // background checkpointer has not copied yet and starts the log over (a RESTART checkpoint).
  // Called by the writer between transactions, because only a pause in writing lets the log be
  // reused. A failure (a reader still on old pages) is left for the next commit to retry.
  void RestartLogIfLong();

 private:
  struct CachedStatement {
    StatementHandle statement;
    bool in_use = false;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  Result<void> Configure();
  // The WAL hook: records the log size and tells the checkpointer.
  static int ReportCommit(void* connection, sqlite3* db, const char* schema, int frames);

  // Declared before the handle, so that it outlives the WAL hook that points at it.
  std::shared_ptr<WalSignal> wal_signal_;
  // Declared before the cache so that it is destroyed after every statement is finalized.
  DatabaseHandle db_;
  std::unordered_map<std::string, CachedStatement, StringHash, std::equal_to<>> cache_;
  bool transaction_required_ = false;
  int64_t log_pages_ = 0;
};

}  // namespace simkeep::storage::sqlite::internal

#endif  // SIMKEEP_STORAGE_SQLITE_INTERNAL_CONNECTION_H_
