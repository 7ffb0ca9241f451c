#include "simkeep/storage/postgres/internal/line_store.h"

#include <string>
#include <utility>

#include "simkeep/app/limits.h"
#include "simkeep/storage/postgres/internal/rows.h"
#include "simkeep/storage/postgres/limits.h"

namespace simkeep::storage::postgres::internal {
namespace {

constexpr const char* kSelectLine =
    "SELECT line_id, iccid, msisdn, number_class, imsi, eid, carrier_id, form_factor, service, "
    "state, expires_at, activate_by, plan_id, wallet_account_id, esim_smdp_address, "
    "esim_matching_id, esim_smdp_oid, esim_confirmation_code_required, "
    "esim_confirmation_code_sealed, created_at, updated_at FROM lines";

// Binds every column of `line` after line_id, in the order of kSelectLine, except created_at.
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
Result<domain::Line> ReadLine(Statement& row) {
  domain::Line line;
  line.id.value = row.ReadText();
  line.iccid = row.ReadText();
  line.msisdn = row.ReadText();
  line.number_class = row.ReadText();
  line.imsi = row.ReadText();
  line.eid = row.ReadText();
  line.carrier = row.ReadEnum<domain::CarrierCode>(domain::ParseCarrierCode);
  line.form_factor = row.ReadEnum<domain::FormFactor>(domain::ParseFormFactor);
  line.service = row.ReadEnum<domain::ServiceKind>(domain::ParseServiceKind);
  line.state = row.ReadEnum<domain::LineState>(domain::ParseLineState);
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

const char* FindLineSql(LineKey key, RowLock lock) {
  static const std::string by_id = std::string(kSelectLine) + " WHERE line_id = $1";
  static const std::string by_iccid = std::string(kSelectLine) + " WHERE iccid = $1";
  static const std::string by_msisdn = std::string(kSelectLine) + " WHERE msisdn = $1";
  static const std::string by_id_locked = WithLock(by_id, RowLock::kForUpdate);
  static const std::string by_iccid_locked = WithLock(by_iccid, RowLock::kForUpdate);
  static const std::string by_msisdn_locked = WithLock(by_msisdn, RowLock::kForUpdate);
  const bool locked = lock == RowLock::kForUpdate;
  switch (key) {
    case LineKey::kId:
      return locked ? by_id_locked.c_str() : by_id.c_str();
    case LineKey::kIccid:
      return locked ? by_iccid_locked.c_str() : by_iccid.c_str();
    case LineKey::kMsisdn:
      return locked ? by_msisdn_locked.c_str() : by_msisdn.c_str();
  }
  return by_id.c_str();
}

Result<domain::LineEvent> ReadLineEvent(Statement& row) {
  domain::LineEvent event;
  event.id.value = row.ReadText();
  event.line_id.value = row.ReadText();
  event.kind = row.ReadText();
  if (row.NextIsNull()) {
    row.Skip();
  } else {
    event.from_state = row.ReadEnum<domain::LineState>(domain::ParseLineState);
  }
  if (row.NextIsNull()) {
    row.Skip();
  } else {
    event.to_state = row.ReadEnum<domain::LineState>(domain::ParseLineState);
  }
  event.reason = row.ReadText();
  event.order_id.value = row.ReadText();
  event.at = row.ReadTime();
  if (row.RowError()) {
    return *row.RowError();
  }
  return event;
}

Result<domain::Bucket> ReadBucket(Statement& row) {
  domain::Bucket bucket;
  bucket.id.value = row.ReadText();
  bucket.line_id.value = row.ReadText();
  bucket.kind = row.ReadEnum<domain::BundleKind>(domain::ParseBundleKind);
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

}  // namespace

Result<std::optional<domain::Line>> FindLine(Connection& connection, LineKey key,
                                             std::string_view value, RowLock lock) {
  Result<Statement> statement = connection.Prepare(FindLineSql(key, lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(value);
  return ReadOptional<domain::Line>(*statement, ReadLine);
}

Result<std::vector<domain::Line>> ListLines(Connection& connection, const app::PageRequest& page) {
  static const std::string sql =
      std::string(kSelectLine) + " WHERE line_id > $1 ORDER BY line_id LIMIT $2";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(page.after_id).BindInt64(ClampLimit(page.limit, app::kPageLimitMax));
  return ReadAll<domain::Line>(*statement, ReadLine);
}

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

Result<void> InsertLine(Connection& connection, const domain::Line& line) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO lines (line_id, iccid, msisdn, number_class, imsi, eid, carrier_id, "
      "form_factor, service, state, expires_at, activate_by, plan_id, wallet_account_id, "
      "esim_smdp_address, esim_matching_id, esim_smdp_oid, esim_confirmation_code_required, "
      "esim_confirmation_code_sealed, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
      "$19, $20, $21)");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line.id.value);
  BindLineColumns(*statement, line);
  statement->BindTime(line.created_at).BindTime(line.updated_at);
  Result<void> inserted = statement->Run();
  // PostgreSQL names one violated unique index, not necessarily the most telling one: a taken
  // ICCID is the clash a person needs to hear about first, and a stored id before that.
  inserted =
      PreferPrimaryKeyClash(connection, std::move(inserted), "SELECT 1 FROM lines WHERE iccid = $1",
                            line.iccid, "iccid_taken");
  return PreferPrimaryKeyClash(connection, std::move(inserted),
                               "SELECT 1 FROM lines WHERE line_id = $1", line.id.value,
                               "line_exists");
}

Result<void> UpdateLine(Connection& connection, const domain::Line& line) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE lines SET iccid = $1, msisdn = $2, number_class = $3, imsi = $4, eid = $5, "
      "carrier_id = $6, form_factor = $7, service = $8, state = $9, expires_at = $10, activate_by "
      "= $11, "
      "plan_id = $12, wallet_account_id = $13, esim_smdp_address = $14, esim_matching_id = $15, "
      "esim_smdp_oid = $16, esim_confirmation_code_required = $17, "
      "esim_confirmation_code_sealed = $18, updated_at = $19 WHERE line_id = $20");
  if (!statement) {
    return statement.error();
  }
  BindLineColumns(*statement, line);
  statement->BindTime(line.updated_at).BindText(line.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "line_not_found", line.id.value);
}

Result<void> InsertLineEvent(Connection& connection, const domain::LineEvent& event) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO line_events (event_id, line_id, kind, from_state, to_state, reason, order_id, "
      "at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
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

Result<std::vector<domain::LineEvent>> ListLineEvents(Connection& connection, const LineId& line_id,
                                                      int limit) {
  Result<Statement> statement = connection.Prepare(
      "SELECT event_id, line_id, kind, from_state, to_state, reason, order_id, at "
      "FROM line_events WHERE line_id = $1 ORDER BY at DESC, seq DESC LIMIT $2");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindInt64(ClampLimit(limit, kListRowsMax));
  return ReadAll<domain::LineEvent>(*statement, ReadLineEvent);
}

Result<void> InsertBucket(Connection& connection, const domain::Bucket& bucket) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO buckets (bucket_id, line_id, kind, initial_units, remaining_units, starts_at, "
      "expires_at, order_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
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

Result<std::vector<domain::Bucket>> ListBuckets(Connection& connection, const LineId& line_id) {
  Result<Statement> statement = connection.Prepare(
      "SELECT bucket_id, line_id, kind, initial_units, remaining_units, starts_at, expires_at, "
      "order_id FROM buckets WHERE line_id = $1 ORDER BY expires_at, starts_at, bucket_id");
  if (!statement) {
    return statement.error();
  }
  // Not capped: the port promises every bucket, and a cap would drop the latest-expiring ones.
  statement->BindText(line_id.value);
  return ReadAll<domain::Bucket>(*statement, ReadBucket);
}

}  // namespace simkeep::storage::postgres::internal
