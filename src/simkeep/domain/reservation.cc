#include "simkeep/domain/reservation.h"

#include <algorithm>
#include <array>
#include <limits>

namespace simkeep::domain {
namespace {

constexpr std::array<const char*, 4> kStatusNames = {"open", "committed", "released", "expired"};
constexpr std::array<const char*, 6> kTierNames = {"none",     "quota",     "unlimited",
                                                   "over_cap", "throttled", "rated"};
constexpr std::array<const char*, 3> kResultNames = {"granted", "credit_limit_reached",
                                                     "service_denied"};
constexpr std::array<const char*, 2> kActionNames = {"throttle", "block"};

// No limit on a tier's room (an unlimited pass without a cap, the last throttle step).
constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

template <typename Enum, size_t N>
std::optional<Enum> ParseName(const std::array<const char*, N>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (name == names[i]) {
      return static_cast<Enum>(i);
    }
  }
  return std::nullopt;
}

int64_t UnitsMax(UsageKind kind) {
  switch (kind) {
    case UsageKind::kData:
      return kUsageDataBytesMax;
    case UsageKind::kVoice:
      return kUsageVoiceSecondsMax;
    case UsageKind::kSms:
      return kUsageSmsMax;
  }
  return 0;
}

bool ValidAt(const Bucket& bucket, Timestamp t) {
  return bucket.starts_at <= t && t <= bucket.expires_at;
}

// Units left in the buckets of `kind` valid at `now`.
int64_t BucketUnits(const UsageState& usage, BundleKind kind, Timestamp now) {
  int64_t units = 0;
  for (const Bucket& bucket : usage.buckets) {
    if (bucket.kind == kind && bucket.remaining > 0 && ValidAt(bucket, now)) {
      units += bucket.remaining;
    }
  }
  return units;
}

Grant Nothing(GrantResult result) {
  Grant grant;
  grant.result = result;
  grant.final_unit = FinalUnit{FinalUnitAction::kBlock, std::nullopt};
  return grant;
}

// What follows a tier that runs out at `speed_kbps` (nullopt or 0: blocked).
FinalUnit Then(std::optional<int> speed_kbps) {
  if (speed_kbps && *speed_kbps > 0) {
    return FinalUnit{FinalUnitAction::kThrottle, speed_kbps};
  }
  return FinalUnit{FinalUnitAction::kBlock, std::nullopt};
}

// Grants up to `room` units of a tier; the grant that takes the last of a bounded room says what
// follows (`then`).
Grant Within(GrantTier tier, int64_t requested, int64_t room, std::optional<int> speed_kbps,
             const FinalUnit& then) {
  Grant grant;
  grant.tier = tier;
  grant.granted = std::min(requested, room);
  grant.speed_kbps = speed_kbps;
  if (room != kUnbounded && grant.granted == room) {
    grant.final_unit = then;
  }
  return grant;
}

// The throttle step the overage has reached at `position` bytes: its speed, the bytes left in it
// (kUnbounded for a last step without a limit) and the speed of the step after it (nullopt:
// blocked). nullopt past every step, or without steps.
struct StepAt {
  int speed_kbps = 0;
  int64_t room = 0;
  std::optional<int> next_speed_kbps;
};
std::optional<StepAt> FindStep(const std::vector<ThrottleStep>& steps, int64_t position) {
  int64_t reach = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    std::optional<int> next;
    if (i + 1 < steps.size()) {
      next = steps[i + 1].speed_kbps;
    }
    if (steps[i].up_to_extra_bytes == 0) {
      return StepAt{steps[i].speed_kbps, kUnbounded, std::nullopt};
    }
    reach += steps[i].up_to_extra_bytes;
    if (position < reach) {
      return StepAt{steps[i].speed_kbps, reach - position, next};
    }
  }
  return std::nullopt;
}

Grant GrantData(int64_t requested, const Plan* plan, LineState state, const UsageState& usage,
                const ReservationHolds& holds, Timestamp now) {
  const std::vector<ThrottleStep> none;
  const std::vector<ThrottleStep>& steps = plan != nullptr ? plan->throttle : none;
  if (state == LineState::kGrace) {
    // Data at the lowest step while the line may still be renewed, counted as usage like any
    // other, without a limit of its own.
    if (steps.empty() || steps.back().speed_kbps <= 0) {
      return Nothing(GrantResult::kServiceDenied);
    }
    Grant grant =
        Within(GrantTier::kThrottled, requested, kUnbounded, steps.back().speed_kbps, FinalUnit{});
    grant.held = 0;
    return grant;
  }
  if (state != LineState::kActive) {
    return Nothing(GrantResult::kServiceDenied);
  }
  // The daily cap counts every byte of the JST day, used or granted, whatever paid for it.
  const std::optional<int> over_cap_speed =
      steps.empty() ? std::nullopt : std::optional<int>(steps.front().speed_kbps);
  int64_t cap_room = kUnbounded;
  if (plan != nullptr && plan->daily_cap_bytes) {
    const auto today = usage.daily.find({JstDayStart(now), UsageKind::kData});
    const int64_t counted = (today != usage.daily.end() ? today->second : 0) + holds.data_day;
    cap_room = std::max<int64_t>(0, *plan->daily_cap_bytes - counted);
    if (cap_room == 0) {
      if (!over_cap_speed || *over_cap_speed <= 0) {
        return Nothing(GrantResult::kCreditLimitReached);
      }
      // The rest of the day at the first step, taken from nothing.
      return Within(GrantTier::kOverCap, requested, kUnbounded, over_cap_speed, FinalUnit{});
    }
  }
  for (const Bucket& bucket : usage.buckets) {
    if (bucket.kind == BundleKind::kUnlimited && ValidAt(bucket, now)) {
      return Within(GrantTier::kUnlimited, requested, cap_room, std::nullopt, Then(over_cap_speed));
    }
  }
  const int64_t bucket_room =
      std::max<int64_t>(0, BucketUnits(usage, BundleKind::kData, now) - holds.data_quota);
  const int64_t position = usage.overage_bytes + holds.data_throttled;
  if (bucket_room > 0) {
    // Once the buckets are used up the overage walks the steps from where it stands.
    std::optional<StepAt> step = FindStep(steps, position);
    const FinalUnit after_buckets =
        Then(step ? std::optional<int>(step->speed_kbps) : std::nullopt);
    const bool capped = cap_room <= bucket_room;
    Grant grant = Within(GrantTier::kQuota, requested, std::min(bucket_room, cap_room),
                         std::nullopt, capped ? Then(over_cap_speed) : after_buckets);
    grant.held = grant.granted;
    return grant;
  }
  std::optional<StepAt> step = FindStep(steps, position);
  if (!step || step->speed_kbps <= 0) {
    return Nothing(GrantResult::kCreditLimitReached);
  }
  const bool capped = cap_room <= step->room;
  Grant grant =
      Within(GrantTier::kThrottled, requested, std::min(step->room, cap_room), step->speed_kbps,
             capped ? Then(over_cap_speed) : Then(step->next_speed_kbps));
  grant.held = grant.granted;
  return grant;
}

// What `units` of voice (seconds, per started 30 s) or SMS (messages, in tenths of a yen rounded
// up) cost at the plan's rate.
int64_t RatedCost(UsageKind kind, const Plan& plan, int64_t units) {
  if (kind == UsageKind::kVoice) {
    return (units + 29) / 30 * plan.voice_jpy_per_30s;
  }
  return (units * plan.sms_jpy_tenths + 9) / 10;
}

// The units of voice (whole 30 s units) or SMS that `jpy` pays for at the plan's rate.
int64_t Affordable(UsageKind kind, const Plan& plan, int64_t jpy) {
  if (kind == UsageKind::kVoice) {
    return jpy / plan.voice_jpy_per_30s * 30;
  }
  return jpy * 10 / plan.sms_jpy_tenths;
}

// Voice and SMS: the free call length (voice) and the buckets, then what the wallet pays for at
// the plan's rate, if it rates the kind.
Grant GrantCounted(UsageKind kind, int64_t requested, const Plan* plan, LineState state,
                   const UsageState& usage, const ReservationHolds& holds, int64_t wallet_jpy,
                   Timestamp now) {
  if (state != LineState::kActive) {
    return Nothing(GrantResult::kServiceDenied);
  }
  const bool voice = kind == UsageKind::kVoice;
  const int64_t free_seconds =
      voice && plan != nullptr ? std::max(0, plan->free_call_length_seconds) : 0;
  const int64_t bucket_units =
      BucketUnits(usage, voice ? BundleKind::kVoice : BundleKind::kSms, now);
  const int64_t bucket_room =
      std::max<int64_t>(0, bucket_units - (voice ? holds.voice_quota : holds.sms_quota));
  const bool rated =
      plan != nullptr && (voice ? plan->voice_jpy_per_30s > 0 : plan->sms_jpy_tenths > 0);
  const int64_t affordable =
      rated ? Affordable(kind, *plan, std::max<int64_t>(0, wallet_jpy - holds.rated_jpy)) : 0;
  const int64_t room = free_seconds + bucket_room;
  if (room > 0) {
    Grant grant = Within(GrantTier::kQuota, requested, room, std::nullopt, Then(std::nullopt));
    if (affordable > 0) {
      grant.final_unit.reset();  // Beyond the allowance the service goes on, paid.
    }
    grant.held = grant.granted - std::min(grant.granted, free_seconds);
    return grant;
  }
  if (affordable == 0) {
    return Nothing(GrantResult::kCreditLimitReached);
  }
  // The wallet's last unit ends the service: blocked until it is topped up.
  Grant grant = Within(GrantTier::kRated, requested, affordable, std::nullopt, Then(std::nullopt));
  grant.held_jpy = RatedCost(kind, *plan, grant.granted);
  return grant;
}

}  // namespace

const char* ReservationStatusName(ReservationStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

std::optional<ReservationStatus> ParseReservationStatus(std::string_view name) {
  return ParseName<ReservationStatus>(kStatusNames, name);
}

const char* GrantTierName(GrantTier tier) { return kTierNames[static_cast<size_t>(tier)]; }

std::optional<GrantTier> ParseGrantTier(std::string_view name) {
  return ParseName<GrantTier>(kTierNames, name);
}

const char* GrantResultName(GrantResult result) {
  return kResultNames[static_cast<size_t>(result)];
}

std::optional<GrantResult> ParseGrantResult(std::string_view name) {
  return ParseName<GrantResult>(kResultNames, name);
}

const char* FinalUnitActionName(FinalUnitAction action) {
  return kActionNames[static_cast<size_t>(action)];
}

std::optional<FinalUnitAction> ParseFinalUnitAction(std::string_view name) {
  return ParseName<FinalUnitAction>(kActionNames, name);
}

Result<void> CheckReservationRequest(const ReservationRequest& request) {
  if (request.session_id.empty() || request.session_id.size() > kSessionIdMax ||
      !std::all_of(request.session_id.begin(), request.session_id.end(),
                   [](char c) { return c >= 0x21 && c <= 0x7e; })) {
    return InvalidArgument("session_id_invalid",
                           "session_id must be 1 to 255 printable ASCII characters, no spaces.");
  }
  if (request.request_number < 0 || request.request_number > kRequestNumberMax) {
    return InvalidArgument("request_number_invalid",
                           "request_number must be 0 to 4294967295 (CC-Request-Number).");
  }
  if (request.requested <= 0 || request.requested > UnitsMax(request.kind)) {
    return InvalidArgument("requested_units_invalid", std::string("requested must be 1 to ") +
                                                          std::to_string(UnitsMax(request.kind)) +
                                                          " " + UsageUnitName(request.kind) + ".");
  }
  if (request.rating_group && *request.rating_group < 0) {
    return InvalidArgument("rating_group_invalid", "rating_group must not be negative.");
  }
  return Ok();
}

Result<void> CheckUsedUnits(UsageKind kind, int64_t used) {
  if (used < 0 || used > UnitsMax(kind)) {
    return InvalidArgument("used_units_invalid", std::string("used must be 0 to ") +
                                                     std::to_string(UnitsMax(kind)) + " " +
                                                     UsageUnitName(kind) + ".");
  }
  return Ok();
}

ReservationHolds SumHolds(const std::vector<ReservationHold>& holds) {
  ReservationHolds sum;
  for (const ReservationHold& hold : holds) {
    switch (hold.kind) {
      case UsageKind::kData:
        sum.data_day += hold.granted;
        if (hold.tier == GrantTier::kQuota) {
          sum.data_quota += hold.held;
        } else if (hold.tier == GrantTier::kThrottled) {
          sum.data_throttled += hold.held;
        }
        break;
      case UsageKind::kVoice:
        sum.voice_quota += hold.tier == GrantTier::kQuota ? hold.held : 0;
        break;
      case UsageKind::kSms:
        sum.sms_quota += hold.tier == GrantTier::kQuota ? hold.held : 0;
        break;
    }
    sum.rated_jpy += hold.held_jpy;
  }
  return sum;
}

Grant ComputeGrant(UsageKind kind, int64_t requested, const Plan* plan, LineState state,
                   const UsageState& usage, const ReservationHolds& holds, int64_t wallet_jpy,
                   Timestamp now) {
  if (kind == UsageKind::kData) {
    return GrantData(requested, plan, state, usage, holds, now);
  }
  return GrantCounted(kind, requested, plan, state, usage, holds, wallet_jpy, now);
}

ReservationStatus StatusAt(const Reservation& reservation, Timestamp now) {
  if (reservation.status == ReservationStatus::kOpen && reservation.expires_at <= now) {
    return ReservationStatus::kExpired;
  }
  return reservation.status;
}

bool SameRequest(const Reservation& reservation, const LineId& line_id,
                 const ReservationRequest& request) {
  return reservation.line_id == line_id && reservation.kind == request.kind &&
         reservation.requested == request.requested &&
         reservation.rating_group == request.rating_group;
}

UsageRecord CommitRecord(const Reservation& reservation, int64_t used, Timestamp now) {
  UsageRecord record;
  record.record_id = "resv:" + reservation.id.value;
  record.line_id = reservation.line_id;
  record.kind = reservation.kind;
  record.quantity = used;
  record.start = reservation.created_at;
  record.end = std::max(now, reservation.created_at);
  record.rating_group = reservation.rating_group;
  return record;
}

}  // namespace simkeep::domain
