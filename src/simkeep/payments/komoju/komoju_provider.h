#ifndef SIMKEEP_PAYMENTS_KOMOJU_KOMOJU_PROVIDER_H_
#define SIMKEEP_PAYMENTS_KOMOJU_KOMOJU_PROVIDER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "simkeep/app/payment_provider.h"
#include "simkeep/base/result.h"
#include "simkeep/payments/komoju/internal/https_client.h"
#include "simkeep/payments/komoju/limits.h"

namespace simkeep::payments {

// How to reach a KOMOJU merchant account.
struct KomojuConfig {
  std::string base_url = "https://komoju.com";  // HTTPS only; no trailing slash needed.
  std::string secret_key;                       // The API's Basic-auth user; never logged.
  std::string webhook_secret;  // The webhook's secret token; empty refuses every webhook.
  std::string ca_file;         // A CA bundle to trust instead of the system's (tests).
  int connect_timeout_ms = komoju::kConnectTimeoutMsDefault;
  int total_timeout_ms = komoju::kTotalTimeoutMsDefault;
  int list_page_size = komoju::kListPageSizeDefault;  // Payments per page in ListPayments.
};

// The KOMOJU adapter of the payment provider port: card, konbini, Pay-easy, bank transfer,
// PayPay, Alipay and WeChat Pay through KOMOJU's Payments API (POST /api/v1/payments and
// friends), and saved cards through its Customers API (a customer per saved card, charged by
// its id), over HTTPS with libcurl. Every call that moves money or keeps a card carries KOMOJU's
// idempotency key (X-KOMOJU-IDEMPOTENCY): the payment id for a charge, the refund id for a
// refund, the saved method id for a saved card, so that asking twice collects, refunds or saves
// once. A call that ends without an answer (no connection, a
// timeout, a 5xx, a 409 for a request still running) is kUnknown and never a failure: the
// payment may have been made, and Retrieve() finds out later, by KOMOJU's payment id or, when
// simkeep never learned it, by the payment id given to KOMOJU as external_order_num.
//
// Card numbers and secrets are never logged and never put in a message; the request body that
// holds a card number is wiped after its call.
//
// Made once at start-up (before other threads use libcurl); owned by whoever wires the
// providers. Thread-safe: no mutable state, one libcurl handle per call.
class KomojuProvider final : public app::PaymentProvider {
  struct Token {};

 public:
  // Checks `config`: kInvalidArgument "komoju_config_invalid" when base_url is not https://,
  // the secret key is empty, a timeout is outside kTimeoutMsMin..kTimeoutMsMax (or the connect
  // timeout longer than the total) or list_page_size outside 1..kListPageSizeMax.
  static Result<std::unique_ptr<KomojuProvider>> Create(KomojuConfig config);
  KomojuProvider(Token, KomojuConfig config);

  std::string_view name() const override { return "komoju"; }
  // Card, konbini, pay_easy, bank_transfer, paypay, alipay, wechatpay. Not LINE Pay (it closed
  // in Japan in April 2025 and KOMOJU dropped it), not PayPal (KOMOJU does not offer it), never
  // an internal method.
  bool Supports(domain::PaymentMethod method) const override;
  // Reasons: "payment_method_not_supported"; for cards "card_required" (neither a number nor a
  // saved method token), "card_number_invalid" (12-19 digits, Luhn), "card_expiry_invalid";
  // for konbini "konbini_store_invalid" (not one of the six store names); for konbini, Pay-easy
  // and bank transfer "email_required". Pay-easy and bank transfer also need the payer, as
  // KOMOJU does: "customer_name_required" when the name or its katakana reading is missing, is
  // not family name and given name apart ("山田 太郎", "ヤマダ タロウ": KOMOJU takes the two
  // parts separately) or the reading is not full-width katakana (with ・, ー and spaces);
  // "customer_phone_invalid" when the phone number is missing or not Japanese (10 or 11 digits
  // starting with 0, hyphens allowed).
  Result<void> ValidateCharge(const app::ChargeRequest& request, Timestamp now) const override;
  // POST /api/v1/payments with external_order_num = payment id and the payment id as the
  // idempotency key. kSucceeded for a captured payment; kRequiresAction with the konbini,
  // Pay-easy or bank numbers and the deadline, or with a redirect (3-D Secure, wallets);
  // kFailed with "card_declined", "insufficient_funds", "expired_card", "limit_exceeded",
  // "incorrect_cvc", "card_number_invalid", "authentication_failed" (card errors, whatever the
  // HTTP status) or "processing_error" (a request KOMOJU refused that made no payment);
  // kUnknown when there is no answer.
  app::ChargeOutcome Charge(const app::ChargeRequest& request, Timestamp now) override;
  // Cards only: KOMOJU keeps a card as a customer's source.
  bool SupportsSaving(domain::PaymentMethod method) const override;
  // POST /api/v1/customers with the card as payment_details (and the email when given), the
  // saved method id as the idempotency key and as metadata.saved_method_id. The card is checked
  // first as ValidateCharge checks it, and an invalid one is never sent. kSaved with KOMOJU's
  // customer id as the token and the brand, last four digits and expiry of its source; kFailed
  // with "payment_method_not_savable" (not a card), "card_required", "card_number_invalid",
  // "card_expiry_invalid" (refused before any call), the card errors of Charge()
  // ("card_declined", "expired_card", "incorrect_cvc", "card_number_invalid", ...) or
  // "processing_error" (another refusal, or an id KOMOJU cannot take as a key); kUnknown when
  // there is no answer (a repeat with the same id then answers what KOMOJU made).
  app::SaveMethodOutcome SaveMethod(const app::SaveMethodRequest& request, Timestamp now) override;
  // DELETE /api/v1/customers/:id. Ok when KOMOJU deleted it or holds no such customer (404);
  // kUnavailable "provider_unavailable" for any other answer or none (it may still be held).
  Result<void> ForgetMethod(const std::string& token) override;
  // GET /api/v1/payments/:id, or the list filtered by external_order_num when the payment has
  // no provider reference yet. kUnknown when KOMOJU does not answer or holds no such payment.
  app::ChargeOutcome Retrieve(const domain::Payment& payment) override;
  // POST /api/v1/payments/:id/cancel. kCanceled, or what the payment is when KOMOJU refuses to
  // cancel it (kSucceeded when the customer paid meanwhile), or kUnknown.
  app::ChargeOutcome Cancel(const domain::Payment& payment) override;
  // POST /api/v1/payments/:id/refund with the amount and the reason as description, the refund
  // id as the idempotency key. kFailed "refund_not_supported" for konbini, Pay-easy and bank
  // transfer payments (KOMOJU refunds those by hand only) and when KOMOJU says not_refundable;
  // "refund_exceeds_payment" when the amount is more than is left; "processing_error" for other
  // refusals. provider_reference is KOMOJU's refund id.
  app::RefundOutcome Refund(const app::RefundRequest& request) override;
  // X-Komoju-Signature must be the lower-case hex HMAC-SHA256 of the raw body under the webhook
  // secret (compared in constant time). The delivery id is X-Komoju-ID, the event X-Komoju-Event
  // (or the body's "type"), our payment id the body's data.external_order_num. KOMOJU puts no
  // timestamp under the signature, so `now` cannot bound replays: the caller keeps delivery ids
  // and fetches the payment again (Retrieve) before acting.
  Result<app::WebhookDelivery> VerifyWebhook(const std::map<std::string, std::string>& headers,
                                             std::string_view body, Timestamp now) const override;
  // The payments captured in [from, to), paged through GET /api/v1/payments. KOMOJU filters by
  // creation time, so the pages cover creations from kListCreatedLookbackDays before `from`.
  // Errors: kUnavailable "provider_unavailable" when a page has no answer or an unreadable one;
  // kResourceExhausted "provider_list_too_long" past kListPagesMax pages.
  Result<std::vector<app::ProviderPayment>> ListPayments(Timestamp from, Timestamp to) override;

 private:
  // The payment object with KOMOJU id `reference`, or the one made for `payment_id` when the
  // reference is empty. kNotFound when KOMOJU holds none; kUnavailable when it did not answer.
  Result<nlohmann::json> FindPayment(const std::string& reference,
                                     const PaymentId& payment_id) const;
  Result<nlohmann::json> FindByExternalOrderNum(const PaymentId& payment_id) const;
  app::ChargeOutcome ChargeOutcomeOf(const Result<komoju::internal::HttpsResponse>& response,
                                     const app::ChargeRequest& request) const;
  static app::RefundOutcome RefundOutcomeOf(
      const Result<komoju::internal::HttpsResponse>& response);
  static app::SaveMethodOutcome SaveOutcomeOf(
      const Result<komoju::internal::HttpsResponse>& response);

  KomojuConfig config_;
  komoju::internal::HttpsClient client_;
};

}  // namespace simkeep::payments

#endif  // SIMKEEP_PAYMENTS_KOMOJU_KOMOJU_PROVIDER_H_
