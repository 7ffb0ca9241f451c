#include "simkeep/ledger/transfer.h"

#include <array>
#include <utility>

#include "simkeep/base/assert.h"

namespace simkeep::ledger {
namespace {

constexpr std::array<std::pair<TransferKind, std::string_view>, 4> kTransferKindNames = {{
    {TransferKind::kPosted, "posted"},
    {TransferKind::kPending, "pending"},
    {TransferKind::kPostPending, "post_pending"},
    {TransferKind::kVoidPending, "void_pending"},
}};

constexpr std::array<std::pair<PendingStatus, std::string_view>, 5> kPendingStatusNames = {{
    {PendingStatus::kNone, "none"},
    {PendingStatus::kPending, "pending"},
    {PendingStatus::kPosted, "posted"},
    {PendingStatus::kVoided, "voided"},
    {PendingStatus::kExpired, "expired"},
}};

template <typename Enum, size_t kSize>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, kSize>& table,
                        Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) {
      return name;
    }
  }
  SIMKEEP_UNREACHABLE();  // Every enumerator is in its table.
  return {};
}

template <typename Enum, size_t kSize>
std::optional<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, kSize>& table,
                          std::string_view name) {
  for (const auto& [value, candidate] : table) {
    if (candidate == name) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view TransferKindName(TransferKind kind) { return NameOf(kTransferKindNames, kind); }

std::optional<TransferKind> ParseTransferKind(std::string_view name) {
  return Parse(kTransferKindNames, name);
}

bool HasTimeout(const Transfer& transfer) { return transfer.timeout_at != Timestamp{}; }

bool IsTimedOut(const Transfer& pending, Timestamp now) {
  return HasTimeout(pending) && now >= pending.timeout_at;
}

std::string_view PendingStatusName(PendingStatus status) {
  return NameOf(kPendingStatusNames, status);
}

std::optional<PendingStatus> ParsePendingStatus(std::string_view name) {
  return Parse(kPendingStatusNames, name);
}

}  // namespace simkeep::ledger
