#ifndef SIMKEEP_APP_RESERVATION_SERVICE_H_
#define SIMKEEP_APP_RESERVATION_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "simkeep/app/context.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/assert.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/reservation.h"

namespace simkeep::app {

// How long a reservation stays valid when nobody commits or releases it (Validity-Time).
inline constexpr std::chrono::seconds kReservationValidityDefault{300};

struct ReservationOptions {
  // 1 s to domain::kReservationValidityMax.
  std::chrono::seconds validity = kReservationValidityDefault;
};

// A request for units as received: the kind as its name (checked by Check).
struct ReservationInput {
  std::string session_id;
  int64_t request_number = 0;
  std::string kind;
  int64_t requested = 0;
  std::optional<int64_t> rating_group;
};

// What a reserve, commit or release answers: the reservation as it now is, the answer's body
// (stored with the reservation, so that a repeat gets exactly this), and whether the body is a
// replay of an earlier answer.
struct ReservationAnswer {
  domain::Reservation reservation;
  std::string body;
  bool replayed = false;
};

// Makes the body of an answer about `reservation` (the API's JSON). Called inside the write, once
// per new answer; must be deterministic in its argument.
using ReservationEncoder = std::function<std::string(const domain::Reservation& reservation)>;

// Real-time quota for a network's charging front end (domain/reservation.h): reserve units before
// a session uses them, commit what it used (a usage record, applied as POST /v1/usage applies
// one), release what it did not. Every write runs inside the caller's transaction, which must be
// the committer's (SQLite: the only writer) and, on PostgreSQL, locks the line's row first
// (Transaction::FindLine in a write), so the availability check and the hold it adds are one
// serialised step per line: concurrent reservations never grant more than remains.
// Stateless apart from the context and options; thread-safe.
class ReservationService {
 public:
  // REQUIRES: options.validity is 1 s to domain::kReservationValidityMax (checked at start-up).
  explicit ReservationService(const ServiceContext& context, ReservationOptions options = {})
      : context_(context), options_(options) {
    SIMKEEP_ASSERT(options_.validity >= std::chrono::seconds{1} &&
                   options_.validity <= domain::kReservationValidityMax);
  }

  const ReservationOptions& options() const { return options_; }

  // The request `input` describes, checked (domain::CheckReservationRequest); no I/O.
  // kInvalidArgument "usage_kind_invalid" for a kind other than data, voice and sms, or the
  // reasons of CheckReservationRequest.
  Result<domain::ReservationRequest> Check(const ReservationInput& input) const;

  // Reserves units on the line for the request (CCR-Initial, or CCR-Update with a
  // Requested-Service-Unit): grants what domain::ComputeGrant allows after what the line's open
  // reservations hold (voice and SMS beyond their allowance: what the line's wallet can pay),
  // valid for options().validity, and stores it with its answer. A grant of
  // nothing (credit_limit_reached, service_denied) is stored released. A repeat of
  // (session_id, request_number) for the same line, kind, units and rating group is answered
  // with the first answer (replayed). Errors: kNotFound "line_not_found";
  // kFailedPrecondition "reservation_request_reused" (the pair was used for another request);
  // kAborted "reservation_conflict" (another instance stored the pair at the same moment: send
  // it again, it is then a repeat).
  // REQUIRES: `request` passed Check.
  Result<ReservationAnswer> Reserve(Transaction& transaction, const LineId& line_id,
                                    const domain::ReservationRequest& request,
                                    const ReservationEncoder& encode) const;

  // Commits an open reservation with the units used (CCR-Update or CCR-Terminate with a
  // Used-Service-Unit): they are applied to the line as a usage record "resv:<reservation_id>"
  // through UsageService::Ingest in the same transaction (buckets by the same order, the daily
  // usage, the throttle steps and speed events), the rest of the grant is released. Units beyond
  // the grant are accepted (a network may overshoot) and shown as the answer's overshoot. A
  // repeat with the same units replays the first answer. Errors: kInvalidArgument
  // "used_units_invalid"; kNotFound "line_not_found", "reservation_not_found" (none on this
  // line); kFailedPrecondition "reservation_committed" (committed with other units),
  // "reservation_released", "reservation_expired"; the errors of UsageService::Ingest.
  Result<ReservationAnswer> Commit(Transaction& transaction, const LineId& line_id,
                                   const domain::ReservationId& id, int64_t used,
                                   const ReservationEncoder& encode) const;

  // Releases an open reservation without usage (the session ended unused). Releasing one
  // released or expired already answers it as it is; kFailedPrecondition
  // "reservation_committed" for one committed; kNotFound "line_not_found",
  // "reservation_not_found".
  Result<ReservationAnswer> Release(Transaction& transaction, const LineId& line_id,
                                    const domain::ReservationId& id,
                                    const ReservationEncoder& encode) const;

  // The reservation as it stands now (an open one past its validity reads expired).
  // kNotFound "reservation_not_found" (none on this line).
  Result<domain::Reservation> Get(Transaction& transaction, const LineId& line_id,
                                  const domain::ReservationId& id) const;

  // Marks at most `limit` open reservations past their validity expired; returns how many. The
  // scheduler's sweep; idempotent (an expired reservation held nothing already).
  Result<int64_t> ExpireDue(Transaction& transaction, int limit) const;

 private:
  const ServiceContext& context_;
  ReservationOptions options_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_RESERVATION_SERVICE_H_
