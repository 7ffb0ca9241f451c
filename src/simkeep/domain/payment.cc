#include "simkeep/domain/payment.h"

#include <array>

#include "simkeep/base/time.h"

namespace simkeep::domain {
namespace {

template <typename Enum, size_t N>
std::optional<Enum> ParseByName(const std::array<const char*, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      return static_cast<Enum>(i);
    }
  }
  return std::nullopt;
}

constexpr std::array<const char*, 8> kChannelNames = {"api",   "web",     "app",     "kiosk",
                                                      "store", "partner", "support", "cli"};
constexpr std::array<const char*, 12> kPaymentMethodNames = {
    "balance", "cash",      "card",          "paypay",  "linepay",  "paypal",
    "alipay",  "wechatpay", "bank_transfer", "konbini", "pay_easy", "voucher"};
constexpr std::array<PaymentMethod, 12> kAllPaymentMethods = {
    PaymentMethod::kBalance, PaymentMethod::kCash,      PaymentMethod::kCard,
    PaymentMethod::kPayPay,  PaymentMethod::kLinePay,   PaymentMethod::kPayPal,
    PaymentMethod::kAlipay,  PaymentMethod::kWeChatPay, PaymentMethod::kBankTransfer,
    PaymentMethod::kKonbini, PaymentMethod::kPayEasy,   PaymentMethod::kVoucher};
constexpr std::array<const char*, 6> kKonbiniStoreNames = {
    "seven-eleven", "lawson", "family-mart", "ministop", "daily-yamazaki", "seicomart"};
constexpr std::array<KonbiniStore, 6> kAllKonbiniStores = {
    KonbiniStore::kSevenEleven, KonbiniStore::kLawson,        KonbiniStore::kFamilyMart,
    KonbiniStore::kMinistop,    KonbiniStore::kDailyYamazaki, KonbiniStore::kSeicomart};
constexpr std::array<const char*, 6> kPaymentStatusNames = {
    "pending", "requires_action", "succeeded", "failed", "canceled", "refunded"};
constexpr std::array<const char*, 3> kRefundStatusNames = {"pending", "succeeded", "failed"};
constexpr std::array<const char*, 4> kSavedMethodStatusNames = {"pending", "active", "failed",
                                                                "removed"};
constexpr std::array<const char*, 6> kActionKindNames = {"none",    "redirect", "qr_code",
                                                         "konbini", "pay_easy", "bank_transfer"};

// The service charge for paying later at a till or an ATM (tax included). Online methods and
// the store counter carry none.
constexpr int64_t kDeferredFeeJpy = 220;

using M = PaymentMethod;
// Online channels (web, app, API, support): everything a customer can pay with remotely.
// Vouchers are redeemed, not offered as a method (a later issue).
constexpr std::array<MethodOffer, 10> kOnlineOffers = {{
    {M::kCard, 0, true, true},
    {M::kPayPay, 0, true, true},
    {M::kLinePay, 0, true, true},
    {M::kPayPal, 0, true, true},
    {M::kAlipay, 0, true, true},
    {M::kWeChatPay, 0, true, true},
    {M::kKonbini, kDeferredFeeJpy, true, true},
    {M::kPayEasy, kDeferredFeeJpy, true, true},
    {M::kBankTransfer, 0, true, true},
    {M::kBalance, 0, false, true},
}};
// The store counter: the clerk takes cash, cards and QR wallets.
constexpr std::array<MethodOffer, 6> kStoreOffers = {{
    {M::kCash, 0, true, true},
    {M::kCard, 0, true, true},
    {M::kPayPay, 0, true, true},
    {M::kAlipay, 0, true, true},
    {M::kWeChatPay, 0, true, true},
    {M::kBalance, 0, false, true},
}};
// A kiosk: cards and QR wallets on the device; cash goes through a clerk.
constexpr std::array<MethodOffer, 6> kKioskOffers = {{
    {M::kCard, 0, true, true},
    {M::kPayPay, 0, true, true},
    {M::kLinePay, 0, true, true},
    {M::kAlipay, 0, true, true},
    {M::kWeChatPay, 0, true, true},
    {M::kBalance, 0, false, true},
}};
// A partner shop collects cash and settles with the operator; or the line pays from balance.
constexpr std::array<MethodOffer, 2> kPartnerOffers = {{
    {M::kCash, 0, true, true},
    {M::kBalance, 0, false, true},
}};

}  // namespace

const char* ChannelName(Channel v) { return kChannelNames[static_cast<size_t>(v)]; }
std::optional<Channel> ParseChannel(std::string_view text) {
  return ParseByName<Channel>(kChannelNames, text);
}

const char* PaymentMethodName(PaymentMethod v) {
  return kPaymentMethodNames[static_cast<size_t>(v)];
}
std::optional<PaymentMethod> ParsePaymentMethod(std::string_view text) {
  return ParseByName<PaymentMethod>(kPaymentMethodNames, text);
}
std::span<const PaymentMethod> AllPaymentMethods() { return kAllPaymentMethods; }

PaymentFlow FlowOf(PaymentMethod method) {
  switch (method) {
    case M::kBalance:
    case M::kCash:
    case M::kVoucher:
      return PaymentFlow::kInternal;
    case M::kCard:
      return PaymentFlow::kCard;
    case M::kLinePay:
    case M::kPayPal:
      return PaymentFlow::kRedirect;
    case M::kPayPay:
    case M::kAlipay:
    case M::kWeChatPay:
      return PaymentFlow::kQrCode;
    case M::kBankTransfer:
    case M::kKonbini:
    case M::kPayEasy:
      return PaymentFlow::kDeferred;
  }
  return PaymentFlow::kInternal;
}

bool ThroughProvider(PaymentMethod method) { return FlowOf(method) != PaymentFlow::kInternal; }

bool Refundable(PaymentMethod method) {
  const PaymentFlow flow = FlowOf(method);
  return flow == PaymentFlow::kCard || flow == PaymentFlow::kRedirect ||
         flow == PaymentFlow::kQrCode;
}

const char* KonbiniStoreName(KonbiniStore v) { return kKonbiniStoreNames[static_cast<size_t>(v)]; }
std::optional<KonbiniStore> ParseKonbiniStore(std::string_view text) {
  return ParseByName<KonbiniStore>(kKonbiniStoreNames, text);
}
std::span<const KonbiniStore> AllKonbiniStores() { return kAllKonbiniStores; }

const char* PaymentStatusName(PaymentStatus v) {
  return kPaymentStatusNames[static_cast<size_t>(v)];
}
std::optional<PaymentStatus> ParsePaymentStatus(std::string_view text) {
  return ParseByName<PaymentStatus>(kPaymentStatusNames, text);
}

bool CanTransition(PaymentStatus from, PaymentStatus to) {
  using S = PaymentStatus;
  switch (from) {
    case S::kPending:
      return to == S::kRequiresAction || to == S::kSucceeded || to == S::kFailed ||
             to == S::kCanceled;
    case S::kRequiresAction:
      return to == S::kSucceeded || to == S::kFailed || to == S::kCanceled;
    case S::kSucceeded:
      return to == S::kRefunded;
    case S::kFailed:
    case S::kCanceled:
    case S::kRefunded:
      return false;
  }
  return false;
}

bool IsOpen(PaymentStatus status) {
  return status == PaymentStatus::kPending || status == PaymentStatus::kRequiresAction;
}

const char* PaymentActionKindName(PaymentActionKind v) {
  return kActionKindNames[static_cast<size_t>(v)];
}
std::optional<PaymentActionKind> ParsePaymentActionKind(std::string_view text) {
  return ParseByName<PaymentActionKind>(kActionKindNames, text);
}

PaymentActionKind ActionKindOf(PaymentMethod method) {
  switch (method) {
    case M::kCard:
    case M::kLinePay:
    case M::kPayPal:
      return PaymentActionKind::kRedirect;
    case M::kPayPay:
    case M::kAlipay:
    case M::kWeChatPay:
      return PaymentActionKind::kQrCode;
    case M::kKonbini:
      return PaymentActionKind::kKonbini;
    case M::kPayEasy:
      return PaymentActionKind::kPayEasy;
    case M::kBankTransfer:
      return PaymentActionKind::kBankTransfer;
    case M::kBalance:
    case M::kCash:
    case M::kVoucher:
      return PaymentActionKind::kNone;
  }
  return PaymentActionKind::kNone;
}

Timestamp DeferredPaymentDeadline(Timestamp now, int days) {
  const std::chrono::sys_days today{JstDate(now)};
  return JstEndOfDay(std::chrono::year_month_day{today + std::chrono::days{days}});
}

std::span<const MethodOffer> MethodsForChannel(Channel channel) {
  switch (channel) {
    case Channel::kStore:
    case Channel::kCli:  // `simkeep topup` and `renew` stand in for the counter.
      return kStoreOffers;
    case Channel::kKiosk:
      return kKioskOffers;
    case Channel::kPartner:
      return kPartnerOffers;
    case Channel::kApi:
    case Channel::kWeb:
    case Channel::kApp:
    case Channel::kSupport:
      return kOnlineOffers;
  }
  return {};
}

const MethodOffer* FindOffer(Channel channel, PaymentMethod method) {
  for (const MethodOffer& offer : MethodsForChannel(channel)) {
    if (offer.method == method) {
      return &offer;
    }
  }
  return nullptr;
}

const char* RefundStatusName(RefundStatus v) { return kRefundStatusNames[static_cast<size_t>(v)]; }
std::optional<RefundStatus> ParseRefundStatus(std::string_view text) {
  return ParseByName<RefundStatus>(kRefundStatusNames, text);
}

Result<void> CheckRefund(const Payment& payment, int64_t amount_jpy) {
  if (amount_jpy <= 0) {
    return InvalidArgument("refund_amount_invalid", "amount_jpy must be at least 1 yen.");
  }
  if (!Refundable(payment.method)) {
    return FailedPrecondition("payment_not_refundable",
                              std::string("A ") + PaymentMethodName(payment.method) +
                                  " payment cannot be refunded: money goes back only to the card "
                                  "or wallet it came from, and stored balance is never paid out.");
  }
  if (payment.status != PaymentStatus::kSucceeded) {
    return FailedPrecondition("payment_not_refundable",
                              std::string("The payment is ") + PaymentStatusName(payment.status) +
                                  "; only a succeeded payment can be refunded.");
  }
  const int64_t left = payment.amount_jpy - payment.refunded_jpy;
  if (amount_jpy > left) {
    return FailedPrecondition("refund_exceeds_payment", "At most " + std::to_string(left) +
                                                            " yen of this payment can still "
                                                            "be refunded.");
  }
  return Ok();
}

bool Savable(PaymentMethod method) { return method == PaymentMethod::kCard; }

const char* SavedMethodStatusName(SavedMethodStatus v) {
  return kSavedMethodStatusNames[static_cast<size_t>(v)];
}
std::optional<SavedMethodStatus> ParseSavedMethodStatus(std::string_view text) {
  return ParseByName<SavedMethodStatus>(kSavedMethodStatusNames, text);
}

bool CardExpired(int exp_month, int exp_year, Timestamp now) {
  using namespace std::chrono;
  if (exp_month < 1 || exp_month > 12) {
    return true;
  }
  const year_month_day month_end{year{exp_year} / month{static_cast<unsigned>(exp_month)} / last};
  return now > JstEndOfDay(month_end);
}

Result<void> CheckSavedMethodForCharge(const SavedPaymentMethod& saved, const LineId& line_id,
                                       std::string_view provider, Timestamp now) {
  if (saved.line_id != line_id || saved.status != SavedMethodStatus::kActive) {
    return NotFound("saved_method_not_found",
                    "No saved payment method " + saved.id.value + " is active on this line.");
  }
  if (saved.provider != provider) {
    return FailedPrecondition("saved_method_provider_mismatch",
                              "Saved payment method " + saved.id.value + " was saved at " +
                                  saved.provider +
                                  ", not at the payment provider now in use; "
                                  "save the card again.");
  }
  if (CardExpired(saved.exp_month, saved.exp_year, now)) {
    return FailedPrecondition("saved_method_expired",
                              "The saved card ending " + saved.card_last4 + " expired in " +
                                  std::to_string(saved.exp_month) + "/" +
                                  std::to_string(saved.exp_year) + "; save a new card.");
  }
  return Ok();
}

}  // namespace simkeep::domain
