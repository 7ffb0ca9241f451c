#include <array>
#include <string_view>

#include "simkeep/domain/line.h"
#include "simkeep/domain/order.h"

namespace simkeep::domain {
namespace {

// Looks `text` up in a name table indexed by enumerator value.
template <typename Enum, size_t N>
std::optional<Enum> ParseByName(const std::array<const char*, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      return static_cast<Enum>(i);
    }
  }
  return std::nullopt;
}

constexpr std::array<const char*, 2> kFormFactorNames = {"sim", "esim"};
constexpr std::array<const char*, 3> kOrderKindNames = {"topup", "renewal", "plan_change"};
constexpr std::array<const char*, 5> kOrderStatusNames = {"pending", "completed", "failed",
                                                          "expired", "canceled"};
constexpr std::array<const char*, 2> kReceiptKindNames = {"qualified_invoice", "non_taxable"};

}  // namespace

const char* FormFactorName(FormFactor v) { return kFormFactorNames[static_cast<size_t>(v)]; }
std::optional<FormFactor> ParseFormFactor(std::string_view text) {
  return ParseByName<FormFactor>(kFormFactorNames, text);
}
const char* OrderKindName(OrderKind v) { return kOrderKindNames[static_cast<size_t>(v)]; }
std::optional<OrderKind> ParseOrderKind(std::string_view text) {
  return ParseByName<OrderKind>(kOrderKindNames, text);
}
const char* OrderStatusName(OrderStatus v) { return kOrderStatusNames[static_cast<size_t>(v)]; }
std::optional<OrderStatus> ParseOrderStatus(std::string_view text) {
  return ParseByName<OrderStatus>(kOrderStatusNames, text);
}
const char* ReceiptKindName(ReceiptKind v) { return kReceiptKindNames[static_cast<size_t>(v)]; }
std::optional<ReceiptKind> ParseReceiptKind(std::string_view text) {
  return ParseByName<ReceiptKind>(kReceiptKindNames, text);
}

}  // namespace simkeep::domain
