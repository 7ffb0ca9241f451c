#include "simkeep/payments/komoju/internal/payment_json.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <utility>

#include <openssl/crypto.h>

#include "simkeep/base/time.h"

namespace simkeep::payments::komoju::internal {
namespace {

using domain::PaymentMethod;
using nlohmann::json;

struct TypeName {
  PaymentMethod method;
  std::string_view type;
};
// The methods KOMOJU collects, by its payment_details types (doc.komoju.com/docs/payment-details
// and the API reference's PaymentDetails types). LINE Pay and PayPal are missing on purpose: see
// the README.
constexpr std::array<TypeName, 7> kTypeNames = {{
    {PaymentMethod::kCard, "credit_card"},
    {PaymentMethod::kKonbini, "konbini"},
    {PaymentMethod::kPayEasy, "pay_easy"},
    {PaymentMethod::kBankTransfer, "bank_transfer"},
    {PaymentMethod::kPayPay, "paypay"},
    {PaymentMethod::kAlipay, "alipay"},
    {PaymentMethod::kWeChatPay, "wechatpay"},
}};

// Overwrites the json's own copies of the card number and code, which go the same way as the
// caller's copy of the body.
void WipeCardSecrets(json& body) {
  auto details = body.find("payment_details");
  if (details == body.end() || !details->is_object()) {
    return;
  }
  for (const char* key : {"number", "verification_value"}) {
    auto secret = details->find(key);
    if (secret != details->end() && secret->is_string()) {
      std::string& text = secret->get_ref<std::string&>();
      OPENSSL_cleanse(text.data(), text.size());
    }
  }
}

bool IsDeferredType(std::string_view type) {
  return type == "konbini" || type == "pay_easy" || type == "bank_transfer";
}

std::string TwoDigits(int value) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "%02d", value % 100);
  return buffer;
}

json CardDetails(const app::ChargeRequest& request) {
  json details = {{"type", "credit_card"},
                  {"number", request.card.number},
                  {"month", TwoDigits(request.card.exp_month)},
                  {"year", TwoDigits(request.card.exp_year)}};
  if (!request.card.cvc.empty()) {
    details["verification_value"] = request.card.cvc;
  }
  if (!request.customer_email.empty()) {
    details["email"] = request.customer_email;
  }
  return details;
}

json DeferredDetails(std::string_view type, const app::ChargeRequest& request, Timestamp now) {
  json details = {{"type", type}, {"email", request.customer_email}};
  if (type == "konbini") {
    details["store"] = request.konbini_store;
  }
  if (std::optional<int> days = ExpiryDays(request.pay_by, now)) {
    details["expiry_days"] = *days;
  }
  return details;
}

// The instructions of a deferred payment: the numbers the customer takes to the till, the ATM or
// the bank, and the deadline.
domain::PaymentAction DeferredAction(std::string_view type, const json& details,
                                     const json& payment) {
  domain::PaymentAction action;
  action.url = StringMember(details, "instructions_url");
  if (type == "konbini") {
    action.kind = domain::PaymentActionKind::kKonbini;
    action.store = StringMember(details, "store");
    action.payment_number = StringMember(details, "receipt");
    action.confirmation_number = StringMember(details, "confirmation_code");
  } else if (type == "pay_easy") {
    action.kind = domain::PaymentActionKind::kPayEasy;
    action.institution_number = StringMember(details, "bank_id");
    action.payment_number = StringMember(details, "customer_id");
    action.confirmation_number = StringMember(details, "confirmation_id");
  } else {
    action.kind = domain::PaymentActionKind::kBankTransfer;
    // The account to pay into, as the bank's transfer form asks for it.
    for (const char* key :
         {"bank_name", "account_branch_name", "account_type", "account_number", "account_name"}) {
      const std::string part = StringMember(details, key);
      if (!part.empty()) {
        action.payment_number += action.payment_number.empty() ? part : " " + part;
      }
    }
  }
  std::string deadline = StringMember(payment, "payment_deadline");
  if (deadline.empty()) {
    deadline = StringMember(details, "payment_deadline");
  }
  action.expires_at = ParseRfc3339(deadline);
  return action;
}

// The status part of OutcomeFromPayment (see the header's table).
void ApplyStatus(std::string_view status, std::string_view type, const json& details,
                 const json& payment, app::ChargeOutcome& outcome) {
  const std::string redirect_url = StringMember(details, "redirect_url");
  if (status == "captured" || status == "refunded") {
    outcome.status = app::ChargeStatus::kSucceeded;
  } else if (status == "cancelled" || status == "expired") {
    outcome.status = app::ChargeStatus::kCanceled;
  } else if (status == "failed") {
    outcome.status = app::ChargeStatus::kFailed;
    if (type == "credit_card") {
      outcome.failure_reason = redirect_url.empty() ? "card_declined" : "authentication_failed";
    } else {
      outcome.failure_reason = "processing_error";
    }
  } else if ((status == "pending" || status == "authorized") && !redirect_url.empty()) {
    outcome.status = app::ChargeStatus::kRequiresAction;
    outcome.action.kind = domain::PaymentActionKind::kRedirect;
    outcome.action.url = redirect_url;
  } else if ((status == "pending" || status == "authorized") && IsDeferredType(type)) {
    outcome.status = app::ChargeStatus::kRequiresAction;
    outcome.action = DeferredAction(type, details, payment);
  } else {
    outcome.status = app::ChargeStatus::kUnknown;
  }
}

}  // namespace

std::optional<std::string_view> PaymentTypeOf(PaymentMethod method) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.method == method) {
      return entry.type;
    }
  }
  return std::nullopt;
}

std::optional<PaymentMethod> MethodOfPaymentType(std::string_view type) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.type == type) {
      return entry.method;
    }
  }
  if (type == "linepay") {
    return PaymentMethod::kLinePay;  // Payments made before LINE Pay closed in Japan.
  }
  return std::nullopt;
}

std::optional<int> ExpiryDays(Timestamp pay_by, Timestamp now) {
  if (pay_by <= now) {
    return std::nullopt;
  }
  const std::chrono::sys_days due{JstDate(pay_by)};
  const std::chrono::sys_days today{JstDate(now)};
  const auto days = static_cast<int>((due - today).count());
  return std::clamp(days, domain::kDeferredPaymentDaysMin, domain::kDeferredPaymentDaysMax);
}

std::string CreatePaymentBody(const app::ChargeRequest& request, Timestamp now) {
  const std::string_view type = PaymentTypeOf(request.method).value();
  json body = {{"amount", request.amount_jpy},
               {"currency", "JPY"},
               {"external_order_num", request.payment_id.value}};
  if (!request.order_id.empty()) {
    body["metadata"] = {{"order_id", request.order_id.value}};
  }
  if (!request.description.empty()) {
    body["description"] = request.description;
  }
  if (!request.return_url.empty()) {
    body["return_url"] = request.return_url;
  }
  if (request.method == PaymentMethod::kCard && !request.saved_method_token.empty()) {
    body["customer"] = request.saved_method_token;  // A KOMOJU customer with a saved card.
  } else if (request.method == PaymentMethod::kCard) {
    body["payment_details"] = CardDetails(request);
  } else if (IsDeferredType(type)) {
    body["payment_details"] = DeferredDetails(type, request, now);
  } else {
    body["payment_details"] = {{"type", type}};
  }
  // Invalid UTF-8 in a free-text field is replaced rather than thrown about.
  std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  WipeCardSecrets(body);
  return text;
}

app::ChargeOutcome OutcomeFromPayment(const json& payment) {
  app::ChargeOutcome outcome;
  outcome.provider_reference = StringMember(payment, "id");
  outcome.amount_jpy = IntegerMember(payment, "amount", -1);
  outcome.refunded_jpy = IntegerMember(payment, "amount_refunded", 0);
  static const json kNoDetails = json::object();
  const json* details = ObjectMember(payment, "payment_details");
  if (details == nullptr) {
    details = &kNoDetails;
  }
  const std::string type = StringMember(*details, "type");
  if (type == "credit_card") {
    outcome.card_brand = NormalizeCardBrand(StringMember(*details, "brand"));
    outcome.card_last4 = StringMember(*details, "last_four_digits");
  }
  ApplyStatus(StringMember(payment, "status"), type, *details, payment, outcome);
  return outcome;
}

app::ProviderPayment ProviderPaymentFrom(const json& payment) {
  app::ProviderPayment result;
  result.payment_id = PaymentId{StringMember(payment, "external_order_num")};
  result.provider_reference = StringMember(payment, "id");
  if (const json* details = ObjectMember(payment, "payment_details")) {
    if (std::optional<PaymentMethod> method = MethodOfPaymentType(StringMember(*details, "type"))) {
      result.method = *method;
    }
  }
  result.status = OutcomeFromPayment(payment).status;
  result.amount_jpy = IntegerMember(payment, "amount", 0);
  result.refunded_jpy = IntegerMember(payment, "amount_refunded", 0);
  if (std::optional<Timestamp> captured_at = ParseRfc3339(StringMember(payment, "captured_at"))) {
    result.captured_at = *captured_at;
  }
  return result;
}

ApiError ParseApiError(std::string_view body) {
  ApiError error;
  if (std::optional<json> object = ParseObject(body)) {
    if (const json* inner = ObjectMember(*object, "error")) {
      error.code = StringMember(*inner, "code");
      error.param = StringMember(*inner, "param");
    }
  }
  return error;
}

std::string_view CardFailureReason(std::string_view code) {
  static constexpr std::pair<std::string_view, std::string_view> kReasons[] = {
      {"card_declined", "card_declined"},
      {"insufficient_funds", "insufficient_funds"},
      {"card_expired", "expired_card"},
      {"exceeds_limit", "limit_exceeded"},
      {"bad_verification_value", "incorrect_cvc"},
      {"invalid_number", "card_number_invalid"},
      {"used_number", "card_declined"},      // A prepaid number spent already.
      {"invalid_account", "card_declined"},  // The account behind the card or wallet.
      {"restricted_account", "card_declined"},
      {"other_invalid", "card_declined"},  // "Invalid card" in the test cards' table.
      {"fraudulent", "card_declined"},     // Never told apart to the customer.
      {"invalid_password", "authentication_failed"},
  };
  for (const auto& [komoju_code, reason] : kReasons) {
    if (komoju_code == code) {
      return reason;
    }
  }
  return {};
}

std::string NormalizeCardBrand(std::string_view brand) {
  std::string lower(brand);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "master" || lower == "master_card") {
    return "mastercard";
  }
  if (lower == "american_express" || lower == "american express") {
    return "amex";
  }
  if (lower == "diners_club" || lower == "diners club") {
    return "diners";
  }
  return lower;
}

std::optional<json> ParseObject(std::string_view text) {
  json parsed = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return std::nullopt;
  }
  return parsed;
}

std::string StringMember(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return {};
  }
  return it->get<std::string>();
}

int64_t IntegerMember(const json& object, const char* key, int64_t fallback) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) {
    return fallback;
  }
  return it->get<int64_t>();
}

const json* ObjectMember(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

const json* ArrayMember(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace simkeep::payments::komoju::internal
