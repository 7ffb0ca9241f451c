#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_CONNECTION_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_CONNECTION_H_

// RAII wrappers over libpq used by the adapter: a connection with a prepared-statement cache, a
// statement (parameters, execution, row reading), and the mapping of SQLSTATEs to the error
// conventions of app/ports.h. Nothing outside storage/postgres includes this header.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <libpq-fe.h>

#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::postgres::internal {

// Deleters, so that no PGconn or PGresult can leak. PQfinish also closes the socket, which makes
// the server roll back a transaction still open on it.
struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnectionHandle = std::unique_ptr<PGconn, ConnectionCloser>;
using ResultHandle = std::unique_ptr<PGresult, ResultClearer>;

// `text` (a libpq message, or null) on one line, without its trailing newline.
std::string Trimmed(const char* text);

// Maps a failure with SQLSTATE `sqlstate` (empty when libpq failed on its own side, as when the
// connection is lost) to an Error:
//   23505 unique_violation                   kAlreadyExists, the reason naming the key
//                                            (UniqueClashReason of `constraint`);
//   other class 23 (check, foreign key, not
//   null, the append-only triggers' 23000)
//   and class 22 (a value it cannot store)   kFailedPrecondition "constraint_violation";
//   no SQLSTATE, class 08 (connection), 53
//   (resources), 58 (system), 40001, 40P01,
//   55P03 (lock timeout), 57014, 57P01-03,
//   25006, 25P02, 25P03, XX001, XX002        kUnavailable "db_unavailable";
//   anything else (a malformed statement)    kInternal.
// `message` is what the error's message says.
Error ErrorFromSqlState(std::string_view sqlstate, std::string_view constraint,
                        std::string message);

// The reason for a unique-key clash on the constraint PostgreSQL names ("lines_iccid_key" is
// "iccid_taken"); "duplicate_key" for a constraint without one. Exposed for tests.
std::string UniqueClashReason(std::string_view constraint);
// Every constraint UniqueClashReason knows, for the test that checks them against the schema.
std::vector<std::string_view> KnownUniqueConstraints();

// Where PostgreSQL needs the shared query code (storage/sql) used differently. Several processes
// write one database, and PostgreSQL locks rows, not the database: the lookups of a write
// transaction lock the rows a caller may update (sql::StoreTransaction).
struct PostgresDialect {
  static constexpr bool kLockRowsForUpdate = true;
};

class Connection;

// One SQL text as the query code writes it (`?` placeholders) in the form the server takes, and
// its prepared statement on one connection. Converted once and kept in the connection's cache.
struct StatementText {
  std::string numbered;       // sql::NumberedPlaceholders of the text as written.
  std::string prepared_name;  // Empty until prepared, and again after Connection::Reset().
  bool cached = false;        // Only a cached text is prepared; one past the cache runs unprepared.
};

// How a statement runs.
enum class StatementKind {
  // Runs as is. A failure aborts the enclosing transaction (PostgreSQL refuses every statement
  // after it until ROLLBACK or ROLLBACK TO SAVEPOINT): fine for reads, which only fail with the
  // database itself.
  kRead,
  // Runs inside its own savepoint, sent in one round trip with it (libpq pipeline mode), so
  // that a refused write (a unique key, a check) undoes only itself and the transaction goes
  // on, as a failed statement does in SQLite.
  kWrite,
  // A query read through a server-side cursor, kStreamBatchRows rows per round trip.
  kStream,
};

// One statement of a Connection. Parameters are bound in order (each Bind* call binds the next
// placeholder) as text; the statement runs at the first Step() or Run(). Rows are stepped with
// Step(), and columns of the current row are read in order (each Read* call reads the next
// column). The primitives are here; the typed binds and reads (times, booleans, optionals,
// enums) come from sql::StatementBase.
//
// Failures of binding and of decoding a column are sticky: a bind error is returned by the next
// Step() or Run(); a stored value that does not parse (an enum name this build does not know)
// is returned by RowError().
//
// Text PostgreSQL cannot hold (a NUL byte, invalid UTF-8) is refused at bind: a write fails
// with kFailedPrecondition "constraint_violation" and a read yields no rows (nothing stored can
// equal it), without a round trip, so the transaction stays usable.
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
  // Runs the statement, ignoring any rows.
  Result<void> Run();

  // Reads text; NULL reads as the empty string.
  std::string ReadText();
  // Reads an integer; text that is not one records a RowError and reads as 0.
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
  // `text` is the connection's cached text, or `owned_text` (one past the cache).
  Statement(Connection& connection, StatementText& text, std::unique_ptr<StatementText> owned_text,
            StatementKind kind);
  Statement& BindValue(std::optional<std::string> value);
  // `rows_needed`: Step() reads rows; Run() does not (a deferred write may then be queued).
  Result<void> Execute(bool rows_needed);
  Result<void> FetchBatch();
  const char* Value(int column) const;
  void NoteUnknownValue(std::string_view text);

  Connection* connection_;
  StatementText* text_;
  std::unique_ptr<StatementText> owned_text_;
  StatementKind kind_;
  std::vector<std::optional<std::string>> parameters_;
  std::optional<Error> bind_error_;
  bool unmatchable_ = false;  // A parameter no stored text can equal (see the class comment).
  bool executed_ = false;
  std::string cursor_;  // Set while a kStream statement's cursor is open.
  bool cursor_exhausted_ = false;
  ResultHandle result_;
  int row_ = -1;
  int row_count_ = 0;
  int read_index_ = 0;
  std::optional<Error> row_error_;
};

// One open libpq connection with the adapter's settings and a cache of prepared statements keyed
// by SQL text as written (each converted to numbered placeholders once, prepared once per
// connection with PQprepare, then run with PQexecPrepared).
//
// Settings of every connection: client_encoding UTF8, synchronous_commit on (a commit is
// durable before it is acknowledged, whatever the server's default), lock_timeout
// kLockTimeoutMs, client_min_messages warning; unless the connection string names them:
// application name "simkeep", connect_timeout kConnectTimeoutSeconds, TCP keepalives and
// tcp_user_timeout (limits.h).
//
// Deadlines: every exchange with the server waits for its answer at most the call deadline
// (kCallDeadlineMs unless SetCallDeadline changed it). Past it the connection is taken for dead:
// its socket is shut down (the server ends the session and rolls its transaction back), the
// call fails with kUnavailable "db_unavailable", IsBroken() turns true, and Reset() connects
// anew. Queries are sent with the socket in blocking mode: they are small, and an unanswered
// send ends after tcp_user_timeout. Connecting is bounded by connect_timeout.
//
// Owned by one PostgresSession (or by PostgresDatabase while it opens or migrates). Not
// thread-safe: one thread at a time.
class Connection {
 public:
  // Connects with `conninfo` (any libpq connection string or URI, passed to libpq unchanged).
  // Errors: kUnavailable "db_unavailable" when the server cannot be reached or refuses.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  // Takes a connected handle as it is; Open() is the way to get a configured connection.
  explicit Connection(ConnectionHandle handle);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // How long each later exchange may wait for its answer (see the class comment).
  void SetCallDeadline(std::chrono::milliseconds deadline) { call_deadline_ = deadline; }

  // Runs one or more statements without parameters (transaction control, DDL, settings).
  Result<void> Execute(const char* sql);
  // Runs one command and returns its command tag ("COMMIT", "ROLLBACK", "INSERT 0 1").
  Result<std::string> ExecuteCommand(const char* sql);
  // From now on, Prepare() refuses to run outside a transaction. A session sets this, so that a
  // statement can never silently autocommit: neither by a caller's mistake nor after the
  // connection (and with it the transaction) was lost.
  void RequireTransaction() { transaction_required_ = true; }
  // kUnavailable "db_unavailable" when RequireTransaction() is in force and no transaction is
  // open; success otherwise.
  Result<void> CheckTransaction() const;
  // A statement for `sql`, run as `kind` says. Nothing is sent to the server until it runs. The
  // placeholders may be written `?` (as SQLite takes them, and as the shared query code writes
  // them; see sql::NumberedPlaceholders) or `$1`, `$2`, ...
  Result<Statement> Prepare(const char* sql, StatementKind kind = StatementKind::kRead);
  Result<Statement> PrepareWrite(const char* sql) { return Prepare(sql, StatementKind::kWrite); }
  Result<Statement> PrepareStream(const char* sql) { return Prepare(sql, StatementKind::kStream); }
  // Rows changed by the most recent INSERT, UPDATE or DELETE. While writes are deferred, reads
  // their answers first (one round trip); see BeginDeferring().
  int64_t Changes();

  // Deferred writes, for the committer's commands. From BeginDeferring() on, a write's Run()
  // is sent in pipeline mode without waiting for its answer and without a savepoint of its own,
  // so that a command's writes cost no round trip each: their answers are read together with
  // the next call that needs an answer (a read, Changes(), Settle()). A write refused then (or
  // any write failing while deferring) aborts the transaction up to the caller's savepoint: the
  // call that found it fails with the refusal, and DeferredWriteFailed() stays true until
  // EndDeferring(), for the caller to undo the savepoint and run its work again step by step.
  // QueueControl() sends a one-statement control command (SAVEPOINT) the same way.
  void BeginDeferring() { deferring_ = true; }
  Result<void> QueueControl(const std::string& sql);
  // Reads every answer outstanding, with `tail_sql` (when not null; one statement without
  // parameters, such as RELEASE SAVEPOINT) sent after them in the same round trip.
  Result<void> Settle(const char* tail_sql = nullptr);
  // Settle() if needed, then forgets the deferred failure and stops deferring.
  void EndDeferring();
  bool Deferring() const { return deferring_; }
  // While deferring, right after a write's Run(): true, and the write changing no row will count
  // as a refusal (so its command is run again step by step, where Changes() says what it did).
  // False otherwise: the caller reads Changes().
  bool ExpectChanged();
  // Whether a queued write carries ExpectChanged(): its check is made by the client, so the
  // server does not abort what follows it in the pipeline.
  bool ExpectationQueued() const;
  bool DeferredWriteFailed() const { return deferred_error_.has_value(); }

  // True while a transaction is open, including one the server has aborted after an error.
  bool InTransaction() const;
  // True while the open transaction has been aborted by an error: only ROLLBACK (or ROLLBACK TO
  // SAVEPOINT) is accepted, and a COMMIT would silently roll back.
  bool TransactionFailed() const;
  // True when the connection to the server is lost.
  bool IsBroken() const;
  // Reconnects with the original parameters (PQreset) and applies the settings again. Every
  // prepared statement is forgotten, as the server forgot it (the converted texts are kept).
  // Errors: kUnavailable "db_unavailable" when the server cannot be reached.
  Result<void> Reset();
  // The server process serving this connection (pg_backend_pid()).
  int BackendPid() const { return PQbackendPID(handle_.get()); }

  PGconn* handle() const { return handle_.get(); }

 private:
  friend class Statement;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  // The text parameters of one execution, as libpq takes them.
  struct Parameters {
    std::vector<const char*> values;
    int count() const { return static_cast<int>(values.size()); }
  };

  using SteadyClock = std::chrono::steady_clock;

  Result<void> Configure();
  // Sends nothing; reads every result of what was sent, as PQexec would return it: the first
  // failure, else the last result. Bounded by the call deadline.
  Result<ResultHandle> Finish(std::string_view context);
  // Waits until PQgetResult can answer without blocking. False when `deadline` passed first;
  // the connection is then abandoned.
  bool AwaitResult(SteadyClock::time_point deadline);
  // Shuts the socket down: the connection is dead to both sides from now on.
  void Abandon();
  // Whether `text` runs prepared, preparing it first if needed; false for a text past the cache
  // (it then runs unprepared).
  Result<bool> Prepared(StatementText& text);
  // Runs `text` once with `parameters` and returns its result (rows or command status).
  Result<ResultHandle> Run(StatementText& text, const Parameters& parameters);
  Result<ResultHandle> RunInSavepoint(StatementText& text, const Parameters& parameters);
  // A write while deferring: queued without waiting, or run at once when `rows_needed`.
  Result<ResultHandle> RunDeferred(StatementText& text, const Parameters& parameters,
                                   bool rows_needed);
  // What the pipeline's last command is, when a call's own statement rides with the answers
  // of the queued ones (Flush()).
  struct Tail {
    StatementText* text = nullptr;  // A prepared statement, or
    const char* sql = nullptr;      // one statement without parameters.
    const Parameters* parameters = nullptr;
  };
  // Sends `tail` (if any) after the queued commands, syncs, reads every answer and leaves
  // pipeline mode. Returns the tail's result (null without a tail). A refused queued command
  // is recorded as the deferred failure and returned.
  Result<ResultHandle> Flush(const Tail* tail);
  // Enters pipeline mode unless already in it.
  Result<void> EnterPipeline();
  Result<ResultHandle> CollectPipeline(const std::string& sql);
  // Opens a cursor over `text` with `parameters` and returns its name.
  Result<std::string> OpenCursor(const StatementText& text, const Parameters& parameters);
  Result<ResultHandle> FetchFromCursor(const std::string& cursor);
  void CloseCursor(const std::string& cursor);
  Error LastError(const PGresult* result, std::string_view context) const;

  ConnectionHandle handle_;
  // Keyed by the text as written; at most kStatementCacheSizeMax entries.
  std::unordered_map<std::string, StatementText, StringHash, std::equal_to<>> texts_;
  int64_t prepared_count_ = 0;  // Names prepared statements; never reused on a connection.
  int64_t changes_ = 0;
  int64_t next_cursor_ = 0;
  bool transaction_required_ = false;
  std::chrono::milliseconds call_deadline_;
  bool abandoned_ = false;  // A call passed its deadline; cleared by Reset().
  bool deferring_ = false;
  struct Queued {
    std::string summary;         // What the command is, for error messages.
    bool expect_change = false;  // ExpectChanged(): changing no row counts as a refusal.
  };
  std::vector<Queued> queued_;
  int64_t executions_ = 0;         // Statements run so far, to know which one ran last.
  int64_t queued_execution_ = -1;  // executions_ when the last write was queued.
  std::optional<Error> deferred_error_;
};

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_CONNECTION_H_
