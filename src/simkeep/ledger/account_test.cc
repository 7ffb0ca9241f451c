#include "simkeep/ledger/account.h"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "simkeep/base/clock.h"
#include "simkeep/ledger/transfer.h"

namespace simkeep::ledger {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

TEST(AccountKindTest, NamesRoundTrip) {
  for (AccountKind kind :
       {AccountKind::kCustomerWallet, AccountKind::kProviderClearing, AccountKind::kRevenue,
        AccountKind::kTaxPayable, AccountKind::kVoucherLiability, AccountKind::kPartnerPayable}) {
    EXPECT_EQ(ParseAccountKind(AccountKindName(kind)), kind);
  }
  EXPECT_EQ(AccountKindName(AccountKind::kCustomerWallet), "customer_wallet");
  EXPECT_EQ(AccountKindName(AccountKind::kProviderClearing), "provider_clearing");
  EXPECT_EQ(AccountKindName(AccountKind::kRevenue), "revenue");
  EXPECT_EQ(AccountKindName(AccountKind::kTaxPayable), "tax_payable");
  EXPECT_EQ(AccountKindName(AccountKind::kVoucherLiability), "voucher_liability");
  EXPECT_EQ(AccountKindName(AccountKind::kPartnerPayable), "partner_payable");
}

TEST(AccountKindTest, ParseRejectsUnknownNames) {
  EXPECT_FALSE(ParseAccountKind(""));
  EXPECT_FALSE(ParseAccountKind("wallet"));
  EXPECT_FALSE(ParseAccountKind("Customer_Wallet"));
  EXPECT_FALSE(ParseAccountKind("customer_wallet "));
}

TEST(AccountTest, LiabilitiesCustomersSpendCannotGoBelowZero) {
  for (AccountKind kind : {AccountKind::kCustomerWallet, AccountKind::kVoucherLiability,
                           AccountKind::kPartnerPayable}) {
    const AccountFlags flags = DefaultAccountFlags(kind);
    EXPECT_TRUE(flags.debits_must_not_exceed_credits) << AccountKindName(kind);
    EXPECT_FALSE(flags.credits_must_not_exceed_debits) << AccountKindName(kind);
  }
  for (AccountKind kind :
       {AccountKind::kProviderClearing, AccountKind::kRevenue, AccountKind::kTaxPayable}) {
    EXPECT_EQ(DefaultAccountFlags(kind), AccountFlags{}) << AccountKindName(kind);
  }
}

TEST(AccountTest, MakeAccountStartsAtZeroInYen) {
  const Account account = MakeAccount(AccountId{"ac_wallet"}, AccountKind::kCustomerWallet);
  EXPECT_EQ(account.id.value, "ac_wallet");
  EXPECT_EQ(account.kind, AccountKind::kCustomerWallet);
  EXPECT_EQ(account.currency, Currency::kJpy);
  EXPECT_TRUE(account.flags.debits_must_not_exceed_credits);
  EXPECT_EQ(account.debits_pending, 0);
  EXPECT_EQ(account.debits_posted, 0);
  EXPECT_EQ(account.credits_pending, 0);
  EXPECT_EQ(account.credits_posted, 0);
}

TEST(AccountTest, BalancesCountPendingDebitsOnlyWhenAvailable) {
  Account account = MakeAccount(AccountId{"ac_wallet"}, AccountKind::kCustomerWallet);
  account.credits_posted = 1000;
  account.debits_posted = 300;
  account.debits_pending = 200;
  account.credits_pending = 50;  // A top-up in flight is not spendable yet.
  EXPECT_EQ(CreditBalance(account), 700);
  EXPECT_EQ(AvailableCreditBalance(account), 500);
  EXPECT_EQ(DebitBalance(account), -700);
}

TEST(AccountTest, FlagsHoldCountsPendingDebits) {
  Account account = MakeAccount(AccountId{"ac_wallet"}, AccountKind::kCustomerWallet);
  account.credits_posted = 100;
  account.debits_posted = 60;
  account.debits_pending = 40;
  EXPECT_TRUE(FlagsHold(account));
  account.debits_pending = 41;
  EXPECT_FALSE(FlagsHold(account));
}

TEST(AccountTest, FlagsHoldCountsPendingCreditsOnTheMirrorFlag) {
  Account account = MakeAccount(AccountId{"ac_asset"}, AccountKind::kProviderClearing);
  account.flags.credits_must_not_exceed_debits = true;
  account.debits_posted = 100;
  account.credits_pending = 100;
  EXPECT_TRUE(FlagsHold(account));
  account.credits_posted = 1;
  EXPECT_FALSE(FlagsHold(account));
}

TEST(AccountTest, FlagsHoldRejectsCorruptValuesWithoutOverflow) {
  Account account = MakeAccount(AccountId{"ac_wallet"}, AccountKind::kCustomerWallet);
  account.credits_posted = kInt64Max;
  account.debits_posted = kInt64Max;
  account.debits_pending = kInt64Max;
  EXPECT_FALSE(FlagsHold(account));
  account.debits_pending = 0;
  EXPECT_TRUE(FlagsHold(account));
  account.credits_pending = -1;
  EXPECT_FALSE(FlagsHold(account));
  Account both = MakeAccount(AccountId{"ac_both"}, AccountKind::kRevenue);
  both.flags = AccountFlags{true, true};
  EXPECT_FALSE(FlagsHold(both));
}

TEST(TransferKindTest, NamesRoundTrip) {
  for (TransferKind kind : {TransferKind::kPosted, TransferKind::kPending,
                            TransferKind::kPostPending, TransferKind::kVoidPending}) {
    EXPECT_EQ(ParseTransferKind(TransferKindName(kind)), kind);
  }
  EXPECT_EQ(TransferKindName(TransferKind::kPostPending), "post_pending");
  EXPECT_FALSE(ParseTransferKind("commit"));
}

TEST(PendingStatusTest, NamesRoundTrip) {
  for (PendingStatus status :
       {PendingStatus::kNone, PendingStatus::kPending, PendingStatus::kPosted,
        PendingStatus::kVoided, PendingStatus::kExpired}) {
    EXPECT_EQ(ParsePendingStatus(PendingStatusName(status)), status);
  }
  EXPECT_EQ(PendingStatusName(PendingStatus::kVoided), "voided");
  EXPECT_FALSE(ParsePendingStatus("void"));
}

TEST(TransferTest, TimeoutStartsAtTimeoutAt) {
  Transfer hold;
  hold.kind = TransferKind::kPending;
  EXPECT_FALSE(HasTimeout(hold));
  EXPECT_FALSE(IsTimedOut(hold, FromMicros(kInt64Max)));
  hold.timeout_at = FromMicros(1'000);
  EXPECT_TRUE(HasTimeout(hold));
  EXPECT_FALSE(IsTimedOut(hold, FromMicros(999)));
  EXPECT_TRUE(IsTimedOut(hold, FromMicros(1'000)));
}

}  // namespace
}  // namespace simkeep::ledger
