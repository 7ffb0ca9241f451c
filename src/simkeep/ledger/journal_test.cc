#include "simkeep/ledger/journal.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "simkeep/ledger/audit.h"
#include "simkeep/ledger/limits.h"

namespace simkeep::ledger {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

constexpr Timestamp kStart{std::chrono::microseconds{1'767'225'600'000'000}};  // 2026-01-01Z

Transfer Posted(const std::string& id, const std::string& debit, const std::string& credit,
                int64_t amount) {
  Transfer transfer;
  transfer.id = TransferId{id};
  transfer.debit_account_id = AccountId{debit};
  transfer.credit_account_id = AccountId{credit};
  transfer.amount = Money::Yen(amount);
  transfer.kind = TransferKind::kPosted;
  transfer.code = "test";
  return transfer;
}

Transfer Hold(const std::string& id, const std::string& debit, const std::string& credit,
              int64_t amount, Timestamp timeout_at = Timestamp{}) {
  Transfer transfer = Posted(id, debit, credit, amount);
  transfer.kind = TransferKind::kPending;
  transfer.timeout_at = timeout_at;
  return transfer;
}

Transfer Settle(TransferKind kind, const std::string& id, const std::string& pending_id,
                const std::string& debit, const std::string& credit, int64_t amount) {
  Transfer transfer = Posted(id, debit, credit, amount);
  transfer.kind = kind;
  transfer.pending_id = TransferId{pending_id};
  return transfer;
}

Transfer PostHold(const std::string& id, const std::string& pending_id, const std::string& debit,
                  const std::string& credit, int64_t amount = 0) {
  return Settle(TransferKind::kPostPending, id, pending_id, debit, credit, amount);
}

Transfer VoidHold(const std::string& id, const std::string& pending_id, const std::string& debit,
                  const std::string& credit, int64_t amount = 0) {
  return Settle(TransferKind::kVoidPending, id, pending_id, debit, credit, amount);
}

// A journal with one account of each kind; "wallet" and "voucher" may not go below zero.
class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        journal_.CreateAccount(MakeAccount(AccountId{"clearing"}, AccountKind::kProviderClearing)));
    ASSERT_TRUE(
        journal_.CreateAccount(MakeAccount(AccountId{"wallet"}, AccountKind::kCustomerWallet)));
    ASSERT_TRUE(journal_.CreateAccount(MakeAccount(AccountId{"revenue"}, AccountKind::kRevenue)));
    ASSERT_TRUE(journal_.CreateAccount(MakeAccount(AccountId{"tax"}, AccountKind::kTaxPayable)));
    ASSERT_TRUE(
        journal_.CreateAccount(MakeAccount(AccountId{"voucher"}, AccountKind::kVoucherLiability)));
  }

  // Tops the wallet up by `amount` from provider clearing.
  void Fund(int64_t amount) {
    const std::string id = "fund_" + std::to_string(next_fund_++);
    ASSERT_TRUE(journal_.Submit(Posted(id, "clearing", "wallet", amount), kStart));
  }

  // Submits `transfer` at kStart and returns the rejection reason ("" on success).
  std::string Reason(const Transfer& transfer, Timestamp now = kStart) {
    Result<void> result = journal_.Submit(transfer, now);
    return result ? "" : result.error().reason;
  }

  const Account& Get(const std::string& id) { return *journal_.FindAccount(AccountId{id}); }
  int64_t WalletBalance() { return *journal_.Balance(AccountId{"wallet"}); }
  int64_t WalletAvailable() { return *journal_.AvailableBalance(AccountId{"wallet"}); }
  PendingStatus Status(const std::string& id) { return journal_.StatusOf(TransferId{id}); }

  Journal journal_;
  int next_fund_ = 0;
};

TEST_F(JournalTest, TopUpCreditsTheWallet) {
  Fund(3000);
  EXPECT_EQ(WalletBalance(), 3000);
  EXPECT_EQ(Get("clearing").debits_posted, 3000);
  EXPECT_EQ(Get("wallet").credits_posted, 3000);
  ASSERT_EQ(journal_.Transfers().size(), 1U);
  EXPECT_EQ(journal_.Transfers()[0].created_at, kStart);
  journal_.AssertInvariants();
}

TEST_F(JournalTest, RejectsNonPositiveAmounts) {
  Result<void> zero = journal_.Submit(Posted("t1", "clearing", "wallet", 0), kStart);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().reason, "amount_not_positive");
  EXPECT_EQ(zero.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Reason(Posted("t2", "clearing", "wallet", -5)), "amount_not_positive");
  EXPECT_EQ(Reason(Hold("t3", "clearing", "wallet", 0)), "amount_not_positive");
  EXPECT_EQ(Reason(PostHold("t4", "h", "clearing", "wallet", -1)), "amount_not_positive");
  EXPECT_TRUE(journal_.Transfers().empty());
}

TEST_F(JournalTest, AcceptsTheLargestAmountAndNoMore) {
  EXPECT_EQ(Reason(Posted("t1", "clearing", "revenue", kMoneyMinorMax + 1)), "amount_too_large");
  EXPECT_EQ(Reason(Posted("t2", "clearing", "revenue", kMoneyMinorMax)), "");
}

TEST_F(JournalTest, RejectsTransferToTheSameAccount) {
  Fund(100);
  EXPECT_EQ(Reason(Posted("t1", "wallet", "wallet", 10)), "accounts_must_be_different");
}

TEST_F(JournalTest, RejectsUnknownAccounts) {
  Result<void> debit = journal_.Submit(Posted("t1", "nobody", "wallet", 10), kStart);
  ASSERT_FALSE(debit);
  EXPECT_EQ(debit.error().reason, "debit_account_not_found");
  EXPECT_EQ(debit.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Reason(Posted("t2", "clearing", "nobody", 10)), "credit_account_not_found");
}

TEST_F(JournalTest, RejectsCurrencyMismatch) {
  Account other = MakeAccount(AccountId{"other"}, AccountKind::kRevenue);
  other.currency = static_cast<Currency>(1);  // A currency simkeep does not have yet.
  ASSERT_TRUE(journal_.CreateAccount(other));
  EXPECT_EQ(Reason(Posted("t1", "clearing", "other", 10)), "account_currency_mismatch");
  Transfer foreign_amount = Posted("t2", "clearing", "revenue", 10);
  foreign_amount.amount.currency = static_cast<Currency>(1);
  EXPECT_EQ(Reason(foreign_amount), "account_currency_mismatch");
}

TEST_F(JournalTest, WalletCannotSpendMoreThanItHolds) {
  Fund(1000);
  Result<void> over = journal_.Submit(Posted("t1", "wallet", "revenue", 1001), kStart);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().reason, "insufficient_balance");
  EXPECT_EQ(over.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Reason(Posted("t2", "wallet", "revenue", 1000)), "");
  EXPECT_EQ(WalletBalance(), 0);
  EXPECT_EQ(Reason(Posted("t3", "wallet", "revenue", 1)), "insufficient_balance");
}

TEST_F(JournalTest, PendingDebitsCountAgainstTheWallet) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 800)), "");
  EXPECT_EQ(WalletBalance(), 1000);
  EXPECT_EQ(WalletAvailable(), 200);
  EXPECT_EQ(Reason(Posted("t1", "wallet", "revenue", 201)), "insufficient_balance");
  EXPECT_EQ(Reason(Hold("h2", "wallet", "revenue", 201)), "insufficient_balance");
  EXPECT_EQ(Reason(Hold("h3", "wallet", "revenue", 200)), "");
  EXPECT_EQ(WalletAvailable(), 0);
  journal_.AssertInvariants();
}

TEST_F(JournalTest, PendingCreditsAreNotSpendable) {
  ASSERT_EQ(Reason(Hold("topup", "clearing", "wallet", 500)), "");
  EXPECT_EQ(WalletBalance(), 0);
  EXPECT_EQ(Reason(Posted("t1", "wallet", "revenue", 1)), "insufficient_balance");
  ASSERT_EQ(Reason(PostHold("topup_post", "topup", "clearing", "wallet")), "");
  EXPECT_EQ(Reason(Posted("t2", "wallet", "revenue", 500)), "");
}

TEST_F(JournalTest, MirrorFlagRejectsCreditsBeyondDebits) {
  Account asset = MakeAccount(AccountId{"asset"}, AccountKind::kProviderClearing);
  asset.flags.credits_must_not_exceed_debits = true;
  ASSERT_TRUE(journal_.CreateAccount(asset));
  Result<void> result = journal_.Submit(Posted("t1", "revenue", "asset", 1), kStart);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, "exceeds_debits");
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_EQ(Reason(Posted("t2", "asset", "revenue", 100)), "");
  ASSERT_EQ(Reason(Hold("h1", "revenue", "asset", 60)), "");
  EXPECT_EQ(Reason(Posted("t3", "revenue", "asset", 41)), "exceeds_debits");
  EXPECT_EQ(Reason(Posted("t4", "revenue", "asset", 40)), "");
}

TEST(ValidateTransferTest, RejectsBalanceOverflow) {
  Account debit = MakeAccount(AccountId{"clearing"}, AccountKind::kProviderClearing);
  Account credit = MakeAccount(AccountId{"revenue"}, AccountKind::kRevenue);
  debit.debits_posted = std::numeric_limits<int64_t>::max() - 5;
  credit.credits_posted = 0;
  Result<void> result = ValidateTransfer(Posted("t1", "clearing", "revenue", 10), debit, credit,
                                         nullptr, PendingStatus::kNone, kStart);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, "balance_overflow");
  EXPECT_TRUE(ValidateTransfer(Posted("t1", "clearing", "revenue", 5), debit, credit, nullptr,
                               PendingStatus::kNone, kStart));
}

TEST_F(JournalTest, RejectsDuplicateTransferIds) {
  Fund(100);
  ASSERT_EQ(Reason(Posted("t1", "wallet", "revenue", 10)), "");
  Result<void> again = journal_.Submit(Posted("t1", "wallet", "revenue", 10), kStart);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "transfer_exists");
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(WalletBalance(), 90);
}

TEST_F(JournalTest, ChecksIdsCodesAndReferencesAtTheirBounds) {
  EXPECT_EQ(Reason(Posted("", "clearing", "revenue", 1)), "transfer_id_empty");
  EXPECT_EQ(Reason(Posted(std::string(kIdLengthMax + 1, 'x'), "clearing", "revenue", 1)),
            "transfer_id_too_long");
  EXPECT_EQ(Reason(Posted(std::string(kIdLengthMax, 'x'), "clearing", "revenue", 1)), "");
  Transfer code = Posted("t1", "clearing", "revenue", 1);
  code.code = std::string(kTransferCodeLengthMax + 1, 'c');
  EXPECT_EQ(Reason(code), "transfer_code_too_long");
  code.code.pop_back();
  EXPECT_EQ(Reason(code), "");
  Transfer reference = Posted("t2", "clearing", "revenue", 1);
  reference.reference = std::string(kTransferReferenceLengthMax + 1, 'r');
  EXPECT_EQ(Reason(reference), "transfer_reference_too_long");
  reference.reference.pop_back();
  EXPECT_EQ(Reason(reference), "");
}

TEST_F(JournalTest, PendingIdOnlyOnPostAndVoid) {
  Transfer posted = Posted("t1", "clearing", "revenue", 1);
  posted.pending_id = TransferId{"h1"};
  EXPECT_EQ(Reason(posted), "pending_id_must_be_empty");
  EXPECT_EQ(Reason(PostHold("t2", "", "clearing", "revenue")), "pending_id_must_not_be_empty");
  EXPECT_EQ(Reason(VoidHold("t3", "", "clearing", "revenue")), "pending_id_must_not_be_empty");
}

TEST_F(JournalTest, TimeoutOnlyOnHoldsAndInTheFuture) {
  Transfer posted = Posted("t1", "clearing", "revenue", 1);
  posted.timeout_at = kStart + 10s;
  EXPECT_EQ(Reason(posted), "timeout_on_non_pending");
  ASSERT_EQ(Reason(Hold("h1", "clearing", "revenue", 5)), "");
  Transfer post = PostHold("p1", "h1", "clearing", "revenue");
  post.timeout_at = kStart + 10s;
  EXPECT_EQ(Reason(post), "timeout_on_non_pending");
  EXPECT_EQ(Reason(Hold("h2", "clearing", "revenue", 5, kStart)), "timeout_not_in_future");
  EXPECT_EQ(Reason(Hold("h3", "clearing", "revenue", 5, kStart - 1s)), "timeout_not_in_future");
  EXPECT_EQ(Reason(Hold("h4", "clearing", "revenue", 5, kStart + 1us)), "");
}

TEST_F(JournalTest, PostOrVoidOfNoHoldIsNotFound) {
  Result<void> missing = journal_.Submit(PostHold("p1", "nothing", "clearing", "wallet"), kStart);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason, "pending_transfer_not_found");
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // A single-phase transfer is not a hold either.
  Fund(100);
  EXPECT_EQ(Reason(VoidHold("v1", "fund_0", "clearing", "wallet")), "pending_transfer_not_found");
}

TEST_F(JournalTest, HoldIsPostedExactlyOnce) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 300)), "");
  EXPECT_EQ(Status("h1"), PendingStatus::kPending);
  ASSERT_EQ(Reason(PostHold("p1", "h1", "wallet", "revenue")), "");
  EXPECT_EQ(Status("h1"), PendingStatus::kPosted);
  EXPECT_EQ(Status("p1"), PendingStatus::kNone);
  Result<void> again = journal_.Submit(PostHold("p2", "h1", "wallet", "revenue"), kStart);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "pending_transfer_already_posted");
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Reason(VoidHold("v1", "h1", "wallet", "revenue")), "pending_transfer_already_posted");
  EXPECT_EQ(WalletBalance(), 700);
  EXPECT_EQ(Get("wallet").debits_pending, 0);
  EXPECT_EQ(Get("revenue").credits_posted, 300);
  journal_.AssertInvariants();
}

TEST_F(JournalTest, HoldIsVoidedExactlyOnce) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 300)), "");
  ASSERT_EQ(Reason(VoidHold("v1", "h1", "wallet", "revenue")), "");
  EXPECT_EQ(Status("h1"), PendingStatus::kVoided);
  EXPECT_EQ(Reason(VoidHold("v2", "h1", "wallet", "revenue")), "pending_transfer_already_voided");
  EXPECT_EQ(Reason(PostHold("p1", "h1", "wallet", "revenue")), "pending_transfer_already_voided");
  EXPECT_EQ(WalletBalance(), 1000);
  EXPECT_EQ(WalletAvailable(), 1000);
  EXPECT_EQ(journal_.FindTransfer(TransferId{"v1"})->amount, Money::Yen(300));
  journal_.AssertInvariants();
}

TEST_F(JournalTest, PartialPostReleasesTheRest) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 600)), "");
  ASSERT_EQ(Reason(PostHold("p1", "h1", "wallet", "revenue", 400)), "");
  const Account& wallet = Get("wallet");
  EXPECT_EQ(wallet.debits_posted, 400);
  EXPECT_EQ(wallet.debits_pending, 0);
  EXPECT_EQ(WalletBalance(), 600);
  EXPECT_EQ(WalletAvailable(), 600);
  EXPECT_EQ(Get("revenue").credits_posted, 400);
  EXPECT_EQ(Get("revenue").credits_pending, 0);
  EXPECT_EQ(journal_.FindTransfer(TransferId{"p1"})->amount, Money::Yen(400));
  journal_.AssertInvariants();
}

TEST_F(JournalTest, PostOfZeroPostsTheFullHoldAndIsRecordedResolved) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 600)), "");
  ASSERT_EQ(Reason(PostHold("p1", "h1", "wallet", "revenue", 0)), "");
  EXPECT_EQ(WalletBalance(), 400);
  EXPECT_EQ(journal_.FindTransfer(TransferId{"p1"})->amount, Money::Yen(600));
}

TEST_F(JournalTest, PostCannotExceedTheHold) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 600)), "");
  EXPECT_EQ(Reason(PostHold("p1", "h1", "wallet", "revenue", 601)), "post_amount_exceeds_pending");
  EXPECT_EQ(Reason(PostHold("p2", "h1", "wallet", "revenue", 600)), "");
}

TEST_F(JournalTest, VoidMovesTheWholeHold) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 600)), "");
  EXPECT_EQ(Reason(VoidHold("v1", "h1", "wallet", "revenue", 599)), "void_amount_mismatch");
  EXPECT_EQ(Reason(VoidHold("v2", "h1", "wallet", "revenue", 600)), "");
}

TEST_F(JournalTest, PostMustNameTheHoldsAccounts) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 600)), "");
  EXPECT_EQ(Reason(PostHold("p1", "h1", "wallet", "tax")), "pending_transfer_accounts_mismatch");
  EXPECT_EQ(Reason(VoidHold("v1", "h1", "clearing", "revenue")),
            "pending_transfer_accounts_mismatch");
}

TEST_F(JournalTest, ExpireDueReleasesTimedOutHolds) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 600, kStart + 10s)), "");
  ASSERT_EQ(Reason(Hold("h2", "wallet", "revenue", 100, kStart + 20s)), "");
  ASSERT_EQ(Reason(Hold("h3", "wallet", "revenue", 100)), "");  // Never times out.
  EXPECT_EQ(WalletAvailable(), 200);
  EXPECT_EQ(journal_.ExpireDue(kStart + 10s - 1us), 0);
  EXPECT_EQ(journal_.ExpireDue(kStart + 10s), 1);
  EXPECT_EQ(Status("h1"), PendingStatus::kExpired);
  EXPECT_EQ(Status("h2"), PendingStatus::kPending);
  EXPECT_EQ(WalletAvailable(), 800);
  EXPECT_EQ(Reason(PostHold("p1", "h1", "wallet", "revenue"), kStart + 11s),
            "pending_transfer_expired");
  EXPECT_EQ(journal_.ExpireDue(kStart + 365 * 24h), 1);
  EXPECT_EQ(Status("h3"), PendingStatus::kPending);
  EXPECT_EQ(WalletAvailable(), 900);
  ASSERT_EQ(journal_.Expiries().size(), 2U);
  EXPECT_EQ(journal_.Expiries()[0], (PendingExpiry{TransferId{"h1"}, kStart + 10s}));
  journal_.AssertInvariants();
  EXPECT_TRUE(AuditJournal(journal_).violations.empty());
}

TEST_F(JournalTest, HoldPastItsTimeoutCannotBeSettledBeforeTheSweep) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("h1", "wallet", "revenue", 600, kStart + 10s)), "");
  Result<void> late = journal_.Submit(PostHold("p1", "h1", "wallet", "revenue"), kStart + 10s);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().reason, "pending_transfer_expired");
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Reason(VoidHold("v1", "h1", "wallet", "revenue"), kStart + 10s),
            "pending_transfer_expired");
  EXPECT_EQ(Status("h1"), PendingStatus::kPending);
  EXPECT_EQ(Reason(PostHold("p2", "h1", "wallet", "revenue"), kStart + 10s - 1us), "");
  EXPECT_EQ(journal_.ExpireDue(kStart + 1h), 0);  // Posted holds no longer expire.
}

TEST_F(JournalTest, WalletNeverGoesNegativeWithManyHolds) {
  Fund(1000);
  int accepted = 0;
  for (int i = 0; i < 20; ++i) {
    if (journal_.Submit(Hold("h" + std::to_string(i), "wallet", "revenue", 150), kStart)) {
      ++accepted;
    }
    EXPECT_GE(WalletAvailable(), 0);
  }
  EXPECT_EQ(accepted, 6);
  EXPECT_EQ(WalletAvailable(), 100);
  journal_.AssertInvariants();
}

TEST_F(JournalTest, CreateAccountReasons) {
  Result<void> exists =
      journal_.CreateAccount(MakeAccount(AccountId{"wallet"}, AccountKind::kCustomerWallet));
  ASSERT_FALSE(exists);
  EXPECT_EQ(exists.error().reason, "account_exists");
  EXPECT_EQ(exists.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(
      journal_.CreateAccount(MakeAccount(AccountId{""}, AccountKind::kRevenue)).error().reason,
      "account_id_empty");
  EXPECT_EQ(journal_
                .CreateAccount(MakeAccount(AccountId{std::string(kIdLengthMax + 1, 'a')},
                                           AccountKind::kRevenue))
                .error()
                .reason,
            "account_id_too_long");
  EXPECT_TRUE(journal_.CreateAccount(
      MakeAccount(AccountId{std::string(kIdLengthMax, 'a')}, AccountKind::kRevenue)));
  Account both = MakeAccount(AccountId{"both"}, AccountKind::kRevenue);
  both.flags = AccountFlags{true, true};
  EXPECT_EQ(journal_.CreateAccount(both).error().reason, "account_flags_exclusive");
  Account funded = MakeAccount(AccountId{"funded"}, AccountKind::kCustomerWallet);
  funded.credits_posted = 1000;
  EXPECT_EQ(journal_.CreateAccount(funded).error().reason, "account_balances_not_zero");
  EXPECT_EQ(journal_.FindAccount(AccountId{"funded"}), nullptr);
}

TEST_F(JournalTest, LinkedRenewalFromBalanceMovesBothLegs) {
  Fund(1100);
  const std::vector<Transfer> renewal = {Posted("r1", "wallet", "revenue", 1000),
                                         Posted("r1_tax", "wallet", "tax", 100)};
  ASSERT_TRUE(journal_.SubmitLinked(renewal, kStart));
  EXPECT_EQ(WalletBalance(), 0);
  EXPECT_EQ(Get("revenue").credits_posted, 1000);
  EXPECT_EQ(Get("tax").credits_posted, 100);
  journal_.AssertInvariants();
}

TEST_F(JournalTest, LinkedSubmissionRollsBackWholly) {
  Fund(1050);
  const std::map<AccountId, Account> before = journal_.Accounts();
  const size_t transfers_before = journal_.Transfers().size();
  const std::vector<Transfer> renewal = {Posted("r1", "wallet", "revenue", 1000),
                                         Posted("r1_tax", "wallet", "tax", 100)};
  Result<void> result = journal_.SubmitLinked(renewal, kStart);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, "insufficient_balance");
  EXPECT_THAT(result.error().message, HasSubstr("transfers[1]"));
  ASSERT_EQ(result.error().errors.size(), 1U);
  EXPECT_EQ(result.error().errors[0].field, "transfers[1]");
  EXPECT_EQ(journal_.Accounts(), before);
  EXPECT_EQ(journal_.Transfers().size(), transfers_before);
  EXPECT_EQ(journal_.FindTransfer(TransferId{"r1"}), nullptr);
  // The ids are free again: nothing of the failed batch was recorded.
  EXPECT_EQ(Reason(Posted("r1", "wallet", "revenue", 1000)), "");
  journal_.AssertInvariants();
}

TEST_F(JournalTest, LinkedRollbackUndoesHoldsAndSettlementsMadeInTheBatch) {
  Fund(1000);
  ASSERT_EQ(Reason(Hold("old", "wallet", "revenue", 200, kStart + 30s)), "");
  const std::map<AccountId, Account> before = journal_.Accounts();
  const std::vector<Transfer> batch = {
      Hold("new", "wallet", "revenue", 300, kStart + 60s),
      PostHold("new_post", "new", "wallet", "revenue", 100),
      VoidHold("old_void", "old", "wallet", "revenue"),
      Posted("too_much", "wallet", "revenue", 5000),
  };
  Result<void> result = journal_.SubmitLinked(batch, kStart);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, "insufficient_balance");
  EXPECT_EQ(journal_.Accounts(), before);
  EXPECT_EQ(Status("new"), PendingStatus::kNone);
  EXPECT_EQ(Status("old"), PendingStatus::kPending);
  journal_.AssertInvariants();
  // The rolled-back void did not lose the old hold's timeout.
  EXPECT_EQ(journal_.ExpireDue(kStart + 30s), 1);
  EXPECT_EQ(Status("old"), PendingStatus::kExpired);
  EXPECT_TRUE(AuditJournal(journal_).violations.empty());
}

TEST_F(JournalTest, LinkedBatchMayPostAHoldItMade) {
  Fund(1000);
  const std::vector<Transfer> batch = {Hold("h", "wallet", "revenue", 300),
                                       PostHold("h_post", "h", "wallet", "revenue", 250)};
  ASSERT_TRUE(journal_.SubmitLinked(batch, kStart));
  EXPECT_EQ(Status("h"), PendingStatus::kPosted);
  EXPECT_EQ(WalletBalance(), 750);
}

TEST_F(JournalTest, LinkedBatchRejectsDuplicateIdsWithinIt) {
  Fund(1000);
  const std::vector<Transfer> batch = {Posted("x", "wallet", "revenue", 1),
                                       Posted("x", "wallet", "revenue", 1)};
  Result<void> result = journal_.SubmitLinked(batch, kStart);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().reason, "transfer_exists");
  EXPECT_EQ(WalletBalance(), 1000);
}

TEST_F(JournalTest, LinkedBatchSizeIsBounded) {
  Fund(1'000'000);
  std::vector<Transfer> batch;
  for (size_t i = 0; i < kLinkedTransfersMax + 1; ++i) {
    batch.push_back(Posted("b" + std::to_string(i), "wallet", "revenue", 1));
  }
  Result<void> too_many = journal_.SubmitLinked(batch, kStart);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().reason, "linked_batch_too_large");
  batch.pop_back();
  EXPECT_TRUE(journal_.SubmitLinked(batch, kStart));
  EXPECT_TRUE(journal_.SubmitLinked({}, kStart));
  EXPECT_EQ(WalletBalance(), 1'000'000 - static_cast<int64_t>(kLinkedTransfersMax));
}

TEST(ApplyTransferDeathTest, UnvalidatedOverdraftAborts) {
  Account wallet = MakeAccount(AccountId{"wallet"}, AccountKind::kCustomerWallet);
  Account revenue = MakeAccount(AccountId{"revenue"}, AccountKind::kRevenue);
  EXPECT_DEATH(ApplyTransfer(Posted("t1", "wallet", "revenue", 1), wallet, revenue, nullptr),
               "assertion failed");
}

TEST(ApplyTransferDeathTest, PostWithoutItsHoldAborts) {
  Account clearing = MakeAccount(AccountId{"clearing"}, AccountKind::kProviderClearing);
  Account revenue = MakeAccount(AccountId{"revenue"}, AccountKind::kRevenue);
  EXPECT_DEATH(
      ApplyTransfer(PostHold("p1", "h1", "clearing", "revenue"), clearing, revenue, nullptr),
      "assertion failed");
}

// Checks what must hold after every step, whatever happened: debits equal credits, flags hold,
// wallets are never below zero, and the journal's own invariant check passes.
void ExpectLedgerInvariants(const Journal& journal) {
  int64_t debits_posted = 0;
  int64_t credits_posted = 0;
  int64_t debits_pending = 0;
  int64_t credits_pending = 0;
  for (const auto& [id, account] : journal.Accounts()) {
    debits_posted += account.debits_posted;
    credits_posted += account.credits_posted;
    debits_pending += account.debits_pending;
    credits_pending += account.credits_pending;
    ASSERT_TRUE(FlagsHold(account)) << id.value;
    if (account.flags.debits_must_not_exceed_credits) {
      ASSERT_GE(AvailableCreditBalance(account), 0) << id.value;
    }
  }
  ASSERT_EQ(debits_posted, credits_posted);
  ASSERT_EQ(debits_pending, credits_pending);
  journal.AssertInvariants();
}

// Random operations from a fixed seed, so a failure reproduces exactly.
class RandomLedger {
 public:
  explicit RandomLedger(uint64_t seed) : random_(seed) {
    for (const auto& [id, kind] : std::vector<std::pair<std::string, AccountKind>>{
             {"clearing", AccountKind::kProviderClearing},
             {"wallet_a", AccountKind::kCustomerWallet},
             {"wallet_b", AccountKind::kCustomerWallet},
             {"revenue", AccountKind::kRevenue},
             {"tax", AccountKind::kTaxPayable},
             {"voucher", AccountKind::kVoucherLiability},
             {"partner", AccountKind::kPartnerPayable}}) {
      EXPECT_TRUE(journal_.CreateAccount(MakeAccount(AccountId{id}, kind)));
      account_ids_.push_back(id);
    }
  }

  // Performs one random operation; returns whether it was accepted.
  bool Step() {
    switch (Uniform(0, 9)) {
      case 0:
      case 1:
        return Submit(RandomTransfer(TransferKind::kPosted));
      case 2:
        return Submit(Posted(NextId(), "clearing", Pick({"wallet_a", "wallet_b"}),
                             Uniform(1, 5000)));  // Top-ups keep the wallets busy.
      case 3:
      case 4:
        return Submit(RandomTransfer(TransferKind::kPending));
      case 5:
        return Submit(RandomTransfer(TransferKind::kPostPending));
      case 6:
        return Submit(RandomTransfer(TransferKind::kVoidPending));
      case 7:
        now_ += std::chrono::seconds(Uniform(0, 30));
        expired_ += journal_.ExpireDue(now_);
        return true;
      default:
        return SubmitLinked();
    }
  }

  const Journal& State() const { return journal_; }
  int64_t ExpiredCount() const { return expired_; }

 private:
  int64_t Uniform(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random_);
  }
  std::string Pick(const std::vector<std::string>& choices) {
    return choices[static_cast<size_t>(Uniform(0, static_cast<int64_t>(choices.size()) - 1))];
  }
  std::string NextId() { return "t" + std::to_string(next_id_++); }

  Transfer RandomTransfer(TransferKind kind) {
    if (kind == TransferKind::kPostPending || kind == TransferKind::kVoidPending) {
      if (holds_.empty() || Uniform(0, 9) == 0) {
        return Settle(kind, NextId(), "missing", "clearing", "revenue", 0);
      }
      const Transfer& hold = *journal_.FindTransfer(TransferId{Pick(holds_)});
      const int64_t amount = Uniform(0, 3) == 0 ? 0 : Uniform(1, hold.amount.minor + 10);
      return Settle(kind, NextId(), hold.id.value, hold.debit_account_id.value,
                    hold.credit_account_id.value,
                    kind == TransferKind::kVoidPending && Uniform(0, 1) == 0 ? 0 : amount);
    }
    Transfer transfer = Posted(NextId(), Pick(account_ids_), Pick(account_ids_), Uniform(1, 3000));
    if (kind == TransferKind::kPending) {
      transfer =
          Hold(transfer.id.value, transfer.debit_account_id.value, transfer.credit_account_id.value,
               transfer.amount.minor,
               Uniform(0, 2) == 0 ? Timestamp{} : now_ + std::chrono::seconds(Uniform(1, 60)));
    }
    return transfer;
  }

  bool Submit(const Transfer& transfer) {
    const std::map<AccountId, Account> before = journal_.Accounts();
    Result<void> result = journal_.Submit(transfer, now_);
    if (!result) {
      EXPECT_EQ(journal_.Accounts(), before) << "a rejected transfer changed a balance";
      return false;
    }
    if (transfer.kind == TransferKind::kPending) {
      holds_.push_back(transfer.id.value);
    }
    return true;
  }

  bool SubmitLinked() {
    std::vector<Transfer> batch;
    const int64_t size = Uniform(1, 4);
    for (int64_t i = 0; i < size; ++i) {
      batch.push_back(RandomTransfer(static_cast<TransferKind>(Uniform(0, 3))));
    }
    const std::map<AccountId, Account> before = journal_.Accounts();
    const size_t transfers_before = journal_.Transfers().size();
    Result<void> result = journal_.SubmitLinked(batch, now_);
    if (!result) {
      EXPECT_EQ(journal_.Accounts(), before) << "a rejected batch changed a balance";
      EXPECT_EQ(journal_.Transfers().size(), transfers_before);
      return false;
    }
    for (const Transfer& transfer : batch) {
      if (transfer.kind == TransferKind::kPending) {
        holds_.push_back(transfer.id.value);
      }
    }
    return true;
  }

  std::mt19937_64 random_;
  Journal journal_;
  std::vector<std::string> account_ids_;
  std::vector<std::string> holds_;
  Timestamp now_ = kStart;
  int64_t next_id_ = 0;
  int64_t expired_ = 0;
};

TEST(JournalPropertyTest, RandomOperationsKeepTheLedgerBalanced) {
  for (uint64_t seed : {1U, 2U, 3U}) {
    RandomLedger ledger(seed);
    int accepted = 0;
    for (int step = 0; step < 3000; ++step) {
      if (ledger.Step()) {
        ++accepted;
      }
      ExpectLedgerInvariants(ledger.State());
      if (::testing::Test::HasFatalFailure()) {
        FAIL() << "seed " << seed << " step " << step;
      }
    }
    // The run exercised every path, not just rejections.
    EXPECT_GT(accepted, 1000) << "seed " << seed;
    EXPECT_GT(ledger.ExpiredCount(), 0) << "seed " << seed;
    int posts = 0;
    int voids = 0;
    for (const Transfer& transfer : ledger.State().Transfers()) {
      posts += transfer.kind == TransferKind::kPostPending ? 1 : 0;
      voids += transfer.kind == TransferKind::kVoidPending ? 1 : 0;
    }
    EXPECT_GT(posts, 20) << "seed " << seed;
    EXPECT_GT(voids, 20) << "seed " << seed;
    const AuditReport report = AuditJournal(ledger.State());
    EXPECT_TRUE(report.violations.empty()) << "seed " << seed << ": " << report.violations[0];
  }
}

}  // namespace
}  // namespace simkeep::ledger
