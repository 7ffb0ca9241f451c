#ifndef SIMKEEP_STORAGE_SQL_ACCESS_STORE_H_
#define SIMKEEP_STORAGE_SQL_ACCESS_STORE_H_

// Tables idempotency_keys and api_keys.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h); StoreTransaction instantiates it. Every function runs on the caller's connection,
// inside its open transaction (outside one it returns kUnavailable "db_unavailable"), and is as
// thread-safe as that connection: not at all.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {
namespace internal {

template <SqlStatement Statement>
Result<app::IdempotencyRecord> ReadIdempotency(Statement& row) {
  app::IdempotencyRecord record;
  record.principal = row.ReadText();
  record.key = row.ReadText();
  record.request_hash = row.ReadText();
  record.completed = row.ReadBool();
  record.response_status = row.ReadInt();
  record.response_body = row.ReadText();
  record.created_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return record;
}

template <SqlStatement Statement>
Result<app::ApiKey> ReadApiKey(Statement& row) {
  app::ApiKey key;
  key.id.value = row.ReadText();
  key.role = row.ReadText();
  key.name = row.ReadText();
  key.token_hash = row.ReadText();
  key.created_at = row.ReadTime();
  key.revoked_at = row.ReadOptionalTime();
  return key;
}

}  // namespace internal

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<app::IdempotencyRecord>> FindIdempotency(Connection& connection,
                                                              std::string_view principal,
                                                              std::string_view key) {
  Result<Statement> statement = connection.Prepare(
      "SELECT principal, key_value, request_hash, completed, response_status, response_body, "
      "created_at FROM idempotency_keys WHERE principal = ? AND key_value = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(principal).BindText(key);
  return ReadOptional<app::IdempotencyRecord>(*statement, internal::ReadIdempotency<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertIdempotency(Connection& connection, const app::IdempotencyRecord& record) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO idempotency_keys (principal, key_value, request_hash, completed, "
      "response_status, response_body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(record.principal)
      .BindText(record.key)
      .BindText(record.request_hash)
      .BindBool(record.completed)
      .BindInt64(record.response_status)
      .BindText(record.response_body)
      .BindTime(record.created_at);
  return statement->Run();
}

// Records the response of the request holding the key. kNotFound "idempotency_key_not_found".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> CompleteIdempotency(Connection& connection, std::string_view principal,
                                 std::string_view key, int response_status,
                                 std::string_view response_body) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE idempotency_keys SET completed = 1, response_status = ?, response_body = ? "
      "WHERE principal = ? AND key_value = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(response_status).BindText(response_body).BindText(principal).BindText(key);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  std::string id(principal);
  id += '/';
  id += key;
  return RequireChanged(connection, "idempotency_key_not_found", id);
}

// Deletes the completed keys created before `cutoff` and returns how many.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<int64_t> DeleteIdempotencyBefore(Connection& connection, Timestamp cutoff) {
  Result<Statement> statement = connection.PrepareWrite(
      "DELETE FROM idempotency_keys WHERE completed = 1 AND created_at < ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(cutoff);
  Result<void> done = statement->Run();
  if (!done) {
    return done.error();
  }
  return connection.Changes();
}

// A duplicate token hash is kAlreadyExists "api_key_exists".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertApiKey(Connection& connection, const app::ApiKey& key) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO api_keys (api_key_id, role, name, token_hash, created_at, revoked_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(key.id.value)
      .BindText(key.role)
      .BindText(key.name)
      .BindText(key.token_hash)
      .BindTime(key.created_at)
      .BindOptionalTime(key.revoked_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<app::ApiKey>> FindApiKeyByTokenHash(Connection& connection,
                                                         std::string_view token_hash) {
  Result<Statement> statement = connection.Prepare(
      "SELECT api_key_id, role, name, token_hash, created_at, revoked_at FROM api_keys "
      "WHERE token_hash = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(token_hash);
  return ReadOptional<app::ApiKey>(*statement, internal::ReadApiKey<Statement>);
}

// The first revocation time stays: revoking twice changes nothing. kNotFound "api_key_not_found".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> RevokeApiKey(Connection& connection, const ApiKeyId& id, Timestamp at) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE api_key_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(at).BindText(id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "api_key_not_found", id.value);
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_ACCESS_STORE_H_
