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

json CardDetails(const app::CardDetails& card) {
  json details = {{"type", "credit_card"},
                  {"number", card.number},
                  {"month", TwoDigits(card.exp_month)},
                  {"year", TwoDigits(card.exp_year)}};
  if (!card.cvc.empty()) {
    details["verification_value"] = card.cvc;
  }
  return details;
}

json CardDetails(const app::ChargeRequest& request) {
  json details = CardDetails(request.card);
  if (!request.customer_email.empty()) {
    details["email"] = request.customer_email;
  }
  return details;
}

// One name into `family_key` and `given_key`. A name that does not split goes whole as the
// family name and an empty one not at all, so that KOMOJU says what is missing.
void AddPayerName(std::string_view name, const char* family_key, const char* given_key,
                  json& details) {
  if (std::optional<PayerName> parts = SplitPayerName(name)) {
    details[family_key] = parts->family;
    details[given_key] = parts->given;
  } else if (name.find_first_not_of(' ') != std::string_view::npos) {
    details[family_key] = std::string(name);
  }
}

// The payer as KOMOJU asks Pay-easy and bank transfer payments for them.
void AddPayer(const app::ChargeRequest& request, json& details) {
  AddPayerName(request.customer_name, "family_name", "given_name", details);
  AddPayerName(request.customer_name_kana, "family_name_kana", "given_name_kana", details);
  if (std::optional<std::string> digits = JapanesePhoneDigits(request.customer_phone)) {
    details["phone"] = *digits;
  } else if (!request.customer_phone.empty()) {
    details["phone"] = request.customer_phone;
  }
}

json DeferredDetails(std::string_view type, const app::ChargeRequest& request, Timestamp now) {
  json details = {{"type", type}, {"email", request.customer_email}};
  if (type == "konbini") {
    details["store"] = request.konbini_store;
  } else {
    AddPayer(request, details);
  }
  if (std::optional<int> days = ExpiryDays(request.pay_by, now)) {
    details["expiry_days"] = *days;
  }
  return details;
}

// A number given as a JSON integer or as a string of up to four digits ("03"); 0 otherwise.
int64_t NumberMember(const json& object, const char* key) {
  const std::string text = StringMember(object, key);
  if (!text.empty() && text.size() <= 4 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::stoll(text);
  }
  return IntegerMember(object, key, 0);
}

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000.

// The length of the space (U+0020 or U+3000) at the start of `text`; 0 when none is there.
size_t SpaceAt(std::string_view text) {
  if (text.starts_with(' ')) {
    return 1;
  }
  return text.starts_with(kIdeographicSpace) ? kIdeographicSpace.size() : 0;
}

// `text` without the spaces at either end.
std::string_view TrimSpaces(std::string_view text) {
  while (size_t width = SpaceAt(text)) {
    text.remove_prefix(width);
  }
  while (text.ends_with(' ') || text.ends_with(kIdeographicSpace)) {
    text.remove_suffix(text.ends_with(' ') ? 1 : kIdeographicSpace.size());
  }
  return text;
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

std::string CreateCustomerBody(const app::SaveMethodRequest& request) {
  json body = {{"payment_details", CardDetails(request.card)},
               {"metadata", {{"saved_method_id", request.id.value}}}};
  if (!request.customer_email.empty()) {
    body["email"] = request.customer_email;
  }
  std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  WipeCardSecrets(body);
  return text;
}

app::SaveMethodOutcome OutcomeFromCustomer(const json& customer) {
  app::SaveMethodOutcome outcome;
  outcome.token = StringMember(customer, "id");
  if (outcome.token.empty()) {
    return outcome;  // kUnknown.
  }
  outcome.status = app::SaveStatus::kSaved;
  if (const json* source = ObjectMember(customer, "source")) {
    outcome.card_brand = NormalizeCardBrand(StringMember(*source, "brand"));
    outcome.card_last4 = StringMember(*source, "last_four_digits");
    outcome.exp_month = static_cast<int>(NumberMember(*source, "month"));
    const int64_t year = NumberMember(*source, "year");
    outcome.exp_year = static_cast<int>(year > 0 && year < 100 ? 2000 + year : year);
  }
  return outcome;
}

std::optional<PayerName> SplitPayerName(std::string_view name) {
  name = TrimSpaces(name);
  for (size_t i = 0; i < name.size(); ++i) {
    if (size_t width = SpaceAt(name.substr(i))) {
      PayerName parts{std::string(name.substr(0, i)),
                      std::string(TrimSpaces(name.substr(i + width)))};
      if (parts.family.empty() || parts.given.empty()) {
        return std::nullopt;
      }
      return parts;
    }
  }
  return std::nullopt;
}

bool IsKatakanaReading(std::string_view text) {
  bool letter = false;
  while (!text.empty()) {
    if (size_t width = SpaceAt(text)) {
      text.remove_prefix(width);
      continue;
    }
    // Everything else allowed is a three-byte UTF-8 sequence in U+30A1..U+30FC.
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    if (text.size() < 3 || byte(0) != 0xE3 || (byte(1) & 0xC0) != 0x80 ||
        (byte(2) & 0xC0) != 0x80) {
      return false;
    }
    const unsigned code = 0x3000u | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
    if (code >= 0x30A1 && code <= 0x30FA) {
      letter = true;
    } else if (code != 0x30FB && code != 0x30FC) {
      return false;
    }
    text.remove_prefix(3);
  }
  return letter;
}

std::optional<std::string> JapanesePhoneDigits(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c == '-') {
      continue;
    }
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    digits += c;
  }
  if ((digits.size() != 10 && digits.size() != 11) || digits[0] != '0') {
    return std::nullopt;
  }
  return digits;
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
