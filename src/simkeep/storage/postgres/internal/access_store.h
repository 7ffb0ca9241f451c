#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_ACCESS_STORE_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_ACCESS_STORE_H_

// Tables idempotency_keys and api_keys. Each function is the body of the app::Transaction method
// of the same name; contracts are in app/ports.h.
//
// Every function runs on the caller's connection, inside its open transaction (outside one it
// returns kUnavailable "db_unavailable"), and is as thread-safe as that connection: not at all.

#include <cstdint>
#include <optional>
#include <string_view>

#include "simkeep/app/ports.h"
#include "simkeep/storage/postgres/internal/connection.h"

namespace simkeep::storage::postgres::internal {

Result<std::optional<app::IdempotencyRecord>> FindIdempotency(Connection& connection,
                                                              std::string_view principal,
                                                              std::string_view key);
Result<void> InsertIdempotency(Connection& connection, const app::IdempotencyRecord& record);
Result<void> CompleteIdempotency(Connection& connection, std::string_view principal,
                                 std::string_view key, int response_status,
                                 std::string_view response_body);
Result<int64_t> DeleteIdempotencyBefore(Connection& connection, Timestamp cutoff);

Result<void> InsertApiKey(Connection& connection, const app::ApiKey& key);
Result<std::optional<app::ApiKey>> FindApiKeyByTokenHash(Connection& connection,
                                                         std::string_view token_hash);

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_ACCESS_STORE_H_
