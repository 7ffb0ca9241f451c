#ifndef SIMKEEP_DOMAIN_LIFECYCLE_H_
#define SIMKEEP_DOMAIN_LIFECYCLE_H_

// When a line whose validity ended moves on through its carrier's keep rule: active → grace at
// the validity end, grace → suspended `grace_days` later, suspended → terminated
// `suspension_to_termination_days` after that. Each date follows from the validity end and the
// rule, not from when a step was taken, so a scheduler that runs late or twice takes the same
// steps. A renewal (or a paid restore) moves the validity end and so every date.

#include <optional>
#include <string>

#include "simkeep/base/clock.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/domain/line_state.h"

namespace simkeep::domain {

struct LifecycleStep {
  LineState to = LineState::kGrace;
  std::string reason;  // "validity_ended", "grace_ended", "suspension_ended".
};

// The dates of a validity end under `rule`.
Timestamp SuspensionDueAt(Timestamp expires_at, const KeepRule& rule);
Timestamp TerminationDueAt(Timestamp expires_at, const KeepRule& rule);

// The one step a line in `state` with validity end `expires_at` takes at `now`, or nullopt when
// it stays (not due yet; no validity end; inactive, terminated or barred). Apply steps one at a
// time until nullopt: a line long expired goes active → grace → suspended → terminated, each
// step a transition domain::CheckTransition allows.
std::optional<LifecycleStep> NextLifecycleStep(LineState state, std::optional<Timestamp> expires_at,
                                               const KeepRule& rule, Timestamp now);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_LIFECYCLE_H_
