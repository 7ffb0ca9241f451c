#ifndef SIMKEEP_DOMAIN_RESERVATION_H_
#define SIMKEEP_DOMAIN_RESERVATION_H_

// Real-time quota reservations: what a network's charging front end may let a session use before
// it reports back, with Diameter credit-control semantics (RFC 4006 / 8506 over 3GPP Gy; see
// docs/ARCHITECTURE.md). Pure: the caller loads the line's UsageState and the units its open
// reservations hold, asks ComputeGrant, and stores the reservation.
//
// A line's allowance for a kind is read as a sequence of tiers, and a grant draws on the tier the
// line is in now, after what open reservations hold:
//   data:  the quota at full speed (an unlimited pass, else data buckets valid now), bounded by
//          the plan's daily cap; once the cap is reached, the rest of the JST day at the plan's
//          first throttle step ("over_cap"); once the buckets are used up, the throttle steps one
//          after the other, each for its up_to_extra_bytes ("throttled"); past the last step, or
//          without steps, nothing. A line in grace runs at the lowest step, without a limit.
//   voice: the plan's free call length (per reservation, as each commit is one usage record)
//          plus the voice buckets ("quota"); then, if the plan rates calls, as much as the
//          line's wallet can pay at its rate, less what other rated grants set aside ("rated":
//          whole 30 s units); otherwise nothing.
//   sms:   the SMS buckets, then what the wallet can pay at the plan's rate, as voice.
// A grant never exceeds the tier's room, so concurrent reservations, each seeing what the others
// hold, never promise more than remains. When a grant takes the last of its tier, the answer
// carries a final-unit indication: what the network does once the units are used ("throttle" to
// the next tier's speed, or "block"), Final-Unit-Indication in Gy.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/domain/line_state.h"
#include "simkeep/domain/usage.h"

namespace simkeep::domain {

struct ReservationTag {};
using ReservationId = Id<ReservationTag>;  // "rs_...".

// Bounds on a reservation request.
inline constexpr size_t kSessionIdMax = 255;                 // A Diameter Session-Id fits.
inline constexpr int64_t kRequestNumberMax = 4'294'967'295;  // CC-Request-Number: Unsigned32.
inline constexpr std::chrono::seconds kReservationValidityMax{86'400};  // A configured validity.

// Where a reservation stands. A grant of nothing is stored released at once: it holds nothing.
enum class ReservationStatus { kOpen, kCommitted, kReleased, kExpired };
// "open", "committed", "released", "expired".
const char* ReservationStatusName(ReservationStatus status);
std::optional<ReservationStatus> ParseReservationStatus(std::string_view name);

// The part of a line's allowance a grant draws on (see the file comment).
enum class GrantTier { kNone, kQuota, kUnlimited, kOverCap, kThrottled, kRated };
// "none", "quota", "unlimited", "over_cap", "throttled", "rated".
const char* GrantTierName(GrantTier tier);
std::optional<GrantTier> ParseGrantTier(std::string_view name);

// The outcome of a request, after Diameter's result codes: DIAMETER_SUCCESS (2001),
// DIAMETER_CREDIT_LIMIT_REACHED (4012: the allowance is used up and the plan blocks beyond it),
// DIAMETER_END_USER_SERVICE_DENIED (4010: the line's state allows no such service).
enum class GrantResult { kGranted, kCreditLimitReached, kServiceDenied };
// "granted", "credit_limit_reached", "service_denied".
const char* GrantResultName(GrantResult result);
std::optional<GrantResult> ParseGrantResult(std::string_view name);

// What the network does when the granted units are used up (Final-Unit-Action).
enum class FinalUnitAction { kThrottle, kBlock };
// "throttle", "block".
const char* FinalUnitActionName(FinalUnitAction action);
std::optional<FinalUnitAction> ParseFinalUnitAction(std::string_view name);

struct FinalUnit {
  FinalUnitAction action = FinalUnitAction::kBlock;
  std::optional<int> speed_kbps;  // The speed to throttle to; nullopt for kBlock.
  friend bool operator==(const FinalUnit&, const FinalUnit&) = default;
};

// A request for units (CCR-Initial or CCR-Update with a Requested-Service-Unit).
struct ReservationRequest {
  std::string session_id;
  int64_t request_number = 0;
  UsageKind kind = UsageKind::kData;
  int64_t requested = 0;  // UsageUnitName(kind).
  std::optional<int64_t> rating_group;
};

// Checks a request: kInvalidArgument with reason
//   "session_id_invalid"      empty, longer than kSessionIdMax, or not printable ASCII (0x21-0x7e);
//   "request_number_invalid"  negative or above kRequestNumberMax;
//   "requested_units_invalid" not positive, or above what one usage record of the kind may carry
//                             (kUsageDataBytesMax, kUsageVoiceSecondsMax, kUsageSmsMax);
//   "rating_group_invalid"    negative.
Result<void> CheckReservationRequest(const ReservationRequest& request);

// Checks the units a commit reports: kInvalidArgument "used_units_invalid" when negative or above
// what one usage record of the kind may carry.
Result<void> CheckUsedUnits(UsageKind kind, int64_t used);

// What ComputeGrant decided.
struct Grant {
  GrantResult result = GrantResult::kGranted;
  GrantTier tier = GrantTier::kNone;
  int64_t granted = 0;
  // Of `granted`, the units counted against the tier's room: data and voice/SMS bucket units
  // (kQuota) or throttle-step bytes (kThrottled). A voice grant's free seconds hold nothing.
  int64_t held = 0;
  // kRated: the most the granted units cost at the plan's rate, set aside from the wallet while
  // the reservation is open.
  int64_t held_jpy = 0;
  std::optional<int> speed_kbps;  // Data: the speed the units run at; nullopt at full speed.
  std::optional<FinalUnit> final_unit;
  friend bool operator==(const Grant&, const Grant&) = default;
};

// One group of what a line's open reservations hold (a store sums them by kind and tier).
struct ReservationHold {
  UsageKind kind = UsageKind::kData;
  GrantTier tier = GrantTier::kNone;
  int64_t granted = 0;
  int64_t held = 0;
  int64_t held_jpy = 0;
};

// What a line's open, unexpired reservations hold, as ComputeGrant subtracts it.
struct ReservationHolds {
  int64_t data_quota = 0;      // Bytes held from data buckets.
  int64_t data_throttled = 0;  // Bytes held on the throttle steps.
  int64_t data_day = 0;        // Every byte granted: all of it counts toward the daily cap.
  int64_t voice_quota = 0;     // Seconds held from voice buckets.
  int64_t sms_quota = 0;       // Messages held from SMS buckets.
  int64_t rated_jpy = 0;       // Yen rated grants set aside from the wallet.
};
ReservationHolds SumHolds(const std::vector<ReservationHold>& holds);

// The grant for `requested` units of `kind` on a line in `state` under its base plan `plan`
// (nullptr: no plan, so no cap, steps, free length or rates), whose usage so far is `usage`,
// whose open reservations hold `holds` and whose wallet holds `wallet_jpy` (what it can spend;
// only voice and SMS beyond their allowance use it), at `now`. Never more than requested, never
// more than the tier's room; 0 with kServiceDenied unless the line is active (data: active or
// in grace), 0 with kCreditLimitReached when nothing is left and the plan blocks beyond it (or
// the wallet cannot pay for one more unit).
// REQUIRES: CheckReservationRequest succeeded for `requested`; NoteDataGrants(usage) was called;
// usage.daily holds the data day of `now`.
Grant ComputeGrant(UsageKind kind, int64_t requested, const Plan* plan, LineState state,
                   const UsageState& usage, const ReservationHolds& holds, int64_t wallet_jpy,
                   Timestamp now);

// One reservation as stored. `answer` is the first answer to its request, replayed to a repeat
// of (session_id, request_number); `settle_answer` that of the commit (replayed to a repeated
// commit) or the release. Both are opaque text here (the API's JSON).
struct Reservation {
  ReservationId id;
  LineId line_id;
  std::string session_id;
  int64_t request_number = 0;
  UsageKind kind = UsageKind::kData;
  std::optional<int64_t> rating_group;
  int64_t requested = 0;
  Grant grant;
  ReservationStatus status = ReservationStatus::kOpen;
  Timestamp created_at;
  Timestamp expires_at;
  std::optional<int64_t> used;         // Once committed.
  std::optional<Timestamp> closed_at;  // Once committed, released or expired.
  std::string answer;
  std::string settle_answer;  // Empty until committed or released.
};

// The status a reservation has at `now`: an open one past its expiry reads expired (it holds
// nothing any more, whether or not the sweep has written so yet).
ReservationStatus StatusAt(const Reservation& reservation, Timestamp now);

// Whether `request` asks for what `reservation` was made for (the same line, kind, units and
// rating group): a repeat to replay, not a reuse of its (session_id, request_number).
bool SameRequest(const Reservation& reservation, const LineId& line_id,
                 const ReservationRequest& request);

// The usage record a commit of `used` units at `now` makes: id "resv:" + the reservation's id
// (so a commit retried or raced is a duplicate), on the reservation's line, kind and rating
// group, from its creation to `now`.
UsageRecord CommitRecord(const Reservation& reservation, int64_t used, Timestamp now);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_RESERVATION_H_
