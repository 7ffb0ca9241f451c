#ifndef SIMKEEP_STORAGE_SQL_LINE_STORE_H_
#define SIMKEEP_STORAGE_SQL_LINE_STORE_H_

// Tables lines, line_events, buckets and number_quarantine.
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
#include <utility>
#include <vector>

#include "simkeep/app/limits.h"
#include "simkeep/app/ports.h"
#include "simkeep/storage/sql/limits.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {

// The unique keys a line can be looked up by.
enum class LineKey { kId, kIccid, kMsisdn, kImsi };

namespace internal {

inline constexpr const char* kSelectLine =
    "SELECT line_id, iccid, msisdn, number_class, imsi, eid, carrier_id, form_factor, service, "
    "state, expires_at, activate_by, plan_id, wallet_account_id, esim_smdp_address, "
    "esim_matching_id, esim_smdp_oid, esim_confirmation_code_required, "
    "esim_confirmation_code_sealed, created_at, updated_at FROM lines";

// Binds every column of `line` after line_id, in the order of kSelectLine, except created_at.
template <SqlStatement Statement>
void BindLineColumns(Statement& statement, const domain::Line& line) {
  statement.BindText(line.iccid)
      .BindTextOrNull(line.msisdn)
      .BindText(line.number_class)
      .BindText(line.imsi)
      .BindText(line.eid)
      .BindText(domain::CarrierCodeName(line.carrier))
      .BindText(domain::FormFactorName(line.form_factor))
      .BindText(domain::ServiceKindName(line.service))
      .BindText(domain::LineStateName(line.state))
      .BindOptionalTime(line.expires_at)
      .BindOptionalTime(line.activate_by)
      .BindTextOrNull(line.plan_id.value)
      .BindTextOrNull(line.wallet_account_id.value);
  if (line.esim) {
    statement.BindText(line.esim->smdp_address)
        .BindText(line.esim->matching_id)
        .BindText(line.esim->smdp_oid)
        .BindBool(line.esim->confirmation_code_required)
        .BindText(line.esim->confirmation_code_sealed);
  } else {
    statement.BindNull().BindNull().BindNull().BindNull().BindNull();
  }
}

// Reads one row of kSelectLine.
template <SqlStatement Statement>
Result<domain::Line> ReadLine(Statement& row) {
  domain::Line line;
  line.id.value = row.ReadText();
  line.iccid = row.ReadText();
  line.msisdn = row.ReadText();
  line.number_class = row.ReadText();
  line.imsi = row.ReadText();
  line.eid = row.ReadText();
  line.carrier = row.ReadEnum(domain::ParseCarrierCode);
  line.form_factor = row.ReadEnum(domain::ParseFormFactor);
  line.service = row.ReadEnum(domain::ParseServiceKind);
  line.state = row.ReadEnum(domain::ParseLineState);
  line.expires_at = row.ReadOptionalTime();
  line.activate_by = row.ReadOptionalTime();
  line.plan_id.value = row.ReadText();
  line.wallet_account_id.value = row.ReadText();
  if (row.NextIsNull()) {
    for (int i = 0; i < 5; ++i) {
      row.Skip();
    }
  } else {
    domain::EsimProfile esim;
    esim.smdp_address = row.ReadText();
    esim.matching_id = row.ReadText();
    esim.smdp_oid = row.ReadText();
    esim.confirmation_code_required = row.ReadBool();
    esim.confirmation_code_sealed = row.ReadText();
    line.esim = std::move(esim);
  }
  line.created_at = row.ReadTime();
  line.updated_at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return line;
}

inline const char* FindLineSql(LineKey key, RowLock lock) {
  static const LookupSql by_id(std::string(kSelectLine) + " WHERE line_id = ?");
  static const LookupSql by_iccid(std::string(kSelectLine) + " WHERE iccid = ?");
  static const LookupSql by_msisdn(std::string(kSelectLine) + " WHERE msisdn = ?");
  // An IMSI belongs to one SIM, so to one line; a terminated line's comes last all the same.
  static const LookupSql by_imsi(std::string(kSelectLine) +
                                 " WHERE imsi = ? ORDER BY CASE WHEN state = 'terminated' THEN 1 "
                                 "ELSE 0 END, line_id LIMIT 1");
  switch (key) {
    case LineKey::kId:
      return by_id.For(lock);
    case LineKey::kIccid:
      return by_iccid.For(lock);
    case LineKey::kMsisdn:
      return by_msisdn.For(lock);
    case LineKey::kImsi:
      return by_imsi.For(lock);
  }
  return by_id.For(lock);
}

template <SqlStatement Statement>
Result<domain::LineEvent> ReadLineEvent(Statement& row) {
  domain::LineEvent event;
  event.id.value = row.ReadText();
  event.line_id.value = row.ReadText();
  event.kind = row.ReadText();
  if (row.NextIsNull()) {
    row.Skip();
  } else {
    event.from_state = row.ReadEnum(domain::ParseLineState);
  }
  if (row.NextIsNull()) {
    row.Skip();
  } else {
    event.to_state = row.ReadEnum(domain::ParseLineState);
  }
  event.reason = row.ReadText();
  event.order_id.value = row.ReadText();
  event.at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return event;
}

template <SqlStatement Statement>
Result<domain::Bucket> ReadBucket(Statement& row) {
  domain::Bucket bucket;
  bucket.id.value = row.ReadText();
  bucket.line_id.value = row.ReadText();
  bucket.kind = row.ReadEnum(domain::ParseBundleKind);
  bucket.initial = row.ReadInt64();
  bucket.remaining = row.ReadInt64();
  bucket.starts_at = row.ReadTime();
  bucket.expires_at = row.ReadTime();
  bucket.order_id.value = row.ReadText();
  if (row.RowError()) {
    return *row.RowError();
  }
  return bucket;
}

}  // namespace internal

// `lock` kForUpdate locks the row until the transaction ends (write transactions only).
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Line>> FindLine(Connection& connection, LineKey key,
                                             std::string_view value, RowLock lock) {
  Result<Statement> statement = connection.Prepare(internal::FindLineSql(key, lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(value);
  return ReadOptional<domain::Line>(*statement, internal::ReadLine<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Line>> ListLines(Connection& connection, const app::PageRequest& page) {
  static const std::string sql =
      std::string(internal::kSelectLine) + " WHERE line_id > ? ORDER BY line_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(page.after_id).BindInt64(ClampLimit(page.limit, app::kPageLimitMax));
  return ReadAll<domain::Line>(*statement, internal::ReadLine<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Line>> ListLinesExpiredBy(Connection& connection,
                                                     domain::LineState state,
                                                     domain::CarrierCode carrier,
                                                     Timestamp expired_by, int limit) {
  static const std::string sql = std::string(internal::kSelectLine) +
                                 " WHERE state = ? AND carrier_id = ? AND expires_at <= ? ORDER BY "
                                 "expires_at, line_id LIMIT ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::LineStateName(state))
      .BindText(domain::CarrierCodeName(carrier))
      .BindTime(expired_by)
      .BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::Line>(*statement, internal::ReadLine<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<int64_t> CountLines(Connection& connection) {
  Result<Statement> statement = connection.Prepare("SELECT COUNT(*) FROM lines");
  if (!statement) {
    return statement.error();
  }
  Result<bool> row = statement->Step();
  if (!row) {
    return row.error();
  }
  return *row ? statement->ReadInt64() : 0;
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertLine(Connection& connection, const domain::Line& line) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO lines (line_id, iccid, msisdn, number_class, imsi, eid, carrier_id, "
      "form_factor, service, state, expires_at, activate_by, plan_id, wallet_account_id, "
      "esim_smdp_address, esim_matching_id, esim_smdp_oid, esim_confirmation_code_required, "
      "esim_confirmation_code_sealed, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line.id.value);
  internal::BindLineColumns(*statement, line);
  statement->BindTime(line.created_at).BindTime(line.updated_at);
  Result<void> inserted = statement->Run();
  // The database names one violated unique index, not necessarily the most telling one: a taken
  // ICCID is the clash a person needs to hear about first, and a stored id before that.
  inserted =
      PreferPrimaryKeyClash(connection, std::move(inserted), "SELECT 1 FROM lines WHERE iccid = ?",
                            line.iccid, "iccid_taken");
  return PreferPrimaryKeyClash(connection, std::move(inserted),
                               "SELECT 1 FROM lines WHERE line_id = ?", line.id.value,
                               "line_exists");
}

// Rewrites every column but line_id and created_at. kNotFound "line_not_found".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> UpdateLine(Connection& connection, const domain::Line& line) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE lines SET iccid = ?, msisdn = ?, number_class = ?, imsi = ?, eid = ?, "
      "carrier_id = ?, form_factor = ?, service = ?, state = ?, expires_at = ?, activate_by = ?, "
      "plan_id = ?, wallet_account_id = ?, esim_smdp_address = ?, esim_matching_id = ?, "
      "esim_smdp_oid = ?, esim_confirmation_code_required = ?, "
      "esim_confirmation_code_sealed = ?, updated_at = ? WHERE line_id = ?");
  if (!statement) {
    return statement.error();
  }
  internal::BindLineColumns(*statement, line);
  statement->BindTime(line.updated_at).BindText(line.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "line_not_found", line.id.value);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertLineEvent(Connection& connection, const domain::LineEvent& event) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO line_events (event_id, line_id, kind, from_state, to_state, reason, order_id, "
      "at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(event.id.value).BindText(event.line_id.value).BindText(event.kind);
  if (event.from_state) {
    statement->BindText(domain::LineStateName(*event.from_state));
  } else {
    statement->BindNull();
  }
  if (event.to_state) {
    statement->BindText(domain::LineStateName(*event.to_state));
  } else {
    statement->BindNull();
  }
  statement->BindText(event.reason).BindTextOrNull(event.order_id.value).BindTime(event.at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::LineEvent>> ListLineEvents(Connection& connection, const LineId& line_id,
                                                      int limit) {
  Result<Statement> statement = connection.Prepare(
      "SELECT event_id, line_id, kind, from_state, to_state, reason, order_id, at "
      "FROM line_events WHERE line_id = ? ORDER BY at DESC, seq DESC LIMIT ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::LineEvent>(*statement, internal::ReadLineEvent<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertBucket(Connection& connection, const domain::Bucket& bucket) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO buckets (bucket_id, line_id, kind, initial_units, remaining_units, starts_at, "
      "expires_at, order_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(bucket.id.value)
      .BindText(bucket.line_id.value)
      .BindText(domain::BundleKindName(bucket.kind))
      .BindInt64(bucket.initial)
      .BindInt64(bucket.remaining)
      .BindTime(bucket.starts_at)
      .BindTime(bucket.expires_at)
      .BindTextOrNull(bucket.order_id.value);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::Bucket>> ListBuckets(Connection& connection, const LineId& line_id) {
  Result<Statement> statement = connection.Prepare(
      "SELECT bucket_id, line_id, kind, initial_units, remaining_units, starts_at, expires_at, "
      "order_id FROM buckets WHERE line_id = ? ORDER BY expires_at, starts_at, bucket_id");
  if (!statement) {
    return statement.error();
  }
  // Not capped: the port promises every bucket, and a cap would drop the latest-expiring ones.
  statement->BindText(line_id.value);
  return ReadAll<domain::Bucket>(*statement, internal::ReadBucket<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertNumberQuarantine(Connection& connection, const domain::NumberQuarantine& hold) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO number_quarantine (line_id, msisdn, carrier_id, quarantined_at, released_at) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(hold.line_id.value)
      .BindText(hold.msisdn)
      .BindText(domain::CarrierCodeName(hold.carrier))
      .BindTime(hold.quarantined_at)
      .BindTime(hold.released_at);
  return statement->Run();
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::NumberQuarantine>> FindNumberQuarantine(Connection& connection,
                                                                     std::string_view e164) {
  Result<Statement> statement = connection.Prepare(
      "SELECT line_id, msisdn, carrier_id, quarantined_at, released_at FROM number_quarantine "
      "WHERE msisdn = ? ORDER BY released_at DESC, line_id DESC LIMIT 1");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(e164);
  return ReadOptional<domain::NumberQuarantine>(
      *statement, [](Statement& row) -> Result<domain::NumberQuarantine> {
        domain::NumberQuarantine hold;
        hold.line_id.value = row.ReadText();
        hold.msisdn = row.ReadText();
        hold.carrier = row.ReadEnum(domain::ParseCarrierCode);
        hold.quarantined_at = row.ReadTime();
        hold.released_at = row.ReadTime();
        if (row.RowError()) {
          return *row.RowError();
        }
        return hold;
      });
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_LINE_STORE_H_
