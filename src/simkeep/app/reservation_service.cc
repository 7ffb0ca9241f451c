#include "simkeep/app/reservation_service.h"

#include <utility>
#include <vector>

#include "simkeep/app/ledger_writer.h"
#include "simkeep/app/line_service.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/base/time.h"

namespace simkeep::app {
namespace {

// The line's usage as a grant sees it at `now`: its buckets, its overage since the latest data
// grant and today's usage (the daily cap).
Result<domain::UsageState> LoadUsage(Transaction& transaction, const LineId& line_id,
                                     Timestamp now) {
  domain::UsageState state;
  Result<std::vector<domain::Bucket>> buckets = transaction.ListBuckets(line_id);
  if (!buckets) {
    return buckets.error();
  }
  state.buckets = std::move(*buckets);
  Result<std::optional<domain::LineUsage>> stored = transaction.FindLineUsage(line_id);
  if (!stored) {
    return stored.error();
  }
  if (*stored) {
    state.overage_bytes = (*stored)->overage_bytes;
    state.overage_since = (*stored)->overage_since;
    state.sms_tenths_carry = (*stored)->sms_tenths_carry;
  }
  const Timestamp today = domain::JstDayStart(now);
  Result<std::vector<domain::UsageDay>> days = transaction.ListUsageDays(line_id, today, today);
  if (!days) {
    return days.error();
  }
  for (const domain::UsageDay& day : *days) {
    state.daily[{day.day, day.kind}] = day.units;
  }
  domain::NoteDataGrants(state);
  return state;
}

// The reservation `id` of the line, the line's row locked first (PostgreSQL) so that every write
// to the line's quota queues behind it. kNotFound "line_not_found", "reservation_not_found".
Result<domain::Reservation> FindOnLine(Transaction& transaction, const LineId& line_id,
                                       const domain::ReservationId& id) {
  Result<domain::Line> line = LoadLine(transaction, line_id);
  if (!line) {
    return line.error();
  }
  Result<std::optional<domain::Reservation>> found = transaction.FindReservation(id);
  if (!found) {
    return found.error();
  }
  if (!*found || (*found)->line_id != line_id) {
    return NotFound("reservation_not_found",
                    "Line " + line_id.value + " has no reservation " + id.value + ".");
  }
  return std::move(**found);
}

Error Settled(domain::ReservationStatus status, const domain::ReservationId& id) {
  switch (status) {
    case domain::ReservationStatus::kCommitted:
      return FailedPrecondition("reservation_committed",
                                "Reservation " + id.value + " was committed already.");
    case domain::ReservationStatus::kReleased:
      return FailedPrecondition("reservation_released",
                                "Reservation " + id.value + " was released; it holds nothing.");
    case domain::ReservationStatus::kOpen:
    case domain::ReservationStatus::kExpired:
      break;
  }
  return FailedPrecondition("reservation_expired",
                            "Reservation " + id.value +
                                " passed its validity without a commit; report the usage as a "
                                "usage record (POST /v1/usage) instead.");
}

}  // namespace

Result<domain::ReservationRequest> ReservationService::Check(const ReservationInput& input) const {
  std::optional<domain::UsageKind> kind = domain::ParseUsageKind(input.kind);
  if (!kind) {
    return InvalidArgument("usage_kind_invalid", "kind must be data, voice or sms.");
  }
  domain::ReservationRequest request{input.session_id, input.request_number, *kind, input.requested,
                                     input.rating_group};
  if (Result<void> valid = domain::CheckReservationRequest(request); !valid) {
    return valid.error();
  }
  return request;
}

Result<ReservationAnswer> ReservationService::Reserve(Transaction& transaction,
                                                      const LineId& line_id,
                                                      const domain::ReservationRequest& request,
                                                      const ReservationEncoder& encode) const {
  const Timestamp now = context_.clock->Now();
  // The line first: its lock (PostgreSQL) orders this reservation after every other write to
  // the line's quota, so what the others hold below is all there is.
  Result<domain::Line> line = LoadLine(transaction, line_id);
  if (!line) {
    return line.error();
  }
  Result<std::optional<domain::Reservation>> earlier =
      transaction.FindReservationByRequest(request.session_id, request.request_number);
  if (!earlier) {
    return earlier.error();
  }
  if (*earlier) {
    if (!domain::SameRequest(**earlier, line_id, request)) {
      return FailedPrecondition("reservation_request_reused",
                                "This session_id and request_number were used for another "
                                "request.");
    }
    std::string body = (*earlier)->answer;
    return ReservationAnswer{std::move(**earlier), std::move(body), true};
  }
  Result<domain::UsageState> usage = LoadUsage(transaction, line_id, now);
  if (!usage) {
    return usage.error();
  }
  Result<std::vector<domain::ReservationHold>> holds =
      transaction.ListReservationHolds(line_id, now);
  if (!holds) {
    return holds.error();
  }
  // Calls and messages beyond their allowance are paid from the wallet: only what it holds may
  // be granted. Data never costs money.
  int64_t wallet_jpy = 0;
  if (request.kind != domain::UsageKind::kData && !line->wallet_account_id.empty()) {
    Result<int64_t> balance = WalletBalance(transaction, line->wallet_account_id);
    if (!balance) {
      return balance.error();
    }
    wallet_jpy = *balance;
  }
  domain::Reservation reservation;
  reservation.id.value = context_.ids->Next("rs");
  reservation.line_id = line_id;
  reservation.session_id = request.session_id;
  reservation.request_number = request.request_number;
  reservation.kind = request.kind;
  reservation.rating_group = request.rating_group;
  reservation.requested = request.requested;
  reservation.grant = domain::ComputeGrant(request.kind, request.requested,
                                           context_.catalog->FindPlan(line->plan_id), line->state,
                                           *usage, domain::SumHolds(*holds), wallet_jpy, now);
  reservation.created_at = now;
  reservation.expires_at = now + options_.validity;
  if (reservation.grant.granted == 0) {
    reservation.status = domain::ReservationStatus::kReleased;  // It holds nothing.
    reservation.closed_at = now;
  }
  reservation.answer = encode(reservation);
  if (Result<void> stored = transaction.InsertReservation(reservation); !stored) {
    if (stored.error().reason == "reservation_request_exists") {
      return Error{ErrorCode::kAborted,
                   "reservation_conflict",
                   "Another request with this session_id and request_number was stored at the "
                   "same moment; send it again.",
                   {}};
    }
    return stored.error();
  }
  std::string body = reservation.answer;
  return ReservationAnswer{std::move(reservation), std::move(body), false};
}

Result<ReservationAnswer> ReservationService::Commit(Transaction& transaction,
                                                     const LineId& line_id,
                                                     const domain::ReservationId& id, int64_t used,
                                                     const ReservationEncoder& encode) const {
  const Timestamp now = context_.clock->Now();
  Result<domain::Reservation> reservation = FindOnLine(transaction, line_id, id);
  if (!reservation) {
    return reservation.error();
  }
  if (Result<void> valid = domain::CheckUsedUnits(reservation->kind, used); !valid) {
    return valid.error();
  }
  const domain::ReservationStatus status = domain::StatusAt(*reservation, now);
  if (status == domain::ReservationStatus::kCommitted && reservation->used == used) {
    std::string body = reservation->settle_answer;  // A retried commit.
    return ReservationAnswer{std::move(*reservation), std::move(body), true};
  }
  if (status != domain::ReservationStatus::kOpen) {
    return Settled(status, id);
  }
  // The units used go through usage ingestion like any record, in this transaction: the same
  // buckets, daily usage, overage and speed events, and a record id that makes a second commit
  // of this reservation a duplicate.
  const domain::UsageRecord record = domain::CommitRecord(*reservation, used, now);
  UsageInput input;
  input.record_id = record.record_id;
  input.line_id = line_id.value;
  input.kind = domain::UsageKindName(record.kind);
  input.quantity = record.quantity;
  input.start = FormatRfc3339Jst(record.start);
  input.end = FormatRfc3339Jst(record.end);
  input.rating_group = record.rating_group;
  Result<UsageReport> report = UsageService(context_).Ingest(transaction, {input});
  if (!report) {
    return report.error();
  }
  if (!report->rejected.empty()) {
    return report->rejected.front().error;
  }
  reservation->status = domain::ReservationStatus::kCommitted;
  reservation->used = used;
  reservation->closed_at = now;
  reservation->settle_answer = encode(*reservation);
  if (Result<void> settled = transaction.SettleReservation(*reservation); !settled) {
    return settled.error();
  }
  std::string body = reservation->settle_answer;
  return ReservationAnswer{std::move(*reservation), std::move(body), false};
}

Result<ReservationAnswer> ReservationService::Release(Transaction& transaction,
                                                      const LineId& line_id,
                                                      const domain::ReservationId& id,
                                                      const ReservationEncoder& encode) const {
  const Timestamp now = context_.clock->Now();
  Result<domain::Reservation> reservation = FindOnLine(transaction, line_id, id);
  if (!reservation) {
    return reservation.error();
  }
  const domain::ReservationStatus status = domain::StatusAt(*reservation, now);
  if (status == domain::ReservationStatus::kCommitted) {
    return Settled(status, id);
  }
  if (status != domain::ReservationStatus::kOpen) {
    // Holding nothing already: released before, never granted, or past its validity.
    reservation->status = status;
    std::string body = encode(*reservation);
    return ReservationAnswer{std::move(*reservation), std::move(body), false};
  }
  reservation->status = domain::ReservationStatus::kReleased;
  reservation->closed_at = now;
  reservation->settle_answer = encode(*reservation);
  if (Result<void> settled = transaction.SettleReservation(*reservation); !settled) {
    return settled.error();
  }
  std::string body = reservation->settle_answer;
  return ReservationAnswer{std::move(*reservation), std::move(body), false};
}

Result<domain::Reservation> ReservationService::Get(Transaction& transaction, const LineId& line_id,
                                                    const domain::ReservationId& id) const {
  Result<domain::Reservation> reservation = FindOnLine(transaction, line_id, id);
  if (!reservation) {
    return reservation.error();
  }
  reservation->status = domain::StatusAt(*reservation, context_.clock->Now());
  return reservation;
}

Result<int64_t> ReservationService::ExpireDue(Transaction& transaction, int limit) const {
  return transaction.ExpireReservations(context_.clock->Now(), limit);
}

}  // namespace simkeep::app
