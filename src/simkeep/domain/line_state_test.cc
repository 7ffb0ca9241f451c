#include "simkeep/domain/line_state.h"

#include <array>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace simkeep::domain {
namespace {

using State = LineState;

constexpr std::array<State, 6> kAllStates = {State::kInactive,  State::kActive,     State::kGrace,
                                             State::kSuspended, State::kTerminated, State::kBarred};

TEST(LineStateTest, NamesRoundTrip) {
  const std::vector<std::pair<State, std::string>> names = {
      {State::kInactive, "inactive"},     {State::kActive, "active"},
      {State::kGrace, "grace"},           {State::kSuspended, "suspended"},
      {State::kTerminated, "terminated"}, {State::kBarred, "barred"},
  };
  for (const auto& [state, name] : names) {
    EXPECT_EQ(LineStateName(state), name);
    EXPECT_EQ(ParseLineState(name), state);
  }
}

TEST(LineStateTest, ParseRejectsAnythingButExactNames) {
  for (const char* text :
       {"", "Active", "ACTIVE", " active", "active ", "activ", "actived", "unknown", "kActive"}) {
    EXPECT_EQ(ParseLineState(text), std::nullopt) << text;
  }
}

TEST(LineStateTest, AllowsExactlyTheLifecycleTransitions) {
  const std::set<std::pair<State, State>> allowed = {
      {State::kInactive, State::kActive},   {State::kInactive, State::kTerminated},
      {State::kInactive, State::kBarred},   {State::kActive, State::kGrace},
      {State::kActive, State::kBarred},     {State::kGrace, State::kActive},
      {State::kGrace, State::kSuspended},   {State::kGrace, State::kBarred},
      {State::kSuspended, State::kActive},  {State::kSuspended, State::kTerminated},
      {State::kSuspended, State::kBarred},  {State::kBarred, State::kActive},
      {State::kBarred, State::kGrace},      {State::kBarred, State::kSuspended},
      {State::kBarred, State::kTerminated},
  };
  for (State from : kAllStates) {
    for (State to : kAllStates) {
      const Result<void> result = CheckTransition(from, to);
      const std::string pair = std::string(LineStateName(from)) + " -> " + LineStateName(to);
      if (allowed.contains({from, to})) {
        EXPECT_TRUE(result) << pair;
      } else {
        ASSERT_FALSE(result) << pair;
        EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
        EXPECT_EQ(result.error().reason, "line_state_transition_invalid");
        EXPECT_NE(result.error().message.find(LineStateName(from)), std::string::npos);
        EXPECT_NE(result.error().message.find(LineStateName(to)), std::string::npos);
      }
    }
  }
}

TEST(LineStateTest, TerminatedIsFinal) {
  for (State to : kAllStates) {
    EXPECT_FALSE(CheckTransition(State::kTerminated, to)) << LineStateName(to);
  }
}

TEST(LineStateTest, AcceptsRenewalWhileTheLineCanStillBeKept) {
  EXPECT_TRUE(AcceptsRenewal(State::kInactive));
  EXPECT_TRUE(AcceptsRenewal(State::kActive));
  EXPECT_TRUE(AcceptsRenewal(State::kGrace));
  EXPECT_TRUE(AcceptsRenewal(State::kSuspended));
  EXPECT_FALSE(AcceptsRenewal(State::kTerminated));
  EXPECT_FALSE(AcceptsRenewal(State::kBarred));
}

TEST(LineStateTest, AcceptsTopUpUnlessTerminatedOrBarred) {
  EXPECT_TRUE(AcceptsTopUp(State::kInactive));
  EXPECT_TRUE(AcceptsTopUp(State::kActive));
  EXPECT_TRUE(AcceptsTopUp(State::kGrace));
  EXPECT_TRUE(AcceptsTopUp(State::kSuspended));
  EXPECT_FALSE(AcceptsTopUp(State::kTerminated));
  EXPECT_FALSE(AcceptsTopUp(State::kBarred));
}

}  // namespace
}  // namespace simkeep::domain
