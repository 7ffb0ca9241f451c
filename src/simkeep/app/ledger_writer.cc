#include "simkeep/app/ledger_writer.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "simkeep/base/assert.h"
#include "simkeep/ledger/journal.h"

namespace simkeep::app {

bool IsSystemAccount(const AccountId& id) { return id.value.starts_with(kSystemAccountPrefix); }

AccountId ProviderClearingAccount(std::string_view provider) {
  return AccountId{std::string(kSystemAccountPrefix) + "clearing_" + std::string(provider)};
}

AccountId SourceAccount(domain::PaymentMethod method, std::string_view provider,
                        const AccountId& wallet) {
  switch (method) {
    case domain::PaymentMethod::kBalance:
      return wallet;
    case domain::PaymentMethod::kCash:
      return kCashClearingAccount;
    case domain::PaymentMethod::kVoucher:
      return kVoucherLiabilityAccount;
    default:
      SIMKEEP_ASSERT(domain::ThroughProvider(method));
      return ProviderClearingAccount(provider);
  }
}

Result<void> EnsureAccount(Transaction& transaction, const AccountId& id,
                           ledger::AccountKind kind) {
  Result<std::optional<ledger::Account>> found = transaction.FindAccount(id);
  if (!found) {
    return found.error();
  }
  if (found->has_value()) {
    return Ok();
  }
  Result<void> inserted = transaction.InsertAccount(ledger::MakeAccount(id, kind));
  if (!inserted && inserted.error().reason == "account_exists") {
    return Ok();  // Another process sharing the database created it since the lookup.
  }
  return inserted;
}

Result<void> EnsureSystemAccounts(Transaction& transaction,
                                  const std::vector<std::string_view>& providers) {
  std::vector<std::pair<AccountId, ledger::AccountKind>> accounts = {
      {kRevenueAccount, ledger::AccountKind::kRevenue},
      {kTaxPayableAccount, ledger::AccountKind::kTaxPayable},
      {kCashClearingAccount, ledger::AccountKind::kProviderClearing}};
  for (std::string_view provider : providers) {
    accounts.emplace_back(ProviderClearingAccount(provider),
                          ledger::AccountKind::kProviderClearing);
  }
  for (const auto& [id, kind] : accounts) {
    if (Result<void> ensured = EnsureAccount(transaction, id, kind); !ensured) {
      return ensured;
    }
  }
  return Ok();
}

ledger::Transfer MakeTransfer(IdGenerator& ids, const AccountId& debit, const AccountId& credit,
                              int64_t amount_jpy, std::string code, const std::string& reference,
                              Timestamp now) {
  ledger::Transfer transfer;
  transfer.id = TransferId{ids.Next("tr")};
  transfer.debit_account_id = debit;
  transfer.credit_account_id = credit;
  transfer.amount = Money::Yen(amount_jpy);
  transfer.kind = ledger::TransferKind::kPosted;
  transfer.created_at = now;
  transfer.code = std::move(code);
  transfer.reference = reference;
  return transfer;
}

Result<void> PostTransfers(Transaction& transaction, const std::vector<ledger::Transfer>& transfers,
                           Timestamp now) {
  // Apply everything to copies first, so that a rejection part-way writes nothing.
  std::map<std::string, ledger::Account> accounts;
  auto load = [&](const AccountId& id) -> Result<ledger::Account*> {
    auto it = accounts.find(id.value);
    if (it != accounts.end()) {
      return &it->second;
    }
    Result<std::optional<ledger::Account>> found = transaction.FindAccount(id);
    if (!found) {
      return found.error();
    }
    if (!found->has_value()) {
      return NotFound("account_not_found", "Ledger account " + id.value + " does not exist.");
    }
    return &accounts.emplace(id.value, std::move(**found)).first->second;
  };
  // Accounts are read (and, on PostgreSQL, locked until commit) in one canonical order, so that
  // two processes moving money between the same accounts wait for each other instead of
  // deadlocking: the line's own accounts first, then the shared system accounts, each by id.
  // Every writer also takes the system accounts last, holding those busy rows no longer than
  // needed.
  std::vector<AccountId> order;
  for (const ledger::Transfer& transfer : transfers) {
    order.push_back(transfer.debit_account_id);
    order.push_back(transfer.credit_account_id);
  }
  std::sort(order.begin(), order.end(), [](const AccountId& a, const AccountId& b) {
    return std::make_pair(IsSystemAccount(a), a.value) <
           std::make_pair(IsSystemAccount(b), b.value);
  });
  for (const AccountId& id : order) {
    if (Result<ledger::Account*> loaded = load(id); !loaded) {
      return loaded.error();
    }
  }
  for (const ledger::Transfer& transfer : transfers) {
    SIMKEEP_ASSERT(transfer.kind == ledger::TransferKind::kPosted);
    Result<ledger::Account*> debit = load(transfer.debit_account_id);
    if (!debit) {
      return debit.error();
    }
    Result<ledger::Account*> credit = load(transfer.credit_account_id);
    if (!credit) {
      return credit.error();
    }
    Result<void> valid = ledger::ValidateTransfer(transfer, **debit, **credit, nullptr,
                                                  ledger::PendingStatus::kNone, now);
    if (!valid) {
      return valid.error();
    }
    ledger::ApplyTransfer(transfer, **debit, **credit, nullptr);
  }
  for (const ledger::Transfer& transfer : transfers) {
    if (Result<void> written = transaction.InsertTransfer(transfer); !written) {
      return written.error();
    }
  }
  for (const auto& [id, account] : accounts) {
    if (Result<void> written = transaction.UpdateAccount(account); !written) {
      return written.error();
    }
  }
  return Ok();
}

Result<int64_t> WalletBalance(Transaction& transaction, const AccountId& wallet) {
  Result<std::optional<ledger::Account>> found = transaction.FindAccount(wallet);
  if (!found) {
    return found.error();
  }
  if (!found->has_value()) {
    return NotFound("account_not_found", "Wallet " + wallet.value + " does not exist.");
  }
  return ledger::AvailableCreditBalance(**found);
}

}  // namespace simkeep::app
