#ifndef SIMKEEP_STORAGE_SQL_RESERVATION_STORE_H_
#define SIMKEEP_STORAGE_SQL_RESERVATION_STORE_H_

// Table reservations: real-time quota reservations and the units their open rows hold.
//
// Each function is the body of the app::Transaction method of the same name (contracts in
// app/ports.h), written once for every SQL adapter as a template over its connection (see
// statement.h); StoreTransaction instantiates it. Every function runs on the caller's connection,
// inside its open transaction, and is as thread-safe as that connection: not at all.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/ports.h"
#include "simkeep/domain/reservation.h"
#include "simkeep/storage/sql/limits.h"
#include "simkeep/storage/sql/rows.h"
#include "simkeep/storage/sql/statement.h"

namespace simkeep::storage::sql {

namespace internal {

inline constexpr const char* kSelectReservation =
    "SELECT reservation_id, line_id, session_id, request_number, kind, rating_group, requested, "
    "granted, held, held_jpy, tier, result, speed_kbps, final_action, final_speed_kbps, status, "
    "created_at, expires_at, used, closed_at, answer, settle_answer FROM reservations";

inline std::optional<int64_t> OptionalSpeed(const std::optional<int>& speed_kbps) {
  return speed_kbps ? std::optional<int64_t>(*speed_kbps) : std::nullopt;
}

template <SqlStatement Statement>
std::optional<int> ReadOptionalSpeed(Statement& row) {
  if (row.NextIsNull()) {
    row.Skip();
    return std::nullopt;
  }
  return row.ReadInt();
}

template <SqlStatement Statement>
Result<domain::Reservation> ReadReservation(Statement& row) {
  domain::Reservation reservation;
  reservation.id.value = row.ReadText();
  reservation.line_id.value = row.ReadText();
  reservation.session_id = row.ReadText();
  reservation.request_number = row.ReadInt64();
  reservation.kind = row.ReadEnum(domain::ParseUsageKind);
  reservation.rating_group = row.ReadOptionalInt64();
  reservation.requested = row.ReadInt64();
  domain::Grant& grant = reservation.grant;
  grant.granted = row.ReadInt64();
  grant.held = row.ReadInt64();
  grant.held_jpy = row.ReadInt64();
  grant.tier = row.ReadEnum(domain::ParseGrantTier);
  grant.result = row.ReadEnum(domain::ParseGrantResult);
  grant.speed_kbps = ReadOptionalSpeed(row);
  if (row.NextIsNull()) {
    row.Skip();
    row.Skip();
  } else {
    domain::FinalUnit final_unit;
    final_unit.action = row.ReadEnum(domain::ParseFinalUnitAction);
    final_unit.speed_kbps = ReadOptionalSpeed(row);
    grant.final_unit = final_unit;
  }
  reservation.status = row.ReadEnum(domain::ParseReservationStatus);
  reservation.created_at = row.ReadTime();
  reservation.expires_at = row.ReadTime();
  reservation.used = row.ReadOptionalInt64();
  reservation.closed_at = row.ReadOptionalTime();
  reservation.answer = row.ReadText();
  reservation.settle_answer = row.ReadText();
  if (row.RowError()) {
    return *row.RowError();
  }
  return reservation;
}

}  // namespace internal

// kAlreadyExists "reservation_exists" (its id) or "reservation_request_exists" (its session id
// and request number).
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> InsertReservation(Connection& connection, const domain::Reservation& reservation) {
  Result<Statement> statement = connection.PrepareWrite(
      "INSERT INTO reservations (reservation_id, line_id, session_id, request_number, kind, "
      "rating_group, requested, granted, held, held_jpy, tier, result, speed_kbps, final_action, "
      "final_speed_kbps, status, created_at, expires_at, used, closed_at, answer, settle_answer) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  const domain::Grant& grant = reservation.grant;
  statement->BindText(reservation.id.value)
      .BindText(reservation.line_id.value)
      .BindText(reservation.session_id)
      .BindInt64(reservation.request_number)
      .BindText(domain::UsageKindName(reservation.kind))
      .BindOptionalInt64(reservation.rating_group)
      .BindInt64(reservation.requested)
      .BindInt64(grant.granted)
      .BindInt64(grant.held)
      .BindInt64(grant.held_jpy)
      .BindText(domain::GrantTierName(grant.tier))
      .BindText(domain::GrantResultName(grant.result))
      .BindOptionalInt64(internal::OptionalSpeed(grant.speed_kbps));
  if (grant.final_unit) {
    statement->BindText(domain::FinalUnitActionName(grant.final_unit->action))
        .BindOptionalInt64(internal::OptionalSpeed(grant.final_unit->speed_kbps));
  } else {
    statement->BindNull().BindNull();
  }
  statement->BindText(domain::ReservationStatusName(reservation.status))
      .BindTime(reservation.created_at)
      .BindTime(reservation.expires_at)
      .BindOptionalInt64(reservation.used)
      .BindOptionalTime(reservation.closed_at)
      .BindText(reservation.answer)
      .BindTextOrNull(reservation.settle_answer);
  Result<void> inserted = statement->Run();
  return PreferPrimaryKeyClash(connection, std::move(inserted),
                               "SELECT 1 FROM reservations WHERE reservation_id = ?",
                               reservation.id.value, "reservation_exists");
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Reservation>> FindReservation(Connection& connection,
                                                           const domain::ReservationId& id,
                                                           RowLock lock) {
  static const LookupSql by_id(std::string(internal::kSelectReservation) +
                               " WHERE reservation_id = ?");
  Result<Statement> statement = connection.Prepare(by_id.For(lock));
  if (!statement) {
    return statement.error();
  }
  statement->BindText(id.value);
  return ReadOptional<domain::Reservation>(*statement, internal::ReadReservation<Statement>);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::optional<domain::Reservation>> FindReservationByRequest(Connection& connection,
                                                                    std::string_view session_id,
                                                                    int64_t request_number) {
  static const std::string sql =
      std::string(internal::kSelectReservation) + " WHERE session_id = ? AND request_number = ?";
  Result<Statement> statement = connection.Prepare(sql.c_str());
  if (!statement) {
    return statement.error();
  }
  statement->BindText(session_id).BindInt64(request_number);
  return ReadOptional<domain::Reservation>(*statement, internal::ReadReservation<Statement>);
}

// Writes status, used, closed_at and settle_answer. kNotFound "reservation_not_found".
template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<void> SettleReservation(Connection& connection, const domain::Reservation& reservation) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE reservations SET status = ?, used = ?, closed_at = ?, settle_answer = ? "
      "WHERE reservation_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(domain::ReservationStatusName(reservation.status))
      .BindOptionalInt64(reservation.used)
      .BindOptionalTime(reservation.closed_at)
      .BindTextOrNull(reservation.settle_answer)
      .BindText(reservation.id.value);
  Result<void> done = statement->Run();
  if (!done) {
    return done;
  }
  return RequireChanged(connection, "reservation_not_found", reservation.id.value);
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<std::vector<domain::ReservationHold>> ListReservationHolds(Connection& connection,
                                                                  const LineId& line_id,
                                                                  Timestamp now) {
  Result<Statement> statement = connection.Prepare(
      "SELECT kind, tier, SUM(granted), SUM(held), SUM(held_jpy) FROM reservations "
      "WHERE line_id = ? AND status = 'open' AND expires_at > ? GROUP BY kind, tier "
      "ORDER BY kind, tier");
  if (!statement) {
    return statement.error();
  }
  statement->BindText(line_id.value).BindTime(now);
  return ReadAll<domain::ReservationHold>(*statement,
                                          [](Statement& row) -> Result<domain::ReservationHold> {
                                            domain::ReservationHold hold;
                                            hold.kind = row.ReadEnum(domain::ParseUsageKind);
                                            hold.tier = row.ReadEnum(domain::ParseGrantTier);
                                            hold.granted = row.ReadInt64();
                                            hold.held = row.ReadInt64();
                                            hold.held_jpy = row.ReadInt64();
                                            if (row.RowError()) {
                                              return *row.RowError();
                                            }
                                            return hold;
                                          });
}

template <SqlConnection Connection, typename Statement = StatementOf<Connection>>
Result<int64_t> ExpireReservations(Connection& connection, Timestamp now, int limit) {
  Result<Statement> statement = connection.PrepareWrite(
      "UPDATE reservations SET status = 'expired', closed_at = expires_at "
      "WHERE reservation_id IN (SELECT reservation_id FROM reservations "
      "WHERE status = 'open' AND expires_at <= ? ORDER BY expires_at, reservation_id LIMIT ?)");
  if (!statement) {
    return statement.error();
  }
  statement->BindTime(now).BindInt64(ClampLimit(limit, kListRowsMax));
  Result<void> done = statement->Run();
  if (!done) {
    return done.error();
  }
  return connection.Changes();
}

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_RESERVATION_STORE_H_
