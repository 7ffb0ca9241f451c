#ifndef SIMKEEP_DOMAIN_LIFECYCLE_H_
#define SIMKEEP_DOMAIN_LIFECYCLE_H_

// When a line whose validity ended moves on through its carrier's keep rule: active → grace at
// the validity end; grace → suspended when the grace period or the keep window, whichever is
// longer, has passed since it; suspended → terminated `suspension_to_termination_days` after
// that; and the terminated line's number is held in quarantine `number_quarantine_days` before
// it may be given to another line. Each date follows from the validity end and the rule, not
// from when a step was taken, so a scheduler that runs late or twice takes the same steps. A
// renewal (or a paid restore) moves the validity end and so every date.
//
// The keep window (povo, Rakuten: 180 days with no paid activity) counts from the end of the
// last paid validity, the day after the last paid topping expired, so for a line on an
// open-ended base plan the time it was attached to it. Usage charges above the rule's
// activity_usage_charge_jpy_min paid within a window keep the line (UsageChargesKeepLine): the
// scheduler then starts the next window at the end of that one, by moving the line's validity
// end there (a line in grace counts its keep window from its validity end).

#include <chrono>
#include <optional>
#include <string>

#include "simkeep/base/clock.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/domain/line_state.h"

namespace simkeep::domain {

struct LifecycleStep {
  LineState to = LineState::kGrace;
  // "validity_ended"; "grace_ended", or "keep_window_ended" when the keep window is the longer;
  // "suspension_ended".
  std::string reason;
};

// How long a line stays in grace after its validity ends under `rule`: the grace period or the
// keep window, whichever is longer. The suspension reminders count back from its end.
std::chrono::days GraceLength(const KeepRule& rule);

// The dates of a validity end under `rule`: suspension GraceLength(rule) after it, termination
// suspension_to_termination_days later.
Timestamp SuspensionDueAt(Timestamp expires_at, const KeepRule& rule);
Timestamp TerminationDueAt(Timestamp expires_at, const KeepRule& rule);

// Whether usage charges of `charged_jpy` paid within one keep window keep the line past that
// window's end: the rule has an activity_usage_charge_jpy_min (povo: ¥660) and the charges are
// above it (DOMAIN.md §3.1).
bool UsageChargesKeepLine(const KeepRule& rule, int64_t charged_jpy);

// When the number of a line terminated at `terminated_at` leaves quarantine and may be given to
// another line.
Timestamp NumberReleasedAt(Timestamp terminated_at, const KeepRule& rule);

// The one step a line in `state` with validity end `expires_at` takes at `now`, or nullopt when
// it stays (not due yet; no validity end; inactive, terminated or barred). Apply steps one at a
// time until nullopt: a line long expired goes active → grace → suspended → terminated, each
// step a transition domain::CheckTransition allows.
std::optional<LifecycleStep> NextLifecycleStep(LineState state, std::optional<Timestamp> expires_at,
                                               const KeepRule& rule, Timestamp now);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_LIFECYCLE_H_
