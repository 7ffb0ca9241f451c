#ifndef SIMKEEP_DOMAIN_PAYMENT_H_
#define SIMKEEP_DOMAIN_PAYMENT_H_

// Payments: the methods customers use in Japan, how each collects, which channel may offer
// which, the payment state machine and the deadlines of payments made later at a till or an ATM.
// Pure rules; no I/O.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"

namespace simkeep::domain {

enum class Channel { kApi, kWeb, kApp, kKiosk, kStore, kPartner, kSupport, kCli };
const char* ChannelName(Channel channel);
std::optional<Channel> ParseChannel(std::string_view text);

enum class PaymentMethod {
  kBalance,
  kCash,
  kCard,
  kPayPay,
  kLinePay,
  kPayPal,
  kAlipay,
  kWeChatPay,
  kBankTransfer,
  kKonbini,
  kPayEasy,
  kVoucher,
};
// "balance", "cash", "card", "paypay", "linepay", "paypal", "alipay", "wechatpay",
// "bank_transfer", "konbini", "pay_easy", "voucher".
const char* PaymentMethodName(PaymentMethod method);
std::optional<PaymentMethod> ParsePaymentMethod(std::string_view text);
// Every method, in enumerator order.
std::span<const PaymentMethod> AllPaymentMethods();

// How a method collects money.
enum class PaymentFlow {
  kInternal,  // balance, cash (and voucher): settled by simkeep in the command that places it.
  kCard,      // Answered at once, or after 3-D Secure (a redirect).
  kRedirect,  // linepay, paypal: the customer approves on the wallet's page.
  kQrCode,    // paypay, alipay, wechatpay: the customer scans a code with the wallet app.
  kDeferred,  // konbini, pay_easy, bank_transfer: paid later at a till, an ATM or a bank, by a
              // deadline; the provider notifies when the money arrives.
};
PaymentFlow FlowOf(PaymentMethod method);
// Whether a provider collects the method (everything but kInternal).
bool ThroughProvider(PaymentMethod method);
// Whether a payment by `method` can be refunded to where it came from: cards and wallets. Cash,
// till and bank payments cannot, and stored balance is never paid out (DOMAIN.md §4.2).
bool Refundable(PaymentMethod method);

enum class KonbiniStore {
  kSevenEleven,
  kLawson,
  kFamilyMart,
  kMinistop,
  kDailyYamazaki,
  kSeicomart
};
// "seven-eleven", "lawson", "family-mart", "ministop", "daily-yamazaki", "seicomart".
const char* KonbiniStoreName(KonbiniStore store);
std::optional<KonbiniStore> ParseKonbiniStore(std::string_view text);
std::span<const KonbiniStore> AllKonbiniStores();

enum class PaymentStatus { kPending, kRequiresAction, kSucceeded, kFailed, kCanceled, kRefunded };
const char* PaymentStatusName(PaymentStatus status);
std::optional<PaymentStatus> ParsePaymentStatus(std::string_view text);

// The payment state machine (DESIGN.md §2): pending -> requires_action -> succeeded | failed |
// canceled, refunded after succeeded (in full; a partial refund leaves it succeeded). A pending
// payment may go straight to any outcome. Staying in the same state is not a transition.
bool CanTransition(PaymentStatus from, PaymentStatus to);
// Whether the outcome is still open (pending or requires_action).
bool IsOpen(PaymentStatus status);

// What the customer must do to finish a payment in requires_action.
enum class PaymentActionKind { kNone, kRedirect, kQrCode, kKonbini, kPayEasy, kBankTransfer };
const char* PaymentActionKindName(PaymentActionKind kind);  // "none", "redirect", "qr_code", ...
std::optional<PaymentActionKind> ParsePaymentActionKind(std::string_view text);

struct PaymentAction {
  PaymentActionKind kind = PaymentActionKind::kNone;
  // kRedirect: the page to send the customer to (a wallet's approval page, 3-D Secure).
  // kKonbini, kPayEasy, kBankTransfer: the provider's page with the instructions, if any.
  std::string url;
  std::string qr_payload;           // kQrCode: what the QR code encodes.
  std::string store;                // kKonbini: "seven-eleven", ...
  std::string payment_number;       // kKonbini: receipt / customer number; kPayEasy: customer
                                    // number; kBankTransfer: the account to pay into.
  std::string confirmation_number;  // kKonbini (Lawson, Ministop, ...), kPayEasy.
  std::string institution_number;   // kPayEasy: the collecting institution (収納機関番号).
  std::optional<Timestamp> expires_at;  // Pay by then (23:59:59 JST for deferred methods).

  bool operator==(const PaymentAction&) const = default;
};

// The action kind a method uses while it waits for the customer.
PaymentActionKind ActionKindOf(PaymentMethod method);

// Deferred payments are due by 23:59:59 JST on the `days`-th day after the JST date of `now`
// (KOMOJU's and Stripe's konbini convention). kDeferredPaymentDaysDefault is KOMOJU's default.
inline constexpr int kDeferredPaymentDaysDefault = 3;
inline constexpr int kDeferredPaymentDaysMin = 1;
inline constexpr int kDeferredPaymentDaysMax = 59;
Timestamp DeferredPaymentDeadline(Timestamp now, int days = kDeferredPaymentDaysDefault);

// What a channel offers: each method with the fee the customer pays on top of the price (tax
// included; a taxable service charge on the receipt), and what it may pay for.
struct MethodOffer {
  PaymentMethod method = PaymentMethod::kCard;
  int64_t fee_jpy = 0;
  bool for_topup = true;    // A wallet top-up (never "balance": it would pay itself).
  bool for_renewal = true;  // A renewal or topping.
};
// The methods a channel may offer, in display order. DOMAIN.md §5: clerks take cash; kiosks take
// cards and QR wallets (and cash confirmed by a clerk goes through the clerk's channel); web,
// app and API customers pay online or later at a konbini, ATM or bank.
std::span<const MethodOffer> MethodsForChannel(Channel channel);
// The offer of `method` on `channel`, or nullptr when the channel does not offer it.
const MethodOffer* FindOffer(Channel channel, PaymentMethod method);

// An attempt to collect money through a method and a provider. An order may have several
// attempts (a declined card, then a konbini payment); at most one is open or succeeded.
struct Payment {
  PaymentId id;
  OrderId order_id;
  PaymentMethod method = PaymentMethod::kBalance;
  std::string provider;  // "internal" for balance and cash, "sandbox", "komoju", ...
  PaymentStatus status = PaymentStatus::kPending;
  int64_t amount_jpy = 0;
  int64_t refunded_jpy = 0;    // Refunded so far; == amount_jpy once kRefunded.
  std::string failure_reason;  // Stable word when failed: "card_declined", "expired_card", ...
  std::string provider_reference;
  std::string card_brand;  // "visa", ... when method is card.
  std::string card_last4;
  PaymentAction action;           // While requires_action.
  SavedMethodId saved_method_id;  // The saved card charged, if one was.
  // "<api key id>:<Idempotency-Key>" of the request that started this attempt (empty when it
  // had none): the key completed with the attempt's outcome.
  std::string idempotency_key;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> succeeded_at;  // When the money was collected.
};

enum class RefundStatus { kPending, kSucceeded, kFailed };
const char* RefundStatusName(RefundStatus status);  // "pending", "succeeded", "failed"
std::optional<RefundStatus> ParseRefundStatus(std::string_view text);

// A refund of part or all of a succeeded payment, back to where it came from. Pending while the
// provider is asked; the ledger is reversed when it succeeded.
struct Refund {
  RefundId id;
  PaymentId payment_id;
  OrderId order_id;
  int64_t amount_jpy = 0;
  std::string reason;  // Why, in staff's words; never empty.
  RefundStatus status = RefundStatus::kPending;
  std::string failure_reason;
  std::string provider_reference;
  std::string requested_by;  // The API key id of the agent or admin.
  Timestamp created_at;
  Timestamp updated_at;
};

// Whether `amount_jpy` more can be refunded of `payment`: it succeeded, its method is
// refundable, and the refunds so far plus this one stay within what it collected. Reasons:
// "refund_amount_invalid" (not positive), "payment_not_refundable" (method or status),
// "refund_exceeds_payment".
Result<void> CheckRefund(const Payment& payment, int64_t amount_jpy);

// Saved payment methods: a card kept at the provider for later charges (auto-renewal, renewals
// in one tap). Cards only: wallets and deferred methods need the customer each time.
bool Savable(PaymentMethod method);

enum class SavedMethodStatus { kPending, kActive, kFailed, kRemoved };
// "pending", "active", "failed", "removed"
const char* SavedMethodStatusName(SavedMethodStatus status);
std::optional<SavedMethodStatus> ParseSavedMethodStatus(std::string_view text);

// pending while the provider tokenises the card; active once it did; failed when it refused or
// never answered; removed when the customer or staff deleted it. Only the provider's token,
// the brand, the last four digits and the expiry are kept, never the card number.
struct SavedPaymentMethod {
  SavedMethodId id;
  LineId line_id;
  PaymentMethod method = PaymentMethod::kCard;
  std::string provider;  // "sandbox", "komoju": tokens are only good at their provider.
  SavedMethodStatus status = SavedMethodStatus::kPending;
  // The provider's token (a customer id at KOMOJU). Never shown. Kept after removal until the
  // provider has deleted it too, then cleared.
  std::string token;
  std::string card_brand;
  std::string card_last4;
  int exp_month = 0;  // 1..12 once active.
  int exp_year = 0;
  std::string failure_reason;
  std::string idempotency_key;  // "<api key id>:<Idempotency-Key>" of the request that saved it.
  Timestamp created_at;
  Timestamp updated_at;
};

// Whether a card valid through `exp_month`/`exp_year` has expired at `now`: cards are good until
// the end of their expiry month (23:59:59 JST of its last day).
bool CardExpired(int exp_month, int exp_year, Timestamp now);

// Whether `saved` can pay for an order of `line_id` through `provider` at `now`. Reasons:
// "saved_method_not_found" (kNotFound: another line's, or not active), "saved_method_expired"
// (kFailedPrecondition), "saved_method_provider_mismatch" (kFailedPrecondition: saved at another
// provider than the one now configured).
Result<void> CheckSavedMethodForCharge(const SavedPaymentMethod& saved, const LineId& line_id,
                                       std::string_view provider, Timestamp now);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_PAYMENT_H_
