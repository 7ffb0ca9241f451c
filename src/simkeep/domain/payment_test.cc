#include "simkeep/domain/payment.h"

#include <set>

#include <gtest/gtest.h>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

using S = PaymentStatus;
using M = PaymentMethod;

TEST(PaymentMethodTest, EveryNameRoundTrips) {
  std::set<std::string> names;
  for (PaymentMethod method : AllPaymentMethods()) {
    const std::string name = PaymentMethodName(method);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(ParsePaymentMethod(name), method);
  }
  EXPECT_EQ(names.size(), 12u);
  EXPECT_EQ(ParsePaymentMethod("Card"), std::nullopt);
  EXPECT_EQ(ParsePaymentMethod(""), std::nullopt);
  EXPECT_EQ(ParsePaymentMethod("credit_card"), std::nullopt);
}

TEST(PaymentMethodTest, FlowsAndRefundability) {
  EXPECT_EQ(FlowOf(M::kBalance), PaymentFlow::kInternal);
  EXPECT_EQ(FlowOf(M::kCash), PaymentFlow::kInternal);
  EXPECT_EQ(FlowOf(M::kVoucher), PaymentFlow::kInternal);
  EXPECT_EQ(FlowOf(M::kCard), PaymentFlow::kCard);
  EXPECT_EQ(FlowOf(M::kLinePay), PaymentFlow::kRedirect);
  EXPECT_EQ(FlowOf(M::kPayPal), PaymentFlow::kRedirect);
  EXPECT_EQ(FlowOf(M::kPayPay), PaymentFlow::kQrCode);
  EXPECT_EQ(FlowOf(M::kAlipay), PaymentFlow::kQrCode);
  EXPECT_EQ(FlowOf(M::kWeChatPay), PaymentFlow::kQrCode);
  EXPECT_EQ(FlowOf(M::kKonbini), PaymentFlow::kDeferred);
  EXPECT_EQ(FlowOf(M::kPayEasy), PaymentFlow::kDeferred);
  EXPECT_EQ(FlowOf(M::kBankTransfer), PaymentFlow::kDeferred);
  for (PaymentMethod method : AllPaymentMethods()) {
    const PaymentFlow flow = FlowOf(method);
    EXPECT_EQ(ThroughProvider(method), flow != PaymentFlow::kInternal) << PaymentMethodName(method);
    // Only what can go back where it came from is refundable: never cash, till payments or
    // stored balance.
    EXPECT_EQ(Refundable(method), flow == PaymentFlow::kCard || flow == PaymentFlow::kRedirect ||
                                      flow == PaymentFlow::kQrCode)
        << PaymentMethodName(method);
    EXPECT_EQ(ActionKindOf(method) == PaymentActionKind::kNone, flow == PaymentFlow::kInternal)
        << PaymentMethodName(method);
  }
  EXPECT_EQ(ActionKindOf(M::kKonbini), PaymentActionKind::kKonbini);
  EXPECT_EQ(ActionKindOf(M::kPayEasy), PaymentActionKind::kPayEasy);
  EXPECT_EQ(ActionKindOf(M::kBankTransfer), PaymentActionKind::kBankTransfer);
  EXPECT_EQ(ActionKindOf(M::kPayPay), PaymentActionKind::kQrCode);
  EXPECT_EQ(ActionKindOf(M::kCard), PaymentActionKind::kRedirect);  // 3-D Secure.
}

TEST(KonbiniStoreTest, TheSixStoresKomojuNames) {
  const char* expected[] = {"seven-eleven", "lawson",         "family-mart",
                            "ministop",     "daily-yamazaki", "seicomart"};
  ASSERT_EQ(AllKonbiniStores().size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_STREQ(KonbiniStoreName(AllKonbiniStores()[i]), expected[i]);
    EXPECT_EQ(ParseKonbiniStore(expected[i]), AllKonbiniStores()[i]);
  }
  EXPECT_EQ(ParseKonbiniStore("7-eleven"), std::nullopt);
  EXPECT_EQ(ParseKonbiniStore("familymart"), std::nullopt);
}

TEST(PaymentStatusTest, TransitionTableIsExactlyTheStateMachine) {
  const S all[] = {S::kPending, S::kRequiresAction, S::kSucceeded,
                   S::kFailed,  S::kCanceled,       S::kRefunded};
  const std::set<std::pair<S, S>> allowed = {
      {S::kPending, S::kRequiresAction},   {S::kPending, S::kSucceeded},
      {S::kPending, S::kFailed},           {S::kPending, S::kCanceled},
      {S::kRequiresAction, S::kSucceeded}, {S::kRequiresAction, S::kFailed},
      {S::kRequiresAction, S::kCanceled},  {S::kSucceeded, S::kRefunded},
  };
  for (S from : all) {
    for (S to : all) {
      EXPECT_EQ(CanTransition(from, to), allowed.count({from, to}) == 1)
          << PaymentStatusName(from) << " -> " << PaymentStatusName(to);
    }
    EXPECT_EQ(ParsePaymentStatus(PaymentStatusName(from)), from);
    EXPECT_EQ(IsOpen(from), from == S::kPending || from == S::kRequiresAction);
  }
}

TEST(DeferredDeadlineTest, ThreeDaysLaterAt235959Jst) {
  // 2026-11-22 12:00 JST -> 2026-11-25 23:59:59 JST.
  const Timestamp noon = *ParseRfc3339("2026-11-22T12:00:00+09:00");
  EXPECT_EQ(FormatRfc3339Jst(DeferredPaymentDeadline(noon)), "2026-11-25T23:59:59+09:00");
  // Just before midnight JST counts as that day; just after, the next.
  const Timestamp late = *ParseRfc3339("2026-11-22T23:59:59+09:00");
  EXPECT_EQ(FormatRfc3339Jst(DeferredPaymentDeadline(late)), "2026-11-25T23:59:59+09:00");
  const Timestamp after = *ParseRfc3339("2026-11-23T00:00:00+09:00");
  EXPECT_EQ(FormatRfc3339Jst(DeferredPaymentDeadline(after)), "2026-11-26T23:59:59+09:00");
  // 15:30 UTC is already the next JST day.
  const Timestamp utc = *ParseRfc3339("2026-11-22T15:30:00Z");
  EXPECT_EQ(FormatRfc3339Jst(DeferredPaymentDeadline(utc)), "2026-11-26T23:59:59+09:00");
  // Across a month end, a year end and a leap day.
  EXPECT_EQ(FormatRfc3339Jst(DeferredPaymentDeadline(*ParseRfc3339("2026-12-30T10:00:00+09:00"))),
            "2027-01-02T23:59:59+09:00");
  EXPECT_EQ(FormatRfc3339Jst(DeferredPaymentDeadline(*ParseRfc3339("2028-02-27T10:00:00+09:00"))),
            "2028-03-01T23:59:59+09:00");
  EXPECT_EQ(
      FormatRfc3339Jst(DeferredPaymentDeadline(*ParseRfc3339("2028-02-27T10:00:00+09:00"), 1)),
      "2028-02-28T23:59:59+09:00");
}

TEST(MethodOfferTest, ChannelsOfferWhatTheyCanTake) {
  // Cash only at a counter (the store, a partner shop, the CLI standing in for the counter).
  for (Channel channel :
       {Channel::kApi, Channel::kWeb, Channel::kApp, Channel::kKiosk, Channel::kSupport}) {
    EXPECT_EQ(FindOffer(channel, M::kCash), nullptr) << ChannelName(channel);
  }
  for (Channel channel : {Channel::kStore, Channel::kPartner, Channel::kCli}) {
    EXPECT_NE(FindOffer(channel, M::kCash), nullptr) << ChannelName(channel);
  }
  // A kiosk has no konbini, ATM or bank flow: the customer is standing at the machine.
  EXPECT_EQ(FindOffer(Channel::kKiosk, M::kKonbini), nullptr);
  EXPECT_EQ(FindOffer(Channel::kKiosk, M::kPayEasy), nullptr);
  EXPECT_NE(FindOffer(Channel::kKiosk, M::kPayPay), nullptr);
  // Online: every provider method.
  for (PaymentMethod method : AllPaymentMethods()) {
    if (ThroughProvider(method)) {
      EXPECT_NE(FindOffer(Channel::kWeb, method), nullptr) << PaymentMethodName(method);
    }
  }
  // Paying later at a till or ATM carries a fee; online methods do not.
  EXPECT_GT(FindOffer(Channel::kWeb, M::kKonbini)->fee_jpy, 0);
  EXPECT_GT(FindOffer(Channel::kWeb, M::kPayEasy)->fee_jpy, 0);
  EXPECT_EQ(FindOffer(Channel::kWeb, M::kCard)->fee_jpy, 0);
  // Balance never pays for a top-up, on any channel; no offer appears twice.
  for (Channel channel : {Channel::kApi, Channel::kWeb, Channel::kApp, Channel::kKiosk,
                          Channel::kStore, Channel::kPartner, Channel::kSupport, Channel::kCli}) {
    std::set<PaymentMethod> seen;
    for (const MethodOffer& offer : MethodsForChannel(channel)) {
      EXPECT_TRUE(seen.insert(offer.method).second);
      if (offer.method == M::kBalance) {
        EXPECT_FALSE(offer.for_topup);
        EXPECT_TRUE(offer.for_renewal);
      }
      EXPECT_GE(offer.fee_jpy, 0);
    }
  }
}

TEST(SavedMethodTest, OnlyCardsAreSavedAndStatusNamesRoundTrip) {
  for (PaymentMethod method : AllPaymentMethods()) {
    EXPECT_EQ(Savable(method), method == M::kCard) << PaymentMethodName(method);
  }
  std::set<std::string> names;
  for (SavedMethodStatus status : {SavedMethodStatus::kPending, SavedMethodStatus::kActive,
                                   SavedMethodStatus::kFailed, SavedMethodStatus::kRemoved}) {
    const std::string name = SavedMethodStatusName(status);
    EXPECT_TRUE(names.insert(name).second);
    EXPECT_EQ(ParseSavedMethodStatus(name), status);
  }
  EXPECT_EQ(ParseSavedMethodStatus("deleted"), std::nullopt);
}

TEST(SavedMethodTest, CardsExpireAfterTheLastDayOfTheirMonthInJst) {
  // A card "12/26" is good through 2026-12-31 23:59:59 JST.
  EXPECT_FALSE(CardExpired(12, 2026, *ParseRfc3339("2026-12-31T23:59:59+09:00")));
  EXPECT_TRUE(CardExpired(12, 2026, *ParseRfc3339("2027-01-01T00:00:00+09:00")));
  // 2026-12-31T15:00Z is already 2027-01-01 in Japan.
  EXPECT_TRUE(CardExpired(12, 2026, *ParseRfc3339("2026-12-31T15:00:00Z")));
  EXPECT_FALSE(CardExpired(12, 2026, *ParseRfc3339("2026-12-31T14:59:59Z")));
  // February of a leap year ends on the 29th.
  EXPECT_FALSE(CardExpired(2, 2028, *ParseRfc3339("2028-02-29T12:00:00+09:00")));
  EXPECT_TRUE(CardExpired(2, 2028, *ParseRfc3339("2028-03-01T00:00:00+09:00")));
  EXPECT_FALSE(CardExpired(2, 2027, *ParseRfc3339("2027-02-28T23:59:59+09:00")));
  EXPECT_TRUE(CardExpired(2, 2027, *ParseRfc3339("2027-03-01T00:00:00+09:00")));
  // Not a month: never usable.
  EXPECT_TRUE(CardExpired(0, 2030, *ParseRfc3339("2026-01-01T00:00:00+09:00")));
  EXPECT_TRUE(CardExpired(13, 2030, *ParseRfc3339("2026-01-01T00:00:00+09:00")));
}

TEST(SavedMethodTest, ChargeableOnlyOnItsLineWhileActiveAtItsProviderAndUnexpired) {
  SavedPaymentMethod saved;
  saved.id = SavedMethodId{"pm_1"};
  saved.line_id = LineId{"ln_1"};
  saved.provider = "sandbox";
  saved.status = SavedMethodStatus::kActive;
  saved.token = "tok_1";
  saved.card_last4 = "4242";
  saved.exp_month = 12;
  saved.exp_year = 2026;
  const Timestamp now = *ParseRfc3339("2026-12-02T10:00:00+09:00");
  EXPECT_TRUE(CheckSavedMethodForCharge(saved, LineId{"ln_1"}, "sandbox", now));

  Result<void> other_line = CheckSavedMethodForCharge(saved, LineId{"ln_2"}, "sandbox", now);
  ASSERT_FALSE(other_line);
  EXPECT_EQ(other_line.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(other_line.error().reason, "saved_method_not_found");
  for (SavedMethodStatus status :
       {SavedMethodStatus::kPending, SavedMethodStatus::kFailed, SavedMethodStatus::kRemoved}) {
    SavedPaymentMethod inactive = saved;
    inactive.status = status;
    Result<void> checked = CheckSavedMethodForCharge(inactive, LineId{"ln_1"}, "sandbox", now);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().reason, "saved_method_not_found");
  }
  Result<void> elsewhere = CheckSavedMethodForCharge(saved, LineId{"ln_1"}, "komoju", now);
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().reason, "saved_method_provider_mismatch");
  Result<void> expired = CheckSavedMethodForCharge(saved, LineId{"ln_1"}, "sandbox",
                                                   *ParseRfc3339("2027-01-01T00:00:00+09:00"));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(expired.error().reason, "saved_method_expired");
}

}  // namespace
}  // namespace simkeep::domain
