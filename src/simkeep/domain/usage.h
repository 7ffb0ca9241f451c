#ifndef SIMKEEP_DOMAIN_USAGE_H_
#define SIMKEEP_DOMAIN_USAGE_H_

// What a line's usage does to its allowances and its speed (DESIGN.md §2, DOMAIN.md §3.1).
// Pure: the caller loads a line's UsageState, applies records to it in arrival order, and stores
// what changed.
//
// Consumption of one record happens at its start time, against the buckets valid then (a late
// record is applied to the buckets of its own time):
//   data:  bytes beyond the plan's daily cap (00:00 JST to 24:00 JST) run throttled and are taken
//          from nothing; an unlimited pass valid then covers the rest; otherwise the rest is
//          taken from data buckets, earliest expiry first, and what no bucket covers is overage,
//          which moves the line through the plan's throttle steps. A new data grant (a renewal, a
//          topping) starts the overage again from zero, so it restores full speed at once.
//   voice: seconds up to the plan's free call length are free; the rest is taken from voice
//          buckets, earliest expiry first, and the remainder charged at the plan's rate per
//          started 30 s.
//   sms:   messages are taken from SMS buckets; the rest is charged at the plan's rate in tenths
//          of a yen, the fraction carried to the line's next charge (at ¥3.3 each, three
//          messages sent one by one cost ¥3 each with 9 tenths carried, the fourth ¥4).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/domain/line.h"
#include "simkeep/domain/line_state.h"

namespace simkeep::domain {

enum class UsageKind { kData, kVoice, kSms };
// "data", "voice", "sms".
const char* UsageKindName(UsageKind kind);
std::optional<UsageKind> ParseUsageKind(std::string_view name);
// "bytes", "seconds", "messages".
const char* UsageUnitName(UsageKind kind);

// Bounds on one record, beyond which it is refused as absurd.
inline constexpr int64_t kUsageDataBytesMax = int64_t{1} << 40;  // 1 TiB.
inline constexpr int64_t kUsageVoiceSecondsMax = 7 * 24 * 3600;  // A week-long call.
inline constexpr int64_t kUsageSmsMax = 10'000;
inline constexpr std::chrono::days kUsagePeriodMax{31};    // end - start.
inline constexpr std::chrono::minutes kUsageClockSkew{5};  // end may be this far ahead of now.
inline constexpr std::chrono::days kUsageLateMax{90};      // start may be this far behind now.
inline constexpr size_t kUsageRecordIdMax = 128;

// One usage record from the network side (a CDR) or a closed session. Unique by record_id.
struct UsageRecord {
  std::string record_id;
  LineId line_id;
  UsageKind kind = UsageKind::kData;
  int64_t quantity = 0;  // UsageUnitName(kind).
  Timestamp start;
  Timestamp end;
  std::optional<int64_t> rating_group;
};

// Checks one record against `now`: kInvalidArgument with reason
//   "record_id_invalid"      empty, longer than kUsageRecordIdMax, or not [A-Za-z0-9._:@/-];
//   "usage_quantity_invalid" negative or above the kind's maximum;
//   "usage_period_invalid"   end before start, or longer than kUsagePeriodMax;
//   "usage_in_future"        end later than now + kUsageClockSkew;
//   "usage_too_old"          start earlier than now - kUsageLateMax;
//   "rating_group_invalid"   negative.
Result<void> CheckUsageRecord(const UsageRecord& record, Timestamp now);

// The JST calendar day of `t`, as the instant it starts (00:00 JST): the key of daily caps and
// the daily usage history.
Timestamp JstDayStart(Timestamp t);

// What usage has done to one line so far: its buckets (remaining units change), the data used
// beyond every bucket since the latest data grant, the units used per JST day and kind on the
// days records touched, and the fraction of a yen an SMS charge carried over.
struct UsageState {
  std::vector<Bucket> buckets;
  int64_t overage_bytes = 0;
  Timestamp overage_since;  // Usage at or after this counts toward the overage.
  std::map<std::pair<Timestamp, UsageKind>, int64_t> daily;  // (JstDayStart, kind) → units.
  int64_t sms_tenths_carry = 0;                              // 0..9.
};

// What one record did.
struct UsageOutcome {
  int64_t from_buckets = 0;       // Units taken from buckets.
  int64_t unlimited = 0;          // Data bytes an unlimited pass covered.
  int64_t over_cap = 0;           // Data bytes beyond the day's cap: throttled, taken from nothing.
  int64_t overage = 0;            // Units no bucket covered (data: overage; voice/SMS: charged).
  int64_t free_seconds = 0;       // Voice seconds within the free call length.
  int64_t charge_jpy = 0;         // Voice and SMS beyond the allowance at the plan's rates.
  std::vector<BucketId> touched;  // Buckets whose remaining units changed, in order.
};

// A record as it was applied and stored: what its units went to.
struct AppliedUsage {
  UsageRecord record;
  int64_t from_buckets = 0;
  int64_t overage = 0;    // UsageOutcome::overage.
  int64_t rated_jpy = 0;  // UsageOutcome::charge_jpy.
  Timestamp received_at;
};

// One line's usage of one kind on one JST day: the daily history and what daily caps count.
struct UsageDay {
  Timestamp day;  // JstDayStart.
  UsageKind kind = UsageKind::kData;
  int64_t units = 0;
  int64_t records = 0;
  int64_t rated_jpy = 0;
};

// The part of a line's UsageState that is stored with the line (the rest is its buckets and
// usage days), and the speed last derived from it.
struct LineUsage {
  LineId line_id;
  int64_t overage_bytes = 0;
  Timestamp overage_since;
  int64_t sms_tenths_carry = 0;
  std::optional<int> speed_kbps;  // DataSpeedAt when last written; nullopt at full speed.
  Timestamp updated_at;
};

// Starts the overage again when a data grant (a data bucket or an unlimited pass) started after
// overage_since: the renewal or topping that granted it restored full speed.
void NoteDataGrants(UsageState& state);

// Applies `record` to `state` under the line's base plan `plan` (nullptr: no plan, so no cap,
// no throttle steps, no rates).
// REQUIRES: CheckUsageRecord(record, ...) succeeded; NoteDataGrants(state) was called after the
// buckets were loaded.
UsageOutcome ApplyUsage(const UsageRecord& record, const Plan* plan, UsageState& state);

// The data speed of a line at `now`: nullopt at full speed, 0 when data is blocked, else kbps.
//   inactive, suspended, terminated or barred: blocked;
//   grace: the plan's last (lowest) throttle step, blocked without one;
//   the day's cap reached: the plan's first throttle step, blocked without one;
//   an unlimited pass, or data left in a bucket, valid at now: full speed;
//   otherwise the throttle step the overage has reached: each step runs until its
//   up_to_extra_bytes more are used (the last step with 0 has no limit); past every step, or
//   with no steps at all, blocked.
std::optional<int> DataSpeedAt(const Plan* plan, LineState state, const UsageState& usage,
                               Timestamp now);

// The data bytes left at `now` in the data buckets valid then (starts_at <= now <= expires_at);
// unlimited passes are not counted.
int64_t DataLeftAt(const std::vector<Bucket>& buckets, Timestamp now);

// Whether data left going from `before` to `after` fell below `threshold`: before >= threshold
// and after < threshold. Once per crossing: it is false again until a grant lifts the data left
// back to the threshold or above.
bool FellBelow(int64_t before, int64_t after, int64_t threshold);

// What voice and SMS beyond a line's allowances cost it in one batch of records, and what its
// wallet paid: the wallet pays what it holds and never goes below zero; the rest is unpaid (the
// network is expected to refuse chargeable service to an empty wallet before it happens, through
// reservations). The ledger moves charged_jpy: tax_jpy to tax payable, the rest to revenue.
struct UsageCharge {
  std::string charge_id;
  LineId line_id;
  int64_t rated_jpy = 0;    // > 0: the sum of the records' UsageOutcome::charge_jpy.
  int64_t charged_jpy = 0;  // 0..rated_jpy.
  int tax_rate_percent = 10;
  int64_t tax_jpy = 0;  // Included in charged_jpy.
  int64_t records = 0;  // Records that rated anything.
  Timestamp created_at;
};

// The charge for `rated_jpy` (tax included at `tax_rate_percent`) against a wallet holding
// `wallet_jpy`: charged_jpy = min(rated_jpy, max(wallet_jpy, 0)), tax_jpy = floor(charged_jpy ×
// rate / (100 + rate)) as on a receipt (tax.h). Ids, line, records and time are left to the caller.
// REQUIRES: rated_jpy > 0; tax_rate_percent is 0, 8 or 10.
UsageCharge ChargeUsage(int64_t rated_jpy, int64_t wallet_jpy, int tax_rate_percent);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_USAGE_H_
