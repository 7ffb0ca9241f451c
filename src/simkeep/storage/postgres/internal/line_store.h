#ifndef SIMKEEP_STORAGE_POSTGRES_INTERNAL_LINE_STORE_H_
#define SIMKEEP_STORAGE_POSTGRES_INTERNAL_LINE_STORE_H_

// Tables lines, line_events and buckets. Each function is the body of the app::Transaction
// method of the same name; contracts are in app/ports.h.
//
// Every function runs on the caller's connection, inside its open transaction (outside one it
// returns kUnavailable "db_unavailable"), and is as thread-safe as that connection: not at all.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/storage/postgres/internal/connection.h"
#include "simkeep/storage/postgres/internal/rows.h"

namespace simkeep::storage::postgres::internal {

// The unique keys a line can be looked up by.
enum class LineKey { kId, kIccid, kMsisdn };

// `lock` kForUpdate locks the row until the transaction ends (write transactions only).
Result<std::optional<domain::Line>> FindLine(Connection& connection, LineKey key,
                                             std::string_view value, RowLock lock);
Result<std::vector<domain::Line>> ListLines(Connection& connection, const app::PageRequest& page);
Result<int64_t> CountLines(Connection& connection);
Result<void> InsertLine(Connection& connection, const domain::Line& line);
// Rewrites every column but line_id and created_at. kNotFound "line_not_found".
Result<void> UpdateLine(Connection& connection, const domain::Line& line);
Result<void> InsertLineEvent(Connection& connection, const domain::LineEvent& event);
Result<std::vector<domain::LineEvent>> ListLineEvents(Connection& connection, const LineId& line_id,
                                                      int limit);
Result<void> InsertBucket(Connection& connection, const domain::Bucket& bucket);
Result<std::vector<domain::Bucket>> ListBuckets(Connection& connection, const LineId& line_id);

}  // namespace simkeep::storage::postgres::internal

#endif  // SIMKEEP_STORAGE_POSTGRES_INTERNAL_LINE_STORE_H_
