// Decodes bytes into a sequence of ledger operations (create account, single-phase transfer,
// hold, post, void, expire, linked batch, duplicate id) over a handful of accounts and runs them
// on a Journal. After every operation the ledger invariants must hold, and a rejected operation
// must have changed nothing; at the end the Auditor must find no violation in the history.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "simkeep/base/assert.h"
#include "simkeep/base/clock.h"
#include "simkeep/base/money.h"
#include "simkeep/ledger/account.h"
#include "simkeep/ledger/audit.h"
#include "simkeep/ledger/journal.h"
#include "simkeep/ledger/transfer.h"

namespace simkeep::ledger {
namespace {

constexpr size_t kOperationsMax = 512;  // Bounds the work one input can cause.
constexpr int kAccountSlots = 6;        // Ids "a0".."a5"; slot 6 names an account never created.
constexpr std::array<AccountKind, 6> kKinds = {
    AccountKind::kCustomerWallet, AccountKind::kProviderClearing, AccountKind::kRevenue,
    AccountKind::kTaxPayable,     AccountKind::kVoucherLiability, AccountKind::kPartnerPayable};

// Hands out the input one byte at a time, then zeros.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool Done() const { return position_ >= size_; }
  uint8_t Next() { return Done() ? 0 : data_[position_++]; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

class LedgerFuzzer {
 public:
  explicit LedgerFuzzer(ByteReader& input) : input_(input) {}

  void Run() {
    for (size_t i = 0; i < kOperationsMax && !input_.Done(); ++i) {
      const std::map<AccountId, Account> accounts_before = journal_.Accounts();
      const size_t transfers_before = journal_.Transfers().size();
      const bool accepted = Step();
      journal_.AssertInvariants();
      if (!accepted) {
        SIMKEEP_ASSERT(journal_.Accounts() == accounts_before);
        SIMKEEP_ASSERT(journal_.Transfers().size() == transfers_before);
      }
    }
    const AuditReport report = AuditJournal(journal_);
    SIMKEEP_ASSERT(report.violations.empty());
    SIMKEEP_ASSERT(report.violations_omitted == 0);
    SIMKEEP_ASSERT(report.transfers == static_cast<int64_t>(journal_.Transfers().size()));
  }

 private:
  // Runs one operation; returns whether the journal accepted a change.
  bool Step() {
    switch (input_.Next() % 8) {
      case 0:
        return CreateAccount();
      case 1:
        return Submit(DecodeTransfer(TransferKind::kPosted));
      case 2:
        return Submit(DecodeTransfer(TransferKind::kPending));
      case 3:
        return Submit(DecodeTransfer(TransferKind::kPostPending));
      case 4:
        return Submit(DecodeTransfer(TransferKind::kVoidPending));
      case 5:
        return Expire();
      case 6:
        return SubmitLinked();
      default:
        return ResubmitExisting();
    }
  }

  bool CreateAccount() {
    const uint8_t byte = input_.Next();
    Account account = MakeAccount(AccountSlot(byte % 8), kKinds[(byte / 8) % kKinds.size()]);
    if (byte >= 0xf0) {
      account.flags = AccountFlags{false, true};  // An asset that may not go negative.
    } else if (byte >= 0xe8) {
      account.flags = AccountFlags{true, true};  // Must be rejected.
    }
    const bool existed = journal_.FindAccount(account.id) != nullptr;
    const bool valid = !account.id.empty() && !(account.flags.debits_must_not_exceed_credits &&
                                                account.flags.credits_must_not_exceed_debits);
    Result<void> created = journal_.CreateAccount(account);
    SIMKEEP_ASSERT(created.has_value() == (valid && !existed));
    if (created) {
      SIMKEEP_ASSERT(*journal_.FindAccount(account.id) == account);
    }
    return created.has_value();
  }

  AccountId AccountSlot(int slot) {
    if (slot >= kAccountSlots) {
      return AccountId{slot == kAccountSlots ? "unknown" : ""};
    }
    return AccountId{"a" + std::to_string(slot)};
  }

  int64_t DecodeAmount() {
    const uint8_t selector = input_.Next();
    switch (selector) {
      case 0:
        return 0;
      case 1:
        return -1;
      case 2:
        return kMoneyMinorMax;
      case 3:
        return kMoneyMinorMax + 1;
      default:
        return 1 + ((selector << 8) | input_.Next()) % 5000;
    }
  }

  Transfer DecodeTransfer(TransferKind kind) {
    Transfer transfer;
    transfer.id = TransferId{"t" + std::to_string(next_id_++)};
    transfer.kind = kind;
    const uint8_t accounts = input_.Next();
    transfer.debit_account_id = AccountSlot(accounts % 8);
    transfer.credit_account_id = AccountSlot(accounts / 8 % 8);
    transfer.amount = Money::Yen(DecodeAmount());
    transfer.code = "fuzz";
    if (kind == TransferKind::kPending) {
      const uint8_t timeout = input_.Next();
      if (timeout >= 0x80) {
        transfer.timeout_at = now_ + std::chrono::seconds(timeout % 64);  // 0: already due.
      }
    }
    if (kind == TransferKind::kPostPending || kind == TransferKind::kVoidPending) {
      DecodeSettlement(transfer);
    }
    return transfer;
  }

  // Points a post or void at a hold seen before (or at none), usually with the hold's accounts.
  void DecodeSettlement(Transfer& transfer) {
    const uint8_t choice = input_.Next();
    if (holds_.empty() || choice == 0xff) {
      transfer.pending_id = TransferId{choice % 2 == 0 ? "" : "no_such_hold"};
      return;
    }
    const Transfer* hold = journal_.FindTransfer(holds_[choice % holds_.size()]);
    SIMKEEP_ASSERT(hold != nullptr);
    transfer.pending_id = hold->id;
    if (choice < 0xe0) {
      transfer.debit_account_id = hold->debit_account_id;
      transfer.credit_account_id = hold->credit_account_id;
    }
    if (choice % 4 == 0) {
      transfer.amount = Money::Yen(0);
    } else if (choice % 4 == 1) {
      transfer.amount = hold->amount;
    }
  }

  bool Submit(const Transfer& transfer) {
    const PendingStatus status_before = journal_.StatusOf(transfer.pending_id);
    Result<void> result = journal_.Submit(transfer, now_);
    if (!result) {
      return false;
    }
    NoteAccepted(transfer);
    if (transfer.kind == TransferKind::kPostPending ||
        transfer.kind == TransferKind::kVoidPending) {
      SIMKEEP_ASSERT(status_before == PendingStatus::kPending);
      SIMKEEP_ASSERT(journal_.StatusOf(transfer.pending_id) ==
                     (transfer.kind == TransferKind::kPostPending ? PendingStatus::kPosted
                                                                  : PendingStatus::kVoided));
    }
    return true;
  }

  void NoteAccepted(const Transfer& transfer) {
    const Transfer* recorded = journal_.FindTransfer(transfer.id);
    SIMKEEP_ASSERT(recorded != nullptr && recorded->amount.minor > 0);
    SIMKEEP_ASSERT(recorded->created_at == now_);
    if (transfer.kind == TransferKind::kPending) {
      SIMKEEP_ASSERT(journal_.StatusOf(transfer.id) == PendingStatus::kPending);
      holds_.push_back(transfer.id);
    }
  }

  bool Expire() {
    now_ += std::chrono::seconds(input_.Next() % 32);
    size_t open_before = 0;
    for (const TransferId& id : holds_) {
      open_before += journal_.StatusOf(id) == PendingStatus::kPending ? 1 : 0;
    }
    const int64_t expired = journal_.ExpireDue(now_);
    size_t open_after = 0;
    for (const TransferId& id : holds_) {
      const PendingStatus status = journal_.StatusOf(id);
      open_after += status == PendingStatus::kPending ? 1 : 0;
      // Whatever is still open has not reached its timeout.
      SIMKEEP_ASSERT(status != PendingStatus::kPending ||
                     !IsTimedOut(*journal_.FindTransfer(id), now_));
    }
    SIMKEEP_ASSERT(static_cast<int64_t>(open_before - open_after) == expired);
    return expired > 0;
  }

  bool SubmitLinked() {
    std::vector<Transfer> batch;
    const int size = 1 + input_.Next() % 4;
    batch.reserve(static_cast<size_t>(size));
    for (int i = 0; i < size; ++i) {
      batch.push_back(DecodeTransfer(static_cast<TransferKind>(input_.Next() % 4)));
    }
    const size_t transfers_before = journal_.Transfers().size();
    Result<void> result = journal_.SubmitLinked(batch, now_);
    if (!result) {
      for (const Transfer& transfer : batch) {
        SIMKEEP_ASSERT(journal_.FindTransfer(transfer.id) == nullptr);
      }
      return false;
    }
    SIMKEEP_ASSERT(journal_.Transfers().size() == transfers_before + batch.size());
    for (const Transfer& transfer : batch) {
      NoteAccepted(transfer);
    }
    return true;
  }

  bool ResubmitExisting() {
    const uint8_t choice = input_.Next();
    if (journal_.Transfers().empty()) {
      return false;
    }
    const std::vector<Transfer>& transfers = journal_.Transfers();
    const Transfer again = transfers[choice % transfers.size()];
    Result<void> result = journal_.Submit(again, now_);
    SIMKEEP_ASSERT(!result.has_value() && result.error().reason == "transfer_exists");
    return false;
  }

  ByteReader& input_;
  Journal journal_;
  std::vector<TransferId> holds_;
  Timestamp now_ = FromMicros(1'767'225'600'000'000);  // 2026-01-01T00:00:00Z.
  int64_t next_id_ = 0;
};

}  // namespace
}  // namespace simkeep::ledger

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  simkeep::ledger::ByteReader input(data, size);
  simkeep::ledger::LedgerFuzzer fuzzer(input);
  fuzzer.Run();
  return 0;
}
