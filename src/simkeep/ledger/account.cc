#include "simkeep/ledger/account.h"

#include <array>
#include <utility>

#include "simkeep/base/assert.h"

namespace simkeep::ledger {
namespace {

constexpr std::array<std::pair<AccountKind, std::string_view>, 6> kAccountKindNames = {{
    {AccountKind::kCustomerWallet, "customer_wallet"},
    {AccountKind::kProviderClearing, "provider_clearing"},
    {AccountKind::kRevenue, "revenue"},
    {AccountKind::kTaxPayable, "tax_payable"},
    {AccountKind::kVoucherLiability, "voucher_liability"},
    {AccountKind::kPartnerPayable, "partner_payable"},
}};

// a + b <= limit for non-negative a, b and limit, decided without computing a + b, which could
// overflow on corrupt balances.
bool SumAtMost(int64_t a, int64_t b, int64_t limit) { return a <= limit && b <= limit - a; }

}  // namespace

std::string_view AccountKindName(AccountKind kind) {
  for (const auto& [candidate, name] : kAccountKindNames) {
    if (candidate == kind) {
      return name;
    }
  }
  SIMKEEP_UNREACHABLE();  // Every enumerator is in the table.
  return {};
}

std::optional<AccountKind> ParseAccountKind(std::string_view name) {
  for (const auto& [kind, candidate] : kAccountKindNames) {
    if (candidate == name) {
      return kind;
    }
  }
  return std::nullopt;
}

AccountFlags DefaultAccountFlags(AccountKind kind) {
  AccountFlags flags;
  switch (kind) {
    case AccountKind::kCustomerWallet:
    case AccountKind::kVoucherLiability:
    case AccountKind::kPartnerPayable:
      flags.debits_must_not_exceed_credits = true;
      break;
    case AccountKind::kProviderClearing:
    case AccountKind::kRevenue:
    case AccountKind::kTaxPayable:
      break;
  }
  return flags;
}

Account MakeAccount(AccountId id, AccountKind kind) {
  Account account;
  account.id = std::move(id);
  account.kind = kind;
  account.currency = Currency::kJpy;
  account.flags = DefaultAccountFlags(kind);
  return account;
}

int64_t CreditBalance(const Account& account) {
  return account.credits_posted - account.debits_posted;
}

int64_t AvailableCreditBalance(const Account& account) {
  return account.credits_posted - (account.debits_posted + account.debits_pending);
}

int64_t DebitBalance(const Account& account) {
  return account.debits_posted - account.credits_posted;
}

bool FlagsHold(const Account& account) {
  if (account.debits_pending < 0 || account.debits_posted < 0 || account.credits_pending < 0 ||
      account.credits_posted < 0) {
    return false;
  }
  const AccountFlags& flags = account.flags;
  if (flags.debits_must_not_exceed_credits && flags.credits_must_not_exceed_debits) {
    return false;
  }
  if (flags.debits_must_not_exceed_credits &&
      !SumAtMost(account.debits_posted, account.debits_pending, account.credits_posted)) {
    return false;
  }
  if (flags.credits_must_not_exceed_debits &&
      !SumAtMost(account.credits_posted, account.credits_pending, account.debits_posted)) {
    return false;
  }
  return true;
}

}  // namespace simkeep::ledger
