#include "simkeep/domain/usage.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "simkeep/base/assert.h"
#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

constexpr std::array<const char*, 3> kUsageKindNames = {"data", "voice", "sms"};
constexpr std::array<const char*, 3> kUsageUnitNames = {"bytes", "seconds", "messages"};

bool IsRecordIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '@' || c == '/' || c == '-';
}

int64_t QuantityMax(UsageKind kind) {
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

bool GrantsData(const Bucket& bucket) {
  return bucket.kind == BundleKind::kData || bucket.kind == BundleKind::kUnlimited;
}

// Takes up to `wanted` units from the buckets of `kind` valid at `t`, earliest expiry first
// (then earliest start, then id, so that the order is total). Returns the units taken.
int64_t TakeFromBuckets(UsageState& state, BundleKind kind, Timestamp t, int64_t wanted,
                        UsageOutcome& outcome) {
  std::vector<Bucket*> usable;
  for (Bucket& bucket : state.buckets) {
    if (bucket.kind == kind && bucket.remaining > 0 && ValidAt(bucket, t)) {
      usable.push_back(&bucket);
    }
  }
  std::sort(usable.begin(), usable.end(), [](const Bucket* a, const Bucket* b) {
    if (a->expires_at != b->expires_at) {
      return a->expires_at < b->expires_at;
    }
    if (a->starts_at != b->starts_at) {
      return a->starts_at < b->starts_at;
    }
    return a->id.value < b->id.value;
  });
  int64_t taken = 0;
  for (Bucket* bucket : usable) {
    if (taken == wanted) {
      break;
    }
    const int64_t take = std::min(bucket->remaining, wanted - taken);
    bucket->remaining -= take;
    taken += take;
    outcome.touched.push_back(bucket->id);
  }
  return taken;
}

void ApplyData(const UsageRecord& record, const Plan* plan, UsageState& state,
               UsageOutcome& outcome) {
  const Timestamp t = record.start;
  int64_t& today = state.daily[{JstDayStart(t), UsageKind::kData}];
  int64_t counted = record.quantity;
  if (plan != nullptr && plan->daily_cap_bytes) {
    const int64_t room = std::max<int64_t>(0, *plan->daily_cap_bytes - today);
    counted = std::min(counted, room);
    outcome.over_cap = record.quantity - counted;
  }
  today += record.quantity;
  for (const Bucket& bucket : state.buckets) {
    if (bucket.kind == BundleKind::kUnlimited && ValidAt(bucket, t)) {
      outcome.unlimited = counted;
      return;
    }
  }
  outcome.from_buckets = TakeFromBuckets(state, BundleKind::kData, t, counted, outcome);
  outcome.overage = counted - outcome.from_buckets;
  if (t >= state.overage_since) {
    state.overage_bytes += outcome.overage;
  }
}

void ApplyVoice(const UsageRecord& record, const Plan* plan, UsageState& state,
                UsageOutcome& outcome) {
  state.daily[{JstDayStart(record.start), UsageKind::kVoice}] += record.quantity;
  const int64_t free_length = plan != nullptr ? plan->free_call_length_seconds : 0;
  outcome.free_seconds = std::min<int64_t>(record.quantity, free_length);
  const int64_t billable = record.quantity - outcome.free_seconds;
  outcome.from_buckets =
      TakeFromBuckets(state, BundleKind::kVoice, record.start, billable, outcome);
  outcome.overage = billable - outcome.from_buckets;
  if (plan != nullptr && outcome.overage > 0) {
    const int64_t units = (outcome.overage + 29) / 30;  // Per started 30 s.
    outcome.charge_jpy = units * plan->voice_jpy_per_30s;
  }
}

void ApplySms(const UsageRecord& record, const Plan* plan, UsageState& state,
              UsageOutcome& outcome) {
  state.daily[{JstDayStart(record.start), UsageKind::kSms}] += record.quantity;
  outcome.from_buckets =
      TakeFromBuckets(state, BundleKind::kSms, record.start, record.quantity, outcome);
  outcome.overage = record.quantity - outcome.from_buckets;
  if (plan != nullptr && outcome.overage > 0 && plan->sms_jpy_tenths > 0) {
    const int64_t tenths = state.sms_tenths_carry + outcome.overage * plan->sms_jpy_tenths;
    outcome.charge_jpy = tenths / 10;
    state.sms_tenths_carry = tenths % 10;
  }
}

}  // namespace

const char* UsageKindName(UsageKind kind) { return kUsageKindNames[static_cast<size_t>(kind)]; }

std::optional<UsageKind> ParseUsageKind(std::string_view name) {
  for (size_t i = 0; i < kUsageKindNames.size(); ++i) {
    if (name == kUsageKindNames[i]) {
      return static_cast<UsageKind>(i);
    }
  }
  return std::nullopt;
}

const char* UsageUnitName(UsageKind kind) { return kUsageUnitNames[static_cast<size_t>(kind)]; }

Result<void> CheckUsageRecord(const UsageRecord& record, Timestamp now) {
  if (record.record_id.empty() || record.record_id.size() > kUsageRecordIdMax ||
      !std::all_of(record.record_id.begin(), record.record_id.end(), IsRecordIdChar)) {
    return InvalidArgument("record_id_invalid",
                           "record_id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ / -.");
  }
  if (record.quantity < 0 || record.quantity > QuantityMax(record.kind)) {
    return InvalidArgument("usage_quantity_invalid", std::string("quantity must be 0 to ") +
                                                         std::to_string(QuantityMax(record.kind)) +
                                                         " " + UsageUnitName(record.kind) + ".");
  }
  if (record.end < record.start || record.end - record.start > kUsagePeriodMax) {
    return InvalidArgument("usage_period_invalid",
                           "end must not be before start, nor more than 31 days after it.");
  }
  if (record.end > now + kUsageClockSkew) {
    return InvalidArgument("usage_in_future", "The record ends in the future.");
  }
  if (record.start < now - kUsageLateMax) {
    return InvalidArgument("usage_too_old", "The record started more than 90 days ago.");
  }
  if (record.rating_group && *record.rating_group < 0) {
    return InvalidArgument("rating_group_invalid", "rating_group must not be negative.");
  }
  return Ok();
}

Timestamp JstDayStart(Timestamp t) { return JstStartOfDay(JstDate(t)); }

void NoteDataGrants(UsageState& state) {
  for (const Bucket& bucket : state.buckets) {
    if (GrantsData(bucket) && bucket.starts_at > state.overage_since) {
      state.overage_since = bucket.starts_at;
      state.overage_bytes = 0;
    }
  }
}

UsageOutcome ApplyUsage(const UsageRecord& record, const Plan* plan, UsageState& state) {
  UsageOutcome outcome;
  switch (record.kind) {
    case UsageKind::kData:
      ApplyData(record, plan, state, outcome);
      break;
    case UsageKind::kVoice:
      ApplyVoice(record, plan, state, outcome);
      break;
    case UsageKind::kSms:
      ApplySms(record, plan, state, outcome);
      break;
  }
  return outcome;
}

std::optional<int> DataSpeedAt(const Plan* plan, LineState state, const UsageState& usage,
                               Timestamp now) {
  constexpr int kBlocked = 0;
  const std::vector<ThrottleStep> none;
  const std::vector<ThrottleStep>& steps = plan != nullptr ? plan->throttle : none;
  switch (state) {
    case LineState::kActive:
      break;
    case LineState::kGrace:
      return steps.empty() ? kBlocked : steps.back().speed_kbps;
    case LineState::kInactive:
    case LineState::kSuspended:
    case LineState::kTerminated:
    case LineState::kBarred:
      return kBlocked;
  }
  if (plan != nullptr && plan->daily_cap_bytes) {
    const auto today = usage.daily.find({JstDayStart(now), UsageKind::kData});
    if (today != usage.daily.end() && today->second >= *plan->daily_cap_bytes) {
      return steps.empty() ? kBlocked : steps.front().speed_kbps;
    }
  }
  for (const Bucket& bucket : usage.buckets) {
    if (ValidAt(bucket, now) && (bucket.kind == BundleKind::kUnlimited ||
                                 (bucket.kind == BundleKind::kData && bucket.remaining > 0))) {
      return std::nullopt;
    }
  }
  int64_t reach = 0;
  for (const ThrottleStep& step : steps) {
    if (step.up_to_extra_bytes == 0) {
      return step.speed_kbps;
    }
    reach += step.up_to_extra_bytes;
    if (usage.overage_bytes < reach) {
      return step.speed_kbps;
    }
  }
  return kBlocked;
}

int64_t DataLeftAt(const std::vector<Bucket>& buckets, Timestamp now) {
  int64_t left = 0;
  for (const Bucket& bucket : buckets) {
    if (bucket.kind == BundleKind::kData && bucket.starts_at <= now && now <= bucket.expires_at) {
      left += bucket.remaining;
    }
  }
  return left;
}

bool FellBelow(int64_t before, int64_t after, int64_t threshold) {
  return before >= threshold && after < threshold;
}

UsageCharge ChargeUsage(int64_t rated_jpy, int64_t wallet_jpy, int tax_rate_percent) {
  SIMKEEP_ASSERT(rated_jpy > 0);
  SIMKEEP_ASSERT(tax_rate_percent == 0 || tax_rate_percent == 8 || tax_rate_percent == 10);
  UsageCharge charge;
  charge.rated_jpy = rated_jpy;
  charge.charged_jpy = std::min(rated_jpy, std::max<int64_t>(wallet_jpy, 0));
  charge.tax_rate_percent = tax_rate_percent;
  charge.tax_jpy = charge.charged_jpy * tax_rate_percent / (100 + tax_rate_percent);
  return charge;
}

}  // namespace simkeep::domain
