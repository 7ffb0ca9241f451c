#include "simkeep/ledger/audit.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "simkeep/ledger/journal.h"
#include "simkeep/ledger/limits.h"

namespace simkeep::ledger {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace)

constexpr Timestamp kStart{std::chrono::microseconds{1'767'225'600'000'000}};  // 2026-01-01Z

Transfer Make(TransferKind kind, const std::string& id, const std::string& debit,
              const std::string& credit, int64_t amount, const std::string& pending_id = "") {
  Transfer transfer;
  transfer.id = TransferId{id};
  transfer.debit_account_id = AccountId{debit};
  transfer.credit_account_id = AccountId{credit};
  transfer.amount = Money::Yen(amount);
  transfer.kind = kind;
  transfer.pending_id = TransferId{pending_id};
  transfer.created_at = kStart;
  return transfer;
}

// A small real ledger: a top-up, a renewal paid from balance, a hold posted in part, a hold
// voided, a hold expired and one still open. Audits are run on copies of its history, tampered
// with one way each.
class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [id, kind] : std::vector<std::pair<std::string, AccountKind>>{
             {"clearing", AccountKind::kProviderClearing},
             {"wallet", AccountKind::kCustomerWallet},
             {"revenue", AccountKind::kRevenue},
             {"tax", AccountKind::kTaxPayable}}) {
      ASSERT_TRUE(journal_.CreateAccount(MakeAccount(AccountId{id}, kind)));
    }
    Submit(Make(TransferKind::kPosted, "topup", "clearing", "wallet", 5000));
    ASSERT_TRUE(
        journal_.SubmitLinked({Make(TransferKind::kPosted, "renewal", "wallet", "revenue", 1000),
                               Make(TransferKind::kPosted, "renewal_tax", "wallet", "tax", 100)},
                              kStart));
    Submit(Make(TransferKind::kPending, "h1", "wallet", "revenue", 800));
    Submit(Make(TransferKind::kPostPending, "h1_post", "wallet", "revenue", 500, "h1"));
    Submit(Make(TransferKind::kPending, "h2", "wallet", "revenue", 300));
    Submit(Make(TransferKind::kVoidPending, "h2_void", "wallet", "revenue", 0, "h2"));
    Transfer expiring = Make(TransferKind::kPending, "h3", "clearing", "wallet", 700);
    expiring.timeout_at = kStart + 10s;
    Submit(expiring);
    Submit(Make(TransferKind::kPending, "h4", "wallet", "revenue", 200));
    ASSERT_EQ(journal_.ExpireDue(kStart + 10s), 1);
    accounts_ = journal_.Accounts();
    transfers_ = journal_.Transfers();
    expiries_ = journal_.Expiries();
  }

  void Submit(const Transfer& transfer) { ASSERT_TRUE(journal_.Submit(transfer, kStart)); }

  Account& Stored(const std::string& id) { return accounts_.at(AccountId{id}); }

  AuditReport Audit() {
    Auditor auditor;
    for (const auto& [id, account] : accounts_) {
      auditor.AddAccount(account);
    }
    for (const Transfer& transfer : transfers_) {
      auditor.AddTransfer(transfer);
    }
    for (const PendingExpiry& expiry : expiries_) {
      auditor.AddExpiry(expiry);
    }
    return auditor.Finish();
  }

  Journal journal_;
  std::map<AccountId, Account> accounts_;
  std::vector<Transfer> transfers_;
  std::vector<PendingExpiry> expiries_;
};

MATCHER_P(HasViolation, tag, "") {
  for (const std::string& violation : arg.violations) {
    if (violation.rfind(std::string(tag) + ": ", 0) == 0) {
      return true;
    }
  }
  *result_listener << "violations:";
  for (const std::string& violation : arg.violations) {
    *result_listener << "\n  " << violation;
  }
  return false;
}

TEST_F(AuditTest, ConsistentLedgerHasNoViolations) {
  const AuditReport report = AuditJournal(journal_);
  EXPECT_THAT(report.violations, IsEmpty());
  EXPECT_EQ(report.accounts, 4);
  EXPECT_EQ(report.transfers, 9);
  EXPECT_EQ(report.expiries, 1);
  EXPECT_EQ(report.holds_open, 1);  // h4.
  EXPECT_EQ(report.violations_omitted, 0);
  EXPECT_THAT(Audit().violations, IsEmpty());
}

TEST_F(AuditTest, CatchesATamperedStoredBalance) {
  Stored("wallet").credits_posted += 1;
  const AuditReport report = Audit();
  EXPECT_THAT(report, HasViolation("balance_mismatch"));
  EXPECT_THAT(report, HasViolation("totals_unbalanced"));
  EXPECT_THAT(report.violations,
              Contains(AllOf(HasSubstr("account wallet credits_posted"), HasSubstr("5001 stored"),
                             HasSubstr("5000 recomputed"))));
}

TEST_F(AuditTest, CatchesATamperedPendingBalance) {
  Stored("wallet").debits_pending = 0;
  Stored("revenue").credits_pending = 0;  // Totals still balance; the history does not.
  const AuditReport report = Audit();
  EXPECT_THAT(report, HasViolation("balance_mismatch"));
  EXPECT_THAT(report, ::testing::Not(HasViolation("totals_unbalanced")));
}

TEST_F(AuditTest, CatchesADoublePost) {
  transfers_.push_back(
      Make(TransferKind::kPostPending, "h1_post_again", "wallet", "revenue", 300, "h1"));
  EXPECT_THAT(Audit(), HasViolation("hold_not_open"));
}

TEST_F(AuditTest, CatchesAVoidAfterAPost) {
  transfers_.push_back(Make(TransferKind::kVoidPending, "h1_void", "wallet", "revenue", 800, "h1"));
  EXPECT_THAT(Audit(), HasViolation("hold_not_open"));
}

TEST_F(AuditTest, CatchesASettlementOfNoHold) {
  transfers_.push_back(Make(TransferKind::kPostPending, "ghost", "wallet", "revenue", 1, "h9"));
  EXPECT_THAT(Audit(), HasViolation("hold_not_open"));
}

TEST_F(AuditTest, CatchesASettlementThatDoesNotMatchItsHold) {
  transfers_.push_back(Make(TransferKind::kPostPending, "h4_post", "wallet", "revenue", 201, "h4"));
  EXPECT_THAT(Audit(), HasViolation("settlement_mismatch"));
  transfers_.back() = Make(TransferKind::kVoidPending, "h4_void", "wallet", "revenue", 100, "h4");
  EXPECT_THAT(Audit(), HasViolation("settlement_mismatch"));
  transfers_.back() = Make(TransferKind::kVoidPending, "h4_void", "wallet", "tax", 200, "h4");
  EXPECT_THAT(Audit(), HasViolation("settlement_mismatch"));
}

TEST_F(AuditTest, CatchesASettlementAfterTheTimeout) {
  Transfer hold = Make(TransferKind::kPending, "h5", "clearing", "revenue", 10);
  hold.timeout_at = kStart + 1h;
  Transfer post = Make(TransferKind::kPostPending, "h5_post", "clearing", "revenue", 10, "h5");
  post.created_at = kStart + 1h;
  transfers_.push_back(hold);
  transfers_.push_back(post);
  Stored("clearing").debits_posted += 10;
  Stored("revenue").credits_posted += 10;
  EXPECT_THAT(Audit(), HasViolation("settled_after_timeout"));
  transfers_.back().created_at = kStart + 1h - 1us;
  EXPECT_THAT(Audit().violations, IsEmpty());
}

TEST_F(AuditTest, CatchesABadExpiry) {
  expiries_.push_back(PendingExpiry{TransferId{"h3"}, kStart + 20s});  // Expired twice.
  EXPECT_THAT(Audit(), HasViolation("expiry_not_open"));
  expiries_.back() = PendingExpiry{TransferId{"h4"}, kStart + 20s};  // h4 has no timeout.
  EXPECT_THAT(Audit(), HasViolation("expiry_too_early"));
  expiries_ = {PendingExpiry{TransferId{"h3"}, kStart + 9s}};  // Before its timeout.
  EXPECT_THAT(Audit(), HasViolation("expiry_too_early"));
}

TEST_F(AuditTest, CatchesAHoldThatAppearsTwice) {
  transfers_.push_back(Make(TransferKind::kPending, "h4", "wallet", "revenue", 200));
  EXPECT_THAT(Audit(), HasViolation("duplicate_hold"));
}

TEST_F(AuditTest, CatchesMalformedTransfers) {
  transfers_.push_back(Make(TransferKind::kPosted, "zero", "clearing", "revenue", 0));
  EXPECT_THAT(Audit(), HasViolation("amount_not_positive"));
  transfers_.back() =
      Make(TransferKind::kPosted, "huge", "clearing", "revenue", kMoneyMinorMax + 1);
  EXPECT_THAT(Audit(), HasViolation("amount_too_large"));
  transfers_.back() = Make(TransferKind::kPosted, "self", "revenue", "revenue", 5);
  EXPECT_THAT(Audit(), HasViolation("transfer_unbalanced"));
  transfers_.back() = Make(TransferKind::kPosted, "lost", "clearing", "nowhere", 5);
  EXPECT_THAT(Audit(), HasViolation("unknown_account"));
  transfers_.back() = Make(TransferKind::kPosted, "foreign", "clearing", "revenue", 5);
  transfers_.back().amount.currency = static_cast<Currency>(1);
  EXPECT_THAT(Audit(), HasViolation("transfer_unbalanced"));
  transfers_.back() = Make(TransferKind::kPosted, "timed", "clearing", "revenue", 5);
  transfers_.back().timeout_at = kStart + 1h;
  EXPECT_THAT(Audit(), HasViolation("timeout_on_non_pending"));
}

TEST_F(AuditTest, CatchesAnOverdraftInHistoryEvenIfLaterCovered) {
  // Spend more than the wallet holds, then top it up: the final balances satisfy the flag, but
  // the wallet was below zero in between.
  transfers_.push_back(Make(TransferKind::kPosted, "overspend", "wallet", "revenue", 10'000));
  transfers_.push_back(Make(TransferKind::kPosted, "late_topup", "clearing", "wallet", 10'000));
  Stored("wallet").debits_posted += 10'000;
  Stored("wallet").credits_posted += 10'000;
  Stored("revenue").credits_posted += 10'000;
  Stored("clearing").debits_posted += 10'000;
  const AuditReport report = Audit();
  EXPECT_THAT(report, HasViolation("overdraft"));
  EXPECT_THAT(report.violations, Contains(HasSubstr("overspend takes account wallet")));
  EXPECT_THAT(report, ::testing::Not(HasViolation("flag_violated")));
  EXPECT_THAT(report, ::testing::Not(HasViolation("balance_mismatch")));
}

TEST_F(AuditTest, CatchesAFlagViolationInStoredBalances) {
  // Balanced on both sides and matching the history, except that the wallet is below zero.
  transfers_.push_back(Make(TransferKind::kPosted, "overspend", "wallet", "revenue", 10'000));
  Stored("wallet").debits_posted += 10'000;
  Stored("revenue").credits_posted += 10'000;
  const AuditReport report = Audit();
  EXPECT_THAT(report, HasViolation("flag_violated"));
  EXPECT_THAT(report, HasViolation("overdraft"));
}

TEST_F(AuditTest, CatchesAFlagViolationThatOnlyPendingDebitsCause) {
  Transfer hold = Make(TransferKind::kPending, "big_hold", "wallet", "revenue", 100'000);
  transfers_.push_back(hold);
  Stored("wallet").debits_pending += 100'000;
  Stored("revenue").credits_pending += 100'000;
  const AuditReport report = Audit();
  EXPECT_THAT(report, HasViolation("flag_violated"));
  EXPECT_THAT(report, ::testing::Not(HasViolation("balance_mismatch")));
}

TEST_F(AuditTest, CatchesCorruptAccounts) {
  Stored("revenue").credits_posted = -1;
  Stored("tax").flags = AccountFlags{true, true};
  const AuditReport report = Audit();
  EXPECT_THAT(report, HasViolation("negative_balance"));
  EXPECT_THAT(report, HasViolation("flags_exclusive"));
}

TEST_F(AuditTest, CatchesADuplicateAccount) {
  Auditor auditor;
  auditor.AddAccount(MakeAccount(AccountId{"wallet"}, AccountKind::kCustomerWallet));
  auditor.AddAccount(MakeAccount(AccountId{"wallet"}, AccountKind::kCustomerWallet));
  const AuditReport report = auditor.Finish();
  EXPECT_THAT(report, HasViolation("duplicate_account"));
  EXPECT_EQ(report.accounts, 1);
}

TEST(AuditorTest, KeepsAtMostTheViolationLimit) {
  Auditor auditor;
  auditor.AddAccount(MakeAccount(AccountId{"a"}, AccountKind::kRevenue));
  auditor.AddAccount(MakeAccount(AccountId{"b"}, AccountKind::kRevenue));
  const int64_t bad = static_cast<int64_t>(kAuditViolationsMax) + 500;
  for (int64_t i = 0; i < bad; ++i) {
    auditor.AddTransfer(Make(TransferKind::kPosted, "t" + std::to_string(i), "a", "b", 0));
  }
  const AuditReport report = auditor.Finish();
  EXPECT_EQ(report.violations.size(), kAuditViolationsMax);
  EXPECT_EQ(report.violations_omitted, 500);
  EXPECT_EQ(report.transfers, bad);
  EXPECT_THAT(report.violations[0], StartsWith("amount_not_positive: "));
}

TEST(AuditorTest, StreamsManyTransfersKeepingOnlyOpenHolds) {
  Auditor auditor;
  Account clearing = MakeAccount(AccountId{"clearing"}, AccountKind::kProviderClearing);
  Account wallet = MakeAccount(AccountId{"wallet"}, AccountKind::kCustomerWallet);
  constexpr int64_t kRounds = 50'000;
  // Each round: a top-up of 3 held, then posted 2 (1 released).
  clearing.debits_posted = 2 * kRounds;
  wallet.credits_posted = 2 * kRounds;
  auditor.AddAccount(clearing);
  auditor.AddAccount(wallet);
  for (int64_t i = 0; i < kRounds; ++i) {
    const std::string id = "h" + std::to_string(i);
    auditor.AddTransfer(Make(TransferKind::kPending, id, "clearing", "wallet", 3));
    auditor.AddTransfer(
        Make(TransferKind::kPostPending, id + "_post", "clearing", "wallet", 2, id));
  }
  const AuditReport report = auditor.Finish();
  EXPECT_THAT(report.violations, IsEmpty());
  EXPECT_EQ(report.transfers, 2 * kRounds);
  EXPECT_EQ(report.holds_open, 0);
}

TEST(AuditorDeathTest, AccountsComeBeforeTransfers) {
  Auditor auditor;
  auditor.AddAccount(MakeAccount(AccountId{"a"}, AccountKind::kRevenue));
  auditor.AddTransfer(Make(TransferKind::kPosted, "t", "a", "b", 1));
  EXPECT_DEATH(auditor.AddAccount(MakeAccount(AccountId{"b"}, AccountKind::kRevenue)),
               "assertion failed");
}

}  // namespace
}  // namespace simkeep::ledger
