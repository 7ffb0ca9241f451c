#include "simkeep/domain/auto_renewal.h"

#include <array>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

constexpr std::array<const char*, 5> kJobStatusNames = {"running", "retrying", "done", "skipped",
                                                        "failed"};

}  // namespace

const char* JobStatusName(JobStatus status) { return kJobStatusNames[static_cast<size_t>(status)]; }

std::optional<JobStatus> ParseJobStatus(std::string_view text) {
  for (size_t i = 0; i < kJobStatusNames.size(); ++i) {
    if (text == kJobStatusNames[i]) {
      return static_cast<JobStatus>(i);
    }
  }
  return std::nullopt;
}

Result<void> ValidateAutoRenewal(const AutoRenewal& setting) {
  if (setting.plan_id.empty()) {
    return InvalidArgument("plan_id_required", "Automatic renewal needs plan_id.");
  }
  if (setting.payment_method_id.empty()) {
    return InvalidArgument("payment_method_id_required",
                           "Automatic renewal needs payment_method_id: \"balance\" or a saved "
                           "card's id.");
  }
  if (setting.monthly_cap_jpy < 1 || setting.monthly_cap_jpy > kAutoRenewalCapJpyMax) {
    return InvalidArgument(
        "monthly_cap_invalid",
        "monthly_cap_jpy must be between 1 and " + std::to_string(kAutoRenewalCapJpyMax) + " yen.");
  }
  if (setting.topup_plan_id.empty() != !setting.topup_below_bytes.has_value()) {
    return InvalidArgument("auto_topup_incomplete",
                           "Automatic top-up needs both topup_plan_id and topup_below_bytes, or "
                           "neither.");
  }
  if (setting.topup_below_bytes &&
      (*setting.topup_below_bytes < 1 || *setting.topup_below_bytes > kTopupBelowBytesMax)) {
    return InvalidArgument("topup_below_bytes_invalid", "topup_below_bytes must be between 1 and " +
                                                            std::to_string(kTopupBelowBytesMax) +
                                                            " bytes.");
  }
  return Ok();
}

std::string AutoRenewalKey(const LineId& line_id, Timestamp expires_at) {
  return line_id.value + "@" + std::to_string(ToMicros(expires_at));
}

Timestamp JstMonthStart(Timestamp t) {
  const std::chrono::year_month_day day = JstDate(t);
  return JstStartOfDay(day.year() / day.month() / std::chrono::day{1});
}

Timestamp JstNextMonthStart(Timestamp t) {
  const std::chrono::year_month_day day = JstDate(t);
  const std::chrono::year_month next = day.year() / day.month() + std::chrono::months{1};
  return JstStartOfDay(next / std::chrono::day{1});
}

Result<void> CheckMonthlyCap(int64_t charged_jpy, int64_t price_jpy, int64_t monthly_cap_jpy) {
  if (charged_jpy + price_jpy > monthly_cap_jpy) {
    return FailedPrecondition("auto_renewal_cap_reached",
                              "Renewing for " + std::to_string(price_jpy) +
                                  " yen would take this "
                                  "month's automatic renewals to " +
                                  std::to_string(charged_jpy + price_jpy) +
                                  " yen, above the cap of " + std::to_string(monthly_cap_jpy) +
                                  " yen.");
  }
  return Ok();
}

std::optional<Timestamp> NextRetryAt(int failures, Timestamp failed_at) {
  using namespace std::chrono;
  switch (failures) {
    case 1:
      return failed_at + hours{1};
    case 2:
      return failed_at + days{1};
    case 3:
      return failed_at + days{3};
    default:
      return std::nullopt;
  }
}

}  // namespace simkeep::domain
