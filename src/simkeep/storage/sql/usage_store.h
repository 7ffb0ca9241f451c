#ifndef SIMKEEP_STORAGE_SQL_USAGE_STORE_H_
#define SIMKEEP_STORAGE_SQL_USAGE_STORE_H_

// Tables usage_records, usage_daily, line_usage and usage_charges, and the remaining units of
// buckets.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h); StoreTransaction instantiates it. Every function runs on the caller's connection,
// inside its open transaction, and is as thread-safe as that connection: not at all.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/domain/usage.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {

namespace internal {

// Record ids looked up per statement: well under every backend's limit on parameters.
inline constexpr size_t kUsageIdsPerLookup = 200;

// "SELECT record_id FROM usage_records WHERE record_id IN (?, ..., ?)" with `count` places.
inline std::string StoredUsageIdsSql(size_t count) {
  std::string sql = "SELECT record_id FROM usage_records WHERE record_id IN (";
  for (size_t i = 0; i < count; ++i) {
    sql += i == 0 ? "?" : ", ?";
  }
  return sql + ")";
}

}  // namespace internal

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<std::string>> FindStoredUsageIds(Connection& connection,
                                                    const std::vector<std::string>& ids) {
  std::vector<std::string> stored;
  // Full chunks share one prepared statement; the last, shorter one has its own text.
  static const std::string full_sql = internal::StoredUsageIdsSql(internal::kUsageIdsPerLookup);
  for (size_t first = 0; first < ids.size(); first += internal::kUsageIdsPerLookup) {
    const size_t count = std::min(internal::kUsageIdsPerLookup, ids.size() - first);
    const std::string partial_sql =
        count == internal::kUsageIdsPerLookup ? std::string() : internal::StoredUsageIdsSql(count);
    Result<Statement> statement = connection.Prepare(
        count == internal::kUsageIdsPerLookup ? full_sql.c_str() : partial_sql.c_str());
    if (!statement) {
      return statement.error();
    }
    for (size_t i = first; i < first + count; ++i) {
      statement->BindText(ids[i]);
    }
    Result<void> read =
        ForEachRow(*statement, [&](Statement& row) { stored.push_back(row.ReadText()); });
    if (!read) {
      return read.error();
    }
  }
  return stored;
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertUsageRecord(Connection& connection, const domain::AppliedUsage& applied) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO usage_records (record_id, line_id, kind, quantity, started_at, ended_at, "
      "rating_group, from_buckets, overage, rated_jpy, received_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  const domain::UsageRecord& record = applied.record;
  statement->BindText(record.record_id)
      .BindText(record.line_id.value)
      .BindText(domain::UsageKindName(record.kind))
      .BindInt64(record.quantity)
      .BindTime(record.start)
      .BindTime(record.end)
      .BindOptionalInt64(record.rating_group)
      .BindInt64(applied.from_buckets)
      .BindInt64(applied.overage)
      .BindInt64(applied.rated_jpy)
      .BindTime(applied.received_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::UsageDay>> ListUsageDays(Connection& connection, const LineId& line_id,
                                                    Timestamp from_day, Timestamp to_day) {
  Result<Statement> statement = connection.Prepare(
      "SELECT day, kind, units, records, rated_jpy FROM usage_daily WHERE line_id = ? AND day >= ? "
      "AND day <= ? ORDER BY day, kind");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindTime(from_day).BindTime(to_day);
  return ReadAll<domain::UsageDay>(*statement, [](Statement& row) -> Result<domain::UsageDay> {
    domain::UsageDay day;
    day.day = row.ReadTime();
    day.kind = row.ReadEnum(domain::ParseUsageKind);
    day.units = row.ReadInt64();
    day.records = row.ReadInt64();
    day.rated_jpy = row.ReadInt64();
    if (row.RowError()) {
      return *row.RowError();
    }
    return day;
  });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> AddUsageDay(Connection& connection, const LineId& line_id,
                         const domain::UsageDay& add) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO usage_daily (line_id, day, kind, units, records, rated_jpy) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (line_id, day, kind) DO UPDATE SET "
      "units = usage_daily.units + excluded.units, "
      "records = usage_daily.records + excluded.records, "
      "rated_jpy = usage_daily.rated_jpy + excluded.rated_jpy");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value)
      .BindTime(add.day)
      .BindText(domain::UsageKindName(add.kind))
      .BindInt64(add.units)
      .BindInt64(add.records)
      .BindInt64(add.rated_jpy);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::LineUsage>> FindLineUsage(Connection& connection,
                                                       const LineId& line_id) {
  Result<Statement> statement = connection.Prepare(
      "SELECT line_id, overage_bytes, overage_since, sms_tenths_carry, speed_kbps, updated_at "
      "FROM line_usage WHERE line_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value);
  return ReadOptional<domain::LineUsage>(
      *statement, [](Statement& row) -> Result<domain::LineUsage> {
        domain::LineUsage usage;
        usage.line_id.value = row.ReadText();
        usage.overage_bytes = row.ReadInt64();
        usage.overage_since = row.ReadTime();
        usage.sms_tenths_carry = row.ReadInt64();
        if (std::optional<int64_t> speed = row.ReadOptionalInt64()) {
          usage.speed_kbps = static_cast<int>(*speed);
        }
        usage.updated_at = row.ReadTime();
        if (row.RowError()) {
          return *row.RowError();
        }
        return usage;
      });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> SaveLineUsage(Connection& connection, const domain::LineUsage& usage) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO line_usage (line_id, overage_bytes, overage_since, sms_tenths_carry, "
      "speed_kbps, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (line_id) DO UPDATE SET "
      "overage_bytes = excluded.overage_bytes, overage_since = excluded.overage_since, "
      "sms_tenths_carry = excluded.sms_tenths_carry, speed_kbps = excluded.speed_kbps, "
      "updated_at = excluded.updated_at");
  if (!statement) {
    return statement.error();
  }
  std::optional<int64_t> speed;
  if (usage.speed_kbps) {
    speed = *usage.speed_kbps;
  }
  statement->BindText(usage.line_id.value)
      .BindInt64(usage.overage_bytes)
      .BindTime(usage.overage_since)
      .BindInt64(usage.sms_tenths_carry)
      .BindOptionalInt64(speed)
      .BindTime(usage.updated_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertUsageCharge(Connection& connection, const domain::UsageCharge& charge) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO usage_charges (charge_id, line_id, rated_jpy, charged_jpy, tax_rate_percent, "
      "tax_jpy, records, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(charge.charge_id)
      .BindText(charge.line_id.value)
      .BindInt64(charge.rated_jpy)
      .BindInt64(charge.charged_jpy)
      .BindInt64(charge.tax_rate_percent)
      .BindInt64(charge.tax_jpy)
      .BindInt64(charge.records)
      .BindTime(charge.created_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<int64_t> SumUsageCharges(Connection& connection, const LineId& line_id, Timestamp from,
                                Timestamp to) {
  Result<Statement> statement = connection.Prepare(
      "SELECT COALESCE(SUM(charged_jpy), 0) FROM usage_charges WHERE line_id = ? AND "
      "created_at > ? AND created_at <= ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindTime(from).BindTime(to);
  return ReadSingleInt64(*statement);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::UsageCharge>> FindUsageCharge(Connection& connection,
                                                           const std::string& charge_id) {
  Result<Statement> statement = connection.Prepare(
      "SELECT charge_id, line_id, rated_jpy, charged_jpy, tax_rate_percent, tax_jpy, records, "
      "created_at FROM usage_charges WHERE charge_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(charge_id);
  return ReadOptional<domain::UsageCharge>(
      *statement, [](Statement& row) -> Result<domain::UsageCharge> {
        domain::UsageCharge charge;
        charge.charge_id = row.ReadText();
        charge.line_id.value = row.ReadText();
        charge.rated_jpy = row.ReadInt64();
        charge.charged_jpy = row.ReadInt64();
        charge.tax_rate_percent = static_cast<int>(row.ReadInt64());
        charge.tax_jpy = row.ReadInt64();
        charge.records = row.ReadInt64();
        charge.created_at = row.ReadTime();
        if (row.RowError()) {
          return *row.RowError();
        }
        return charge;
      });
}

// kNotFound "bucket_not_found" when no bucket has `id`.
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateBucketRemaining(Connection& connection, const BucketId& id, int64_t remaining) {
  Result<Statement> statement =
      connection.PrepareWrite("UPDATE buckets SET remaining_units = ? WHERE bucket_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindInt64(remaining).BindText(id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "bucket_not_found", id.value);
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_USAGE_STORE_H_
