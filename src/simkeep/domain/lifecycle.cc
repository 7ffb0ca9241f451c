#include "simkeep/domain/lifecycle.h"

#include <algorithm>
#include <chrono>

namespace simkeep::domain {

std::chrono::days GraceLength(const KeepRule& rule) {
  return std::chrono::days{std::max(rule.grace_days, rule.keep_window_days)};
}

Timestamp SuspensionDueAt(Timestamp expires_at, const KeepRule& rule) {
  return expires_at + GraceLength(rule);
}

Timestamp TerminationDueAt(Timestamp expires_at, const KeepRule& rule) {
  return SuspensionDueAt(expires_at, rule) + std::chrono::days{rule.suspension_to_termination_days};
}

Timestamp NumberReleasedAt(Timestamp terminated_at, const KeepRule& rule) {
  return terminated_at + std::chrono::days{rule.number_quarantine_days};
}

bool UsageChargesKeepLine(const KeepRule& rule, int64_t charged_jpy) {
  return rule.activity_usage_charge_jpy_min > 0 && charged_jpy > rule.activity_usage_charge_jpy_min;
}

std::optional<LifecycleStep> NextLifecycleStep(LineState state, std::optional<Timestamp> expires_at,
                                               const KeepRule& rule, Timestamp now) {
  if (!expires_at || now < *expires_at) {
    return std::nullopt;
  }
  switch (state) {
    case LineState::kActive:
      return LifecycleStep{LineState::kGrace, "validity_ended"};
    case LineState::kGrace:
      if (now >= SuspensionDueAt(*expires_at, rule)) {
        return LifecycleStep{LineState::kSuspended, rule.keep_window_days > rule.grace_days
                                                        ? "keep_window_ended"
                                                        : "grace_ended"};
      }
      return std::nullopt;
    case LineState::kSuspended:
      if (now >= TerminationDueAt(*expires_at, rule)) {
        return LifecycleStep{LineState::kTerminated, "suspension_ended"};
      }
      return std::nullopt;
    case LineState::kInactive:
    case LineState::kTerminated:
    case LineState::kBarred:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace simkeep::domain
