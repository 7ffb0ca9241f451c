#ifndef SIMKEEP_STORAGE_POSTGRES_POSTGRES_SESSION_H_
#define SIMKEEP_STORAGE_POSTGRES_POSTGRES_SESSION_H_

#include <memory>
#include <string>
#include <string_view>

#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/store_transaction.h"

namespace simkeep::storage::postgres::internal {
class Connection;
struct PostgresDialect;
}  // namespace simkeep::storage::postgres::internal

namespace simkeep::storage {
// Compiled once, in postgres_session.cc.
extern template class sql::StoreTransaction<postgres::internal::Connection,
                                            postgres::internal::PostgresDialect>;
}  // namespace simkeep::storage

namespace simkeep::storage::postgres {

// The reads and writes of one PostgreSQL transaction: app::Transaction over one connection, the
// shared query code of storage/sql (see sql::StoreTransaction for every method's contract).
// Statements are prepared once per connection; unique-key clashes are told apart by the
// constraint PostgreSQL names (see README.md).
//
// A write that the database refuses undoes only itself (each write runs in its own savepoint),
// so the transaction goes on as it does in SQLite. In a write transaction the lookups of rows a
// caller may update (FindAccount, FindLine*, FindOrder, FindPayment*) lock them FOR UPDATE until
// the transaction ends; a second session's locking lookup of the same row waits for that (up to
// kLockTimeoutMs, then kUnavailable "db_unavailable"). Read-only transactions never lock. The
// streams (ForEach*) read through a server-side cursor, kStreamBatchRows rows per round trip.
//
// Owned by its PostgresSession and valid as long as it. Not thread-safe.
using PostgresTransaction = sql::StoreTransaction<internal::Connection, internal::PostgresDialect>;

// One PostgreSQL connection and the transaction on it: app::Session. Obtained from
// PostgresDatabase::Connect(); owns its connection and closes it on destruction, rolling back a
// transaction still open.
//
// Transactions: Begin(false) is BEGIN ISOLATION LEVEL READ COMMITTED, READ WRITE; its lookups
// lock what they find (see PostgresTransaction). Begin(true) is BEGIN ISOLATION LEVEL
// REPEATABLE READ, READ ONLY: one snapshot for the whole transaction (an audit reads balances
// and transfers as of one moment, as in SQLite), never blocking and never blocked by writers;
// writes in it are refused by the server. Commit() returns once the commit is durable
// (synchronous_commit=on).
//
// Connection loss: when Begin() finds the connection broken, it reconnects once (PQreset) and
// begins on the new connection. A failure inside a transaction is returned as kUnavailable
// "db_unavailable"; after Rollback() (which then succeeds, the server having dropped the
// transaction with the connection) the next Begin() reconnects. A Commit() that loses the
// connection returns "db_unavailable" although the server may have committed: the outcome is
// unknown to the client, as with any database reached over a network.
//
// Savepoints nest up to kSavepointDepthMax. RollbackToSavepoint() undoes everything since the
// innermost open Savepoint() and ends that savepoint, as ReleaseSavepoint() ends it keeping the
// changes; either way the enclosing transaction stays open.
//
// Misuse (Begin twice, Commit or a savepoint without a transaction) returns kInternal. Not
// thread-safe: one thread at a time; the session may move between threads between calls.
class PostgresSession final : public app::Session {
 public:
  explicit PostgresSession(std::unique_ptr<internal::Connection> connection);
  PostgresSession(const PostgresSession&) = delete;
  PostgresSession& operator=(const PostgresSession&) = delete;
  ~PostgresSession() override;

  Result<void> Begin(bool read_only) override;
  // REQUIRES: a transaction is open (Begin succeeded and no Commit or Rollback since).
  app::Transaction& transaction() override;
  Result<void> Savepoint() override;
  Result<void> ReleaseSavepoint() override;
  Result<void> RollbackToSavepoint() override;
  // Opens the outermost savepoint with the command's writes deferred (Connection::
  // BeginDeferring): the SAVEPOINT, the writes and the RELEASE travel without a round trip each,
  // and their answers come back with the reads. When a deferred write was refused, ending the
  // savepoint undoes the command, and ReplayCommand() is true once; the next
  // CommandSavepoint() then runs step by step. Nested savepoints, and any savepoint but the
  // outermost, go step by step.
  Result<void> CommandSavepoint() override;
  bool ReplayCommand() override;
  // Errors: kUnavailable "db_unavailable" when the commit failed or the server had already
  // aborted the transaction after an earlier failure (PostgreSQL would turn that COMMIT into a
  // ROLLBACK); the transaction is then rolled back.
  Result<void> Commit() override;
  // Succeeds, changing nothing, when no transaction is open.
  Result<void> Rollback() override;

  // Runs `sql` (one or more statements) as is, inside or outside a transaction. For tests that
  // check what the database itself refuses (updating a receipt, a negative wallet row). A
  // failure here aborts the transaction: only Rollback() or RollbackToSavepoint() help then.
  Result<void> ExecuteForTest(std::string_view sql);
  // The server process of the current connection, for tests that break it.
  int BackendPidForTest() const;

 private:
  Result<void> ExecuteControl(const std::string& sql);

  std::unique_ptr<internal::Connection> connection_;
  PostgresTransaction transaction_;
  // Ends the deferring of the outermost savepoint (`release`: RELEASE, else ROLLBACK TO), and
  // undoes the command when a deferred write was refused.
  Result<void> EndDeferredCommand(bool release);

  bool active_ = false;
  int savepoint_depth_ = 0;
  bool command_deferred_ = false;  // The outermost savepoint's writes are deferred.
  bool replay_ = false;            // The last deferred command was undone for a replay.
  bool step_by_step_ = false;      // The next CommandSavepoint() runs the replay.
};

}  // namespace simkeep::storage::postgres

#endif  // SIMKEEP_STORAGE_POSTGRES_POSTGRES_SESSION_H_
