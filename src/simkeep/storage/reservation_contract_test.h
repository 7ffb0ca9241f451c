#ifndef SIMKEEP_STORAGE_RESERVATION_CONTRACT_TEST_H_
#define SIMKEEP_STORAGE_RESERVATION_CONTRACT_TEST_H_

// The storage contract for quota reservations (app/ports.h, table reservations): more tests of
// StoreContractTest, included by each adapter's test file right after store_contract_test.h, so
// that they run on SQLite and PostgreSQL alike.

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/app/ports.h"
#include "simkeep/domain/reservation.h"
#include "simkeep/storage/store_contract_test.h"

namespace simkeep::storage::testing {

inline domain::Reservation SampleReservation(std::string id, std::string session,
                                             int64_t request_number, Timestamp at) {
  domain::Reservation reservation;
  reservation.id.value = std::move(id);
  reservation.line_id.value = "ln_1001";
  reservation.session_id = std::move(session);
  reservation.request_number = request_number;
  reservation.kind = domain::UsageKind::kData;
  reservation.requested = 1'000;
  reservation.grant.result = domain::GrantResult::kGranted;
  reservation.grant.tier = domain::GrantTier::kQuota;
  reservation.grant.granted = 800;
  reservation.grant.held = 800;
  reservation.grant.final_unit =
      domain::FinalUnit{domain::FinalUnitAction::kThrottle, std::optional<int>(300)};
  reservation.status = domain::ReservationStatus::kOpen;
  reservation.created_at = at;
  reservation.expires_at = at + std::chrono::seconds{300};
  reservation.answer = "{\"granted\":800}";
  return reservation;
}

inline std::string DumpReservation(const domain::Reservation& r) {
  std::ostringstream out;
  const domain::Grant& g = r.grant;
  out << r.id.value << "|" << r.line_id.value << "|" << r.session_id << "|" << r.request_number
      << "|" << domain::UsageKindName(r.kind) << "|"
      << (r.rating_group ? std::to_string(*r.rating_group) : "-") << "|" << r.requested << "|"
      << domain::GrantResultName(g.result) << "|" << domain::GrantTierName(g.tier) << "|"
      << g.granted << "|" << g.held << "|" << g.held_jpy << "|"
      << (g.speed_kbps ? std::to_string(*g.speed_kbps) : "-") << "|"
      << (g.final_unit ? domain::FinalUnitActionName(g.final_unit->action) : "-") << "|"
      << (g.final_unit && g.final_unit->speed_kbps ? std::to_string(*g.final_unit->speed_kbps)
                                                   : "-")
      << "|" << domain::ReservationStatusName(r.status) << "|" << ToMicros(r.created_at) << "|"
      << ToMicros(r.expires_at) << "|" << (r.used ? std::to_string(*r.used) : "-") << "|"
      << (r.closed_at ? std::to_string(ToMicros(*r.closed_at)) : "-") << "|" << r.answer << "|"
      << r.settle_answer;
  return out.str();
}

TEST_P(StoreContractTest, ReservationsRoundTripEveryFieldByIdAndByRequest) {
  InsertLines({1});
  domain::Reservation first = SampleReservation("rs_1", "pgw.example.jp;1;1", 0, At(10));
  domain::Reservation second = SampleReservation("rs_2", "pgw.example.jp;1;1", 1, At(20));
  second.kind = domain::UsageKind::kVoice;
  second.rating_group = 10;
  second.grant.held_jpy = 66;
  second.grant.tier = domain::GrantTier::kThrottled;
  second.grant.speed_kbps = 128;
  second.grant.final_unit = domain::FinalUnit{domain::FinalUnitAction::kBlock, std::nullopt};
  domain::Reservation denied = SampleReservation("rs_3", "pgw.example.jp;2;7", 0, At(30));
  denied.grant = domain::Grant{};
  denied.grant.result = domain::GrantResult::kCreditLimitReached;
  denied.status = domain::ReservationStatus::kReleased;
  denied.closed_at = At(30);
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertReservation(first)));
    ASSERT_TRUE(IsOk(transaction.InsertReservation(second)));
    ASSERT_TRUE(IsOk(transaction.InsertReservation(denied)));
  });
  Read([&](app::Transaction& transaction) {
    for (const domain::Reservation* expected : {&first, &second, &denied}) {
      Result<std::optional<domain::Reservation>> by_id = transaction.FindReservation(expected->id);
      ASSERT_TRUE(IsOk(by_id));
      ASSERT_TRUE(by_id->has_value());
      EXPECT_EQ(DumpReservation(**by_id), DumpReservation(*expected));
      Result<std::optional<domain::Reservation>> by_request =
          transaction.FindReservationByRequest(expected->session_id, expected->request_number);
      ASSERT_TRUE(IsOk(by_request));
      ASSERT_TRUE(by_request->has_value());
      EXPECT_EQ((*by_request)->id, expected->id);
    }
    Result<std::optional<domain::Reservation>> none =
        transaction.FindReservation(domain::ReservationId{"rs_missing"});
    ASSERT_TRUE(IsOk(none));
    EXPECT_FALSE(none->has_value());
    Result<std::optional<domain::Reservation>> other =
        transaction.FindReservationByRequest("pgw.example.jp;1;1", 2);
    ASSERT_TRUE(IsOk(other));
    EXPECT_FALSE(other->has_value());
  });
}

TEST_P(StoreContractTest, ReservationKeysGiveTheirReasons) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertReservation(SampleReservation("rs_1", "s;1", 0, At(0)))));
  });
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(
      IsError(session_->transaction().InsertReservation(SampleReservation("rs_1", "s;2", 0, At(0))),
              ErrorCode::kAlreadyExists, "reservation_exists"));
  EXPECT_TRUE(
      IsError(session_->transaction().InsertReservation(SampleReservation("rs_2", "s;1", 0, At(0))),
              ErrorCode::kAlreadyExists, "reservation_request_exists"));
  // The same id and the same request: the id is what is named.
  EXPECT_TRUE(
      IsError(session_->transaction().InsertReservation(SampleReservation("rs_1", "s;1", 0, At(0))),
              ErrorCode::kAlreadyExists, "reservation_exists"));
  // The same session with another request number is another request.
  EXPECT_TRUE(
      IsOk(session_->transaction().InsertReservation(SampleReservation("rs_3", "s;1", 1, At(0)))));
  ASSERT_TRUE(IsOk(session_->Rollback()));
  domain::Reservation orphan = SampleReservation("rs_9", "s;9", 0, At(0));
  orphan.line_id.value = "ln_nobody";
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().InsertReservation(orphan),
                      ErrorCode::kFailedPrecondition, "constraint_violation"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, SettlingAReservationWritesItsOutcome) {
  InsertLines({1});
  domain::Reservation reservation = SampleReservation("rs_1", "s;1", 0, At(0));
  Write([&](app::Transaction& transaction) {
    ASSERT_TRUE(IsOk(transaction.InsertReservation(reservation)));
    reservation.status = domain::ReservationStatus::kCommitted;
    reservation.used = 900;
    reservation.closed_at = At(60);
    reservation.settle_answer = "{\"used\":900}";
    ASSERT_TRUE(IsOk(transaction.SettleReservation(reservation)));
    domain::Reservation missing = reservation;
    missing.id.value = "rs_missing";
    EXPECT_TRUE(IsError(transaction.SettleReservation(missing), ErrorCode::kNotFound,
                        "reservation_not_found"));
  });
  Read([&](app::Transaction& transaction) {
    Result<std::optional<domain::Reservation>> stored = transaction.FindReservation(reservation.id);
    ASSERT_TRUE(IsOk(stored));
    ASSERT_TRUE(stored->has_value());
    EXPECT_EQ(DumpReservation(**stored), DumpReservation(reservation));
  });
  // The schema keeps a settled reservation consistent: committed with its units, open unclosed.
  domain::Reservation broken = reservation;
  broken.status = domain::ReservationStatus::kOpen;
  ASSERT_TRUE(IsOk(session_->Begin(false)));
  EXPECT_TRUE(IsError(session_->transaction().SettleReservation(broken),
                      ErrorCode::kFailedPrecondition, "constraint_violation"));
  ASSERT_TRUE(IsOk(session_->Rollback()));
}

TEST_P(StoreContractTest, HoldsSumOpenUnexpiredReservationsOfTheLineByKindAndTier) {
  InsertLines({1, 2});
  const auto make = [](const char* id, int64_t number, domain::UsageKind kind,
                       domain::GrantTier tier, int64_t granted, int64_t held, int64_t at,
                       int64_t held_jpy = 0) {
    domain::Reservation r = SampleReservation(id, "s;hold", number, At(at));
    r.kind = kind;
    r.grant.tier = tier;
    r.grant.granted = granted;
    r.grant.held = held;
    r.grant.held_jpy = held_jpy;
    return r;
  };
  Write([&](app::Transaction& transaction) {
    for (domain::Reservation r :
         {make("rs_1", 1, domain::UsageKind::kData, domain::GrantTier::kQuota, 100, 100, 0),
          make("rs_2", 2, domain::UsageKind::kData, domain::GrantTier::kQuota, 50, 50, 100),
          make("rs_3", 3, domain::UsageKind::kData, domain::GrantTier::kThrottled, 7, 7, 100),
          make("rs_4", 4, domain::UsageKind::kVoice, domain::GrantTier::kQuota, 300, 120, 100),
          make("rs_8", 8, domain::UsageKind::kVoice, domain::GrantTier::kRated, 61, 0, 100, 66),
          make("rs_9", 9, domain::UsageKind::kSms, domain::GrantTier::kRated, 3, 0, 100, 10),
          // Expired at 300 + 300: held no more at 600.
          make("rs_5", 5, domain::UsageKind::kData, domain::GrantTier::kQuota, 1000, 1000, 300)}) {
      ASSERT_TRUE(IsOk(transaction.InsertReservation(r)));
    }
    // Committed: holds nothing.
    domain::Reservation done =
        make("rs_6", 6, domain::UsageKind::kData, domain::GrantTier::kQuota, 999, 999, 100);
    ASSERT_TRUE(IsOk(transaction.InsertReservation(done)));
    done.status = domain::ReservationStatus::kCommitted;
    done.used = 1;
    done.closed_at = At(150);
    ASSERT_TRUE(IsOk(transaction.SettleReservation(done)));
    // Another line's.
    domain::Reservation other =
        make("rs_7", 7, domain::UsageKind::kData, domain::GrantTier::kQuota, 5, 5, 100);
    other.line_id.value = "ln_1002";
    ASSERT_TRUE(IsOk(transaction.InsertReservation(other)));
  });
  Read([&](app::Transaction& transaction) {
    Result<std::vector<domain::ReservationHold>> holds =
        transaction.ListReservationHolds(LineId{"ln_1001"}, At(350));
    ASSERT_TRUE(IsOk(holds));
    ASSERT_EQ(holds->size(), 5u);  // By kind, then tier (their names).
    EXPECT_EQ((*holds)[0].kind, domain::UsageKind::kData);
    EXPECT_EQ((*holds)[0].tier, domain::GrantTier::kQuota);
    EXPECT_EQ((*holds)[0].granted, 1050);  // rs_2 and rs_5; rs_1 expired at 300.
    EXPECT_EQ((*holds)[0].held, 1050);
    EXPECT_EQ((*holds)[1].tier, domain::GrantTier::kThrottled);
    EXPECT_EQ((*holds)[1].granted, 7);
    EXPECT_EQ((*holds)[2].kind, domain::UsageKind::kSms);
    EXPECT_EQ((*holds)[2].held_jpy, 10);
    EXPECT_EQ((*holds)[3].kind, domain::UsageKind::kVoice);
    EXPECT_EQ((*holds)[3].tier, domain::GrantTier::kQuota);
    EXPECT_EQ((*holds)[3].granted, 300);
    EXPECT_EQ((*holds)[3].held, 120);
    EXPECT_EQ((*holds)[3].held_jpy, 0);
    EXPECT_EQ((*holds)[4].tier, domain::GrantTier::kRated);
    EXPECT_EQ((*holds)[4].granted, 61);
    EXPECT_EQ((*holds)[4].held_jpy, 66);
    Result<std::vector<domain::ReservationHold>> later =
        transaction.ListReservationHolds(LineId{"ln_1001"}, At(600));
    ASSERT_TRUE(IsOk(later));
    EXPECT_TRUE(later->empty());  // Everything has expired by then.
  });
}

TEST_P(StoreContractTest, ExpiringReservationsMarksOnlyOpenOnesPastTheirValidityInBatches) {
  InsertLines({1});
  Write([](app::Transaction& transaction) {
    for (int n = 0; n < 5; ++n) {
      ASSERT_TRUE(IsOk(transaction.InsertReservation(
          SampleReservation("rs_" + std::to_string(n), "s;exp", n, At(n * 100)))));
    }
    domain::Reservation released = SampleReservation("rs_9", "s;exp", 9, At(0));
    released.status = domain::ReservationStatus::kReleased;
    released.closed_at = At(1);
    ASSERT_TRUE(IsOk(transaction.InsertReservation(released)));
  });
  // At 550, rs_0 (expires 300), rs_1 (400), rs_2 (500) are due, earliest first, two at a time.
  Write([](app::Transaction& transaction) {
    Result<int64_t> first = transaction.ExpireReservations(At(550), 2);
    ASSERT_TRUE(IsOk(first));
    EXPECT_EQ(*first, 2);
    Result<int64_t> second = transaction.ExpireReservations(At(550), 2);
    ASSERT_TRUE(IsOk(second));
    EXPECT_EQ(*second, 1);
    Result<int64_t> none = transaction.ExpireReservations(At(550), 2);
    ASSERT_TRUE(IsOk(none));
    EXPECT_EQ(*none, 0);
  });
  Read([](app::Transaction& transaction) {
    for (int n : {0, 1, 2, 3, 4, 9}) {
      Result<std::optional<domain::Reservation>> r =
          transaction.FindReservation(domain::ReservationId{"rs_" + std::to_string(n)});
      ASSERT_TRUE(IsOk(r));
      ASSERT_TRUE(r->has_value());
      if (n <= 2) {
        EXPECT_EQ((*r)->status, domain::ReservationStatus::kExpired) << n;
        ASSERT_TRUE((*r)->closed_at.has_value());
        EXPECT_EQ(ToMicros(*(*r)->closed_at), ToMicros((*r)->expires_at));  // When it expired.
      } else if (n == 9) {
        EXPECT_EQ((*r)->status, domain::ReservationStatus::kReleased);
        EXPECT_EQ(ToMicros(*(*r)->closed_at), ToMicros(At(1)));
      } else {
        EXPECT_EQ((*r)->status, domain::ReservationStatus::kOpen) << n;
      }
    }
  });
}

}  // namespace simkeep::storage::testing

#endif  // SIMKEEP_STORAGE_RESERVATION_CONTRACT_TEST_H_
