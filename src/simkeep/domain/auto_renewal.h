#ifndef SIMKEEP_DOMAIN_AUTO_RENEWAL_H_
#define SIMKEEP_DOMAIN_AUTO_RENEWAL_H_

// Automatic renewal: the customer's setting and the pure rules the scheduler follows (when a
// renewal is due, what the month's cap allows, when a failed payment is tried again).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"

namespace simkeep::domain {

// What pays an automatic renewal: the line's balance, or a card saved on the line.
inline constexpr std::string_view kPayFromBalance = "balance";

// A line's automatic renewal. While enabled, the line is renewed with `plan_id` `lead` before
// its validity ends, paid by `payment_method_id` ("balance" or a saved method's id), as long as
// the automatic renewals charged in the JST calendar month stay within `monthly_cap_jpy`.
// With `topup_plan_id` (a data topping) and `topup_below_bytes` set, the same switch, payment
// and cap also buy that topping once each time the data left falls below topup_below_bytes
// (automatic top-up; domain::FellBelow).
struct AutoRenewal {
  LineId line_id;
  bool enabled = false;
  PlanId plan_id;
  std::string payment_method_id;
  int64_t monthly_cap_jpy = 0;
  PlanId topup_plan_id;                      // Empty: no automatic top-up.
  std::optional<int64_t> topup_below_bytes;  // Set exactly when topup_plan_id is.
  Timestamp updated_at;
};

inline constexpr int64_t kAutoRenewalCapJpyMax = 1'000'000;
inline constexpr int64_t kTopupBelowBytesMax = 1'000'000'000'000;  // 1 TB.

// The scheduler_jobs kinds: an automatic renewal (period: the validity end it extends) and an
// automatic top-up (period: the instant the data left fell below the threshold).
inline constexpr std::string_view kAutoRenewalJob = "auto_renewal";
inline constexpr std::string_view kAutoTopupJob = "auto_topup";

// Whether the setting tops the line up automatically.
inline bool HasAutoTopup(const AutoRenewal& setting) {
  return setting.enabled && !setting.topup_plan_id.empty() && setting.topup_below_bytes;
}

// Checks a setting's own fields (the plans and the saved method are checked against storage by
// the caller). Reasons, all kInvalidArgument: "plan_id_required", "payment_method_id_required",
// "monthly_cap_invalid" (1..kAutoRenewalCapJpyMax), "auto_topup_incomplete" (only one of
// topup_plan_id and topup_below_bytes), "topup_below_bytes_invalid" (1..kTopupBelowBytesMax).
Result<void> ValidateAutoRenewal(const AutoRenewal& setting);

// When the renewal of a validity ending at `expires_at` falls due: `lead` before it.
inline Timestamp AutoRenewalDueAt(Timestamp expires_at, std::chrono::minutes lead) {
  return expires_at - lead;
}

// The natural key of one automatic renewal: the line and the validity end it extends. A job
// with this key runs once, however often the scheduler finds it due.
std::string AutoRenewalKey(const LineId& line_id, Timestamp expires_at);

// The first instant of the JST calendar month holding `t`, and of the next one.
Timestamp JstMonthStart(Timestamp t);
Timestamp JstNextMonthStart(Timestamp t);

// Whether a renewal costing `price_jpy` fits the month's cap after `charged_jpy` already
// charged by automatic renewals this month. kFailedPrecondition "auto_renewal_cap_reached".
Result<void> CheckMonthlyCap(int64_t charged_jpy, int64_t price_jpy, int64_t monthly_cap_jpy);

// When a failed automatic renewal is tried again: after the 1st failure +1 h, after the 2nd
// +1 day, after the 3rd +3 days (from the failure); after the 4th, never (nullopt).
std::optional<Timestamp> NextRetryAt(int failures, Timestamp failed_at);
inline constexpr int kAutoRenewalAttemptsMax = 4;

// A scheduled job's state (see the scheduler_jobs table). running: started, an order placed
// and its payment maybe still open; retrying: the last attempt failed and another is due;
// done; skipped: not attempted (the cap, the setting off, the line renewed otherwise); failed:
// every attempt failed.
enum class JobStatus { kRunning, kRetrying, kDone, kSkipped, kFailed };
const char* JobStatusName(JobStatus status);  // "running", "retrying", "done", ...
std::optional<JobStatus> ParseJobStatus(std::string_view text);

// One piece of scheduled work, keyed by (kind, line, period_end).
struct SchedulerJob {
  std::string kind = "auto_renewal";
  LineId line_id;
  Timestamp period_end;  // An automatic renewal's: the validity end it extends.
  JobStatus status = JobStatus::kRunning;
  OrderId order_id;        // The order it placed, once it placed one.
  int64_t amount_jpy = 0;  // What it charges (counted against the monthly cap).
  int attempts = 0;        // Attempts that failed.
  std::optional<Timestamp> next_attempt_at;
  std::string reason;  // Why it was skipped or its last attempt failed.
  Timestamp created_at;
  Timestamp updated_at;
};

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_AUTO_RENEWAL_H_
