#ifndef SIMKEEP_DOMAIN_LINE_STATE_H_
#define SIMKEEP_DOMAIN_LINE_STATE_H_

// The lifecycle of a line (one SIM or eSIM subscription) under number keeping, and which
// transitions between its states are allowed. Pure functions over an enum; thread-safe.
//
//   inactive --> active --> grace --> suspended --> terminated
//      |           ^          |           |
//      |           +----------+ renewed   |
//      |           ^                      |
//      |           +----------------------+ paid restore
//      +-------------------------------------------> terminated (never activated in time)
//
// Any state but terminated may go to barred (an operator hold for fraud or KYC); a barred line
// is released to active, grace, suspended or terminated, and the caller, which recorded where
// the line came from, chooses which. When each transition happens (grace days, keep-rule
// windows) is per-carrier data decided elsewhere; this file only says what may follow what.

#include <optional>
#include <string_view>

#include "simkeep/base/result.h"

namespace simkeep::domain {

enum class LineState {
  kInactive,    // Sold but not yet activated; it has an activate-by date.
  kActive,      // In service.
  kGrace,       // Validity ended: receive-only or lowest-speed data; still renewable.
  kSuspended,   // The keep-rule window passed without paid activity; restorable by paying.
  kTerminated,  // Final. The number goes to quarantine.
  kBarred,      // Operator hold (fraud, KYC); released only by staff.
};

// "inactive", "active", "grace", "suspended", "terminated" or "barred": the API's names.
const char* LineStateName(LineState state);

// The state whose LineStateName() is exactly `name` (lower case), or nullopt.
std::optional<LineState> ParseLineState(std::string_view name);

// Whether a line may move from `from` to `to`. Allowed:
//   inactive   -> active, terminated (never activated before its activate-by date), barred;
//   active     -> grace, barred;
//   grace      -> active (renewed), suspended, barred;
//   suspended  -> active (paid restore), terminated, barred;
//   barred     -> active, grace, suspended, terminated;
//   terminated -> nothing.
// Staying in the same state is not a transition and is rejected.
// Returns success, or an Error with code kFailedPrecondition and reason
// "line_state_transition_invalid" naming both states.
Result<void> CheckTransition(LineState from, LineState to);

// Whether a renewal may be bought for a line in `state`: active, grace, suspended (the renewal
// restores it) and inactive (the renewal activates it). Not terminated or barred lines.
bool AcceptsRenewal(LineState state);

// Whether a top-up may be credited to a line in `state`: every state but terminated and barred.
bool AcceptsTopUp(LineState state);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_LINE_STATE_H_
