#include "simkeep/domain/line_state.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "simkeep/base/assert.h"
#include "simkeep/base/error.h"

namespace simkeep::domain {
namespace {

constexpr std::array<LineState, 6> kAllStates = {
    LineState::kInactive,  LineState::kActive,     LineState::kGrace,
    LineState::kSuspended, LineState::kTerminated, LineState::kBarred,
};

bool Allowed(LineState from, LineState to) {
  if (from == to || from == LineState::kTerminated) {
    return false;
  }
  if (to == LineState::kBarred) {
    return true;  // Any live line can be put on hold.
  }
  switch (from) {
    case LineState::kInactive:
      return to == LineState::kActive || to == LineState::kTerminated;
    case LineState::kActive:
      return to == LineState::kGrace;
    case LineState::kGrace:
      return to == LineState::kActive || to == LineState::kSuspended;
    case LineState::kSuspended:
      return to == LineState::kActive || to == LineState::kTerminated;
    case LineState::kBarred:
      // The caller knows the state the line was barred from and releases it to that one.
      return to != LineState::kInactive;
    case LineState::kTerminated:
      return false;
  }
  return false;
}

}  // namespace

const char* LineStateName(LineState state) {
  switch (state) {
    case LineState::kInactive:
      return "inactive";
    case LineState::kActive:
      return "active";
    case LineState::kGrace:
      return "grace";
    case LineState::kSuspended:
      return "suspended";
    case LineState::kTerminated:
      return "terminated";
    case LineState::kBarred:
      return "barred";
  }
  SIMKEEP_UNREACHABLE();
}

std::optional<LineState> ParseLineState(std::string_view name) {
  for (LineState state : kAllStates) {
    if (name == LineStateName(state)) {
      return state;
    }
  }
  return std::nullopt;
}

Result<void> CheckTransition(LineState from, LineState to) {
  if (!Allowed(from, to)) {
    return FailedPrecondition("line_state_transition_invalid",
                              std::string("A line cannot go from ") + LineStateName(from) + " to " +
                                  LineStateName(to) + ".");
  }
  return Ok();
}

bool AcceptsRenewal(LineState state) {
  return state == LineState::kInactive || state == LineState::kActive ||
         state == LineState::kGrace || state == LineState::kSuspended;
}

bool AcceptsTopUp(LineState state) {
  return state != LineState::kTerminated && state != LineState::kBarred;
}

}  // namespace simkeep::domain
