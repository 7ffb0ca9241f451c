#include "simkeep/storage/postgres/leader_lock.h"

#include <chrono>
#include <functional>
#include <set>
#include <string_view>
#include <utility>

#include <libpq-fe.h>
#include <sys/socket.h>

#include "simkeep/base/assert.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/limits.h"

namespace simkeep::storage::postgres {
namespace {

using internal::Connection;

// What the leader connection gets unless its connection string names it.
struct ConnectionDefault {
  const char* keyword;
  std::string value;
};

// `value` quoted for a keyword='value' connection string.
std::string Quoted(std::string_view value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') {
      quoted += '\\';
    }
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

// The server's side of the session: how soon it ends the session of a vanished leader (see
// limits.h), and the same bound on statements as the client's deadline.
std::string SessionSettings() {
  return "SET tcp_keepalives_idle = " + std::to_string(kLeaderServerKeepaliveIdleSeconds) +
         "; SET tcp_keepalives_interval = " +
         std::to_string(kLeaderServerKeepaliveIntervalSeconds) +
         "; SET tcp_keepalives_count = " + std::to_string(kLeaderServerKeepaliveCount) +
         "; SET tcp_user_timeout = " + std::to_string(kLeaderServerTcpUserTimeoutMs) +
         "; SET statement_timeout = " + std::to_string(kLeaderCallDeadlineMs);
}

const std::string& TryLockSql() {
  static const std::string sql =
      "SELECT pg_try_advisory_lock(" + std::to_string(kLeaderLockKey) + ")::int";
  return sql;
}

const std::string& UnlockSql() {
  static const std::string sql =
      "SELECT pg_advisory_unlock(" + std::to_string(kLeaderLockKey) + ")::int";
  return sql;
}

// Whether this very session holds the lock: pg_locks under pg_backend_pid(), so a connection
// that silently landed on another backend (a transaction pooler) does not pass.
const std::string& HeldSql() {
  static const std::string sql =
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
      " AND pid = pg_backend_pid() AND classid = '" +
      std::to_string(kLeaderLockClassId) + "'::oid AND objid = '" +
      std::to_string(kLeaderLockObjId) + "'::oid AND objsubid = 1";
  return sql;
}

// The one integer `sql` answers, within the connection's call deadline. Errors: the
// connection's (kUnavailable "db_unavailable" for a lost or silent server), or kInternal when
// the answer is not one integer.
Result<int64_t> QueryInteger(Connection& connection, const std::string& sql) {
  Result<internal::Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  Result<bool> row = statement->Step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return Internal("leader lock: no row from " + sql);
  }
  const int64_t value = statement->ReadInt64();
  if (statement->RowError()) {
    return *statement->RowError();
  }
  return value;
}

// `error` under `reason`, keeping its message: what the leader lock reports.
Error Reasoned(const char* reason, const Error& error) {
  return Unavailable(reason, "leader lock: " + error.message);
}

}  // namespace

Result<std::string> LeaderConnectionString(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (message != nullptr) {
    PQfreemem(message);  // It may quote the string, password included: never shown.
  }
  if (options == nullptr) {
    return InvalidArgument("database_url_invalid",
                           "The database URL is not a connection string libpq can parse.");
  }
  std::string result;
  std::set<std::string, std::less<>> named;
  for (const PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) {
      continue;
    }
    named.insert(option->keyword);
    result += result.empty() ? "" : " ";
    result += option->keyword;
    result += '=';
    result += Quoted(option->val);
  }
  PQconninfoFree(options);
  const ConnectionDefault defaults[] = {
      {"keepalives", "1"},
      {"keepalives_idle", std::to_string(kLeaderClientKeepaliveIdleSeconds)},
      {"keepalives_interval", std::to_string(kLeaderClientKeepaliveIntervalSeconds)},
      {"keepalives_count", std::to_string(kLeaderClientKeepaliveCount)},
      {"tcp_user_timeout", std::to_string(kLeaderClientTcpUserTimeoutMs)},
      {"connect_timeout", std::to_string(kLeaderConnectTimeoutSeconds)},
      {"application_name", "simkeep-leader"},
  };
  for (const ConnectionDefault& entry : defaults) {
    if (named.find(std::string_view(entry.keyword)) == named.end()) {
      result += result.empty() ? "" : " ";
      result += entry.keyword;
      result += '=';
      result += Quoted(entry.value);
    }
  }
  return result;
}

Result<std::unique_ptr<PostgresLeaderLock>> PostgresLeaderLock::Create(
    const std::string& conninfo) {
  Result<std::string> connection_string = LeaderConnectionString(conninfo);
  if (!connection_string) {
    return connection_string.error();
  }
  return std::make_unique<PostgresLeaderLock>(std::move(*connection_string));
}

PostgresLeaderLock::PostgresLeaderLock(std::string connection_string)
    : connection_string_(std::move(connection_string)) {}

PostgresLeaderLock::~PostgresLeaderLock() { Release(); }

Result<void> PostgresLeaderLock::Connect() {
  Result<std::unique_ptr<Connection>> opened = Connection::Open(connection_string_);
  if (!opened) {
    return Reasoned("db_unavailable", opened.error());
  }
  connection_ = std::move(*opened);
  connection_->SetCallDeadline(std::chrono::milliseconds(kLeaderCallDeadlineMs));
  failed_ = false;
  if (Result<void> set = connection_->Execute(SessionSettings().c_str()); !set) {
    Drop(true);
    return Reasoned("db_unavailable", set.error());
  }
  Result<int64_t> in_recovery = QueryInteger(*connection_, "SELECT pg_is_in_recovery()::int");
  if (!in_recovery) {
    Drop(true);
    return Reasoned("db_unavailable", in_recovery.error());
  }
  if (*in_recovery != 0) {
    Drop(false);
    return Unavailable("db_unavailable",
                       "leader lock: the server is a standby (in recovery); the leader's lock "
                       "must be taken on the primary, where every instance writes");
  }
  return Ok();
}

Result<bool> PostgresLeaderLock::TryAcquire() {
  if (held_) {
    return true;  // Session locks stack: taking it twice would need two unlocks.
  }
  if (connection_ == nullptr || failed_ || connection_->IsBroken()) {
    Drop(failed_);
    if (Result<void> connected = Connect(); !connected) {
      return connected.error();
    }
  }
  Result<int64_t> acquired = QueryInteger(*connection_, TryLockSql());
  if (!acquired) {
    // Whether the server granted the lock is unknown; ending the session frees it if it did.
    Drop(true);
    return Reasoned("db_unavailable", acquired.error());
  }
  held_ = *acquired == 1;
  return held_;
}

Result<void> PostgresLeaderLock::CheckHeld() {
  SIMKEEP_ASSERT(held_);
  if (connection_ == nullptr || failed_ || connection_->IsBroken()) {
    failed_ = true;
    return Unavailable("leader_lost", "leader lock: the connection to the database is lost");
  }
  Result<int64_t> holders = QueryInteger(*connection_, HeldSql());
  if (!holders) {
    failed_ = true;  // Release() shuts the socket down; the server then ends the session.
    return Reasoned("leader_lost", holders.error());
  }
  if (*holders != 1) {
    failed_ = true;
    return Unavailable("leader_lost",
                       "leader lock: this session no longer holds the advisory lock (a "
                       "transaction pooler between simkeep and PostgreSQL?)");
  }
  return Ok();
}

void PostgresLeaderLock::Release() {
  if (connection_ == nullptr) {
    held_ = false;
    return;
  }
  if (held_ && !failed_ && !connection_->IsBroken()) {
    // Polite and immediate; closing the connection would free the lock as well, a moment later.
    Result<int64_t> unlocked = QueryInteger(*connection_, UnlockSql());
    failed_ = !unlocked;
  }
  Drop(failed_);
}

void PostgresLeaderLock::Drop(bool failed) {
  if (connection_ != nullptr && failed) {
    // The connection may hold an unanswered query; shutting the socket down makes sure closing
    // it cannot wait on the server, and the server reads the end of the stream and ends the
    // session (freeing the lock) as soon as it runs.
    const int socket = PQsocket(connection_->handle());
    if (socket >= 0) {
      shutdown(socket, SHUT_RDWR);
    }
  }
  connection_.reset();
  held_ = false;
  failed_ = false;
}

std::string PostgresLeaderLock::Describe() const {
  return "PostgreSQL advisory lock " + std::to_string(kLeaderLockKey) + " (pg_locks classid " +
         std::to_string(kLeaderLockClassId) + ", objid " + std::to_string(kLeaderLockObjId) + ")";
}

app::LeaderIntervals PostgresLeaderLock::intervals() const {
  return {std::chrono::milliseconds(kLeaderTryIntervalMs),
          std::chrono::milliseconds(kLeaderCheckIntervalMs),
          std::chrono::milliseconds(kLeaderTakeoverDelayMs)};
}

}  // namespace simkeep::storage::postgres
