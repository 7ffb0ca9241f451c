#include "simkeep/payments/komoju/komoju_provider.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "simkeep/base/time.h"
#include "simkeep/domain/identifiers.h"
#include "simkeep/payments/komoju/internal/payment_json.h"

namespace simkeep::payments {
namespace {

using komoju::internal::ApiError;
using komoju::internal::HttpsClient;
using komoju::internal::HttpsResponse;
using komoju::internal::ParseApiError;
using komoju::internal::ParseObject;
using komoju::internal::StringMember;
using nlohmann::json;

constexpr std::string_view kPaymentsPath = "/api/v1/payments";
constexpr std::string_view kCustomersPath = "/api/v1/customers";

app::ChargeOutcome Unknown() { return app::ChargeOutcome{}; }

app::ChargeOutcome Failed(std::string reason) {
  app::ChargeOutcome outcome;
  outcome.status = app::ChargeStatus::kFailed;
  outcome.failure_reason = std::move(reason);
  return outcome;
}

app::SaveMethodOutcome SaveFailed(std::string reason) {
  app::SaveMethodOutcome outcome;
  outcome.status = app::SaveStatus::kFailed;
  outcome.failure_reason = std::move(reason);
  return outcome;
}

bool Answered2xx(const Result<HttpsResponse>& response) {
  return response && response->status >= 200 && response->status < 300;
}

// Whether an error answer leaves the request's fate open: KOMOJU is down or overloaded (5xx,
// 429), or the same idempotency key is still being worked on (409). Any other 4xx is a
// refusal: nothing was done.
bool Undecided(int status) { return status >= 500 || status == 409 || status == 429; }

std::string PaymentPath(const std::string& reference) {
  return std::string(kPaymentsPath) + "/" + HttpsClient::Escape(reference);
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<void> ValidateCard(const app::CardDetails& card, Timestamp now) {
  if (card.number.size() < 12 || card.number.size() > 19 || !AllDigits(card.number) ||
      !domain::LuhnValid(card.number)) {
    return InvalidArgument("card_number_invalid",
                           "The card number is not valid; check the digits.");
  }
  const auto today = JstDate(now);
  const int year = static_cast<int>(today.year());
  const int month = static_cast<int>(static_cast<unsigned>(today.month()));
  const int exp_year = card.exp_year < 100 ? 2000 + card.exp_year : card.exp_year;
  if (card.exp_month < 1 || card.exp_month > 12 || exp_year > year + 30) {
    return InvalidArgument("card_expiry_invalid", "The card's expiry month or year is invalid.");
  }
  if (exp_year < year || (exp_year == year && card.exp_month < month)) {
    return InvalidArgument("card_expiry_invalid", "The card has expired.");
  }
  return Ok();
}

// Pay-easy and bank transfer: the payer KOMOJU asks for (see ValidateCharge in the header).
Result<void> ValidatePayer(const app::ChargeRequest& request) {
  if (!komoju::internal::SplitPayerName(request.customer_name) ||
      !komoju::internal::SplitPayerName(request.customer_name_kana) ||
      !komoju::internal::IsKatakanaReading(request.customer_name_kana)) {
    return InvalidArgument("customer_name_required",
                           "A Pay-easy or bank transfer payment needs the payer's family and "
                           "given names and their katakana reading, each with a space between "
                           "them (山田 太郎, ヤマダ タロウ).");
  }
  if (!komoju::internal::JapanesePhoneDigits(request.customer_phone)) {
    return InvalidArgument("customer_phone_invalid",
                           "A Pay-easy or bank transfer payment needs the payer's Japanese phone "
                           "number: 10 or 11 digits starting with 0.");
  }
  return Ok();
}

Error ConfigInvalid(std::string message) {
  return InvalidArgument("komoju_config_invalid", std::move(message));
}

// Lower-case hex HMAC-SHA256 of `body` under `secret`.
std::string HmacSha256Hex(std::string_view secret, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &digest_size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * digest_size);
  for (unsigned int i = 0; i < digest_size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

std::string Header(const std::map<std::string, std::string>& headers, const char* name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

// The refund KOMOJU made last: the newest entry of the payment's refunds.
std::string LastRefundId(const json& payment) {
  const json* refunds = komoju::internal::ArrayMember(payment, "refunds");
  if (refunds == nullptr || refunds->empty() || !refunds->back().is_object()) {
    return {};
  }
  return StringMember(refunds->back(), "id");
}

}  // namespace

Result<std::unique_ptr<KomojuProvider>> KomojuProvider::Create(KomojuConfig config) {
  if (!config.base_url.starts_with("https://")) {
    return ConfigInvalid("The KOMOJU base URL must start with https://.");
  }
  while (config.base_url.ends_with("/")) {
    config.base_url.pop_back();
  }
  if (config.secret_key.empty()) {
    return ConfigInvalid("The KOMOJU secret key is missing.");
  }
  for (int timeout_ms : {config.connect_timeout_ms, config.total_timeout_ms}) {
    if (timeout_ms < komoju::kTimeoutMsMin || timeout_ms > komoju::kTimeoutMsMax) {
      return ConfigInvalid("KOMOJU timeouts must be within " +
                           std::to_string(komoju::kTimeoutMsMin) + ".." +
                           std::to_string(komoju::kTimeoutMsMax) + " ms.");
    }
  }
  if (config.connect_timeout_ms > config.total_timeout_ms) {
    return ConfigInvalid("The KOMOJU connect timeout is longer than the total timeout.");
  }
  if (config.list_page_size < 1 || config.list_page_size > komoju::kListPageSizeMax) {
    return ConfigInvalid("The KOMOJU list page size must be within 1.." +
                         std::to_string(komoju::kListPageSizeMax) + ".");
  }
  return std::make_unique<KomojuProvider>(Token{}, std::move(config));
}

KomojuProvider::KomojuProvider(Token, KomojuConfig config)
    : config_(std::move(config)),
      client_(komoju::internal::HttpsClientOptions{config_.base_url, config_.secret_key,
                                                   config_.ca_file, config_.connect_timeout_ms,
                                                   config_.total_timeout_ms}) {}

bool KomojuProvider::Supports(domain::PaymentMethod method) const {
  return komoju::internal::PaymentTypeOf(method).has_value();
}

Result<void> KomojuProvider::ValidateCharge(const app::ChargeRequest& request,
                                            Timestamp now) const {
  if (!Supports(request.method)) {
    return InvalidArgument("payment_method_not_supported",
                           std::string("KOMOJU does not collect ") +
                               domain::PaymentMethodName(request.method) + " payments.");
  }
  if (request.method == domain::PaymentMethod::kCard) {
    if (!request.saved_method_token.empty()) {
      return Ok();
    }
    if (request.card.number.empty()) {
      return InvalidArgument("card_required", "A card payment needs a card number.");
    }
    return ValidateCard(request.card, now);
  }
  if (request.method == domain::PaymentMethod::kKonbini &&
      !domain::ParseKonbiniStore(request.konbini_store)) {
    return InvalidArgument("konbini_store_invalid",
                           "Choose one of seven-eleven, lawson, family-mart, ministop, "
                           "daily-yamazaki, seicomart.");
  }
  if (domain::FlowOf(request.method) == domain::PaymentFlow::kDeferred &&
      request.customer_email.empty()) {
    // KOMOJU sends the payment instructions there, and refuses a deferred payment without it.
    return InvalidArgument("email_required",
                           "A konbini, Pay-easy or bank transfer payment needs payment.email.");
  }
  if (request.method == domain::PaymentMethod::kPayEasy ||
      request.method == domain::PaymentMethod::kBankTransfer) {
    return ValidatePayer(request);
  }
  return Ok();
}

app::ChargeOutcome KomojuProvider::Charge(const app::ChargeRequest& request, Timestamp now) {
  if (!Supports(request.method)) {
    return Failed("payment_method_not_supported");
  }
  const std::string& key = request.payment_id.value;
  if (key.empty() || key.size() > komoju::kIdempotencyKeyBytesMax) {
    return Failed("processing_error");  // KOMOJU would refuse the key; nothing is sent.
  }
  std::string body = komoju::internal::CreatePaymentBody(request, now);
  const Result<HttpsResponse> response = client_.Post(kPaymentsPath, body, key);
  OPENSSL_cleanse(body.data(), body.size());
  app::ChargeOutcome outcome = ChargeOutcomeOf(response, request);
  const std::string& number = request.card.number;
  if (request.method == domain::PaymentMethod::kCard && outcome.card_last4.empty() &&
      number.size() >= 4) {
    outcome.card_last4 = number.substr(number.size() - 4);
  }
  return outcome;
}

app::ChargeOutcome KomojuProvider::ChargeOutcomeOf(const Result<HttpsResponse>& response,
                                                   const app::ChargeRequest& request) const {
  if (!response) {
    return Unknown();
  }
  if (Answered2xx(response)) {
    std::optional<json> payment = ParseObject(response->body);
    return payment ? komoju::internal::OutcomeFromPayment(*payment) : Unknown();
  }
  const ApiError error = ParseApiError(response->body);
  // A card error is final whatever the status: KOMOJU sends the card network's refusals as
  // 402 or as 502 ("the upstream payment processor returned an error").
  if (std::string_view reason = komoju::internal::CardFailureReason(error.code); !reason.empty()) {
    return Failed(std::string(reason));
  }
  if (Undecided(response->status)) {
    return Unknown();
  }
  // A refusal: nothing was done. A wrong key (401, 403) is refused before anything is looked
  // at. Other refusals may still concern a payment that exists: a repeated charge whose body
  // differs from the first one (KOMOJU refuses a reused key with another body), so the payment
  // is looked up before the charge is called failed.
  if (response->status == 401 || response->status == 403) {
    return Failed("processing_error");
  }
  Result<json> existing = FindByExternalOrderNum(request.payment_id);
  if (existing) {
    return komoju::internal::OutcomeFromPayment(*existing);
  }
  if (existing.error().code != ErrorCode::kNotFound) {
    return Unknown();
  }
  return Failed("processing_error");
}

bool KomojuProvider::SupportsSaving(domain::PaymentMethod method) const {
  return method == domain::PaymentMethod::kCard;
}

app::SaveMethodOutcome KomojuProvider::SaveMethod(const app::SaveMethodRequest& request,
                                                  Timestamp now) {
  if (!SupportsSaving(request.method)) {
    return SaveFailed("payment_method_not_savable");
  }
  const std::string& key = request.id.value;
  if (key.empty() || key.size() > komoju::kIdempotencyKeyBytesMax) {
    return SaveFailed("processing_error");  // KOMOJU would refuse the key; nothing is sent.
  }
  if (request.card.number.empty()) {
    return SaveFailed("card_required");
  }
  if (Result<void> card = ValidateCard(request.card, now); !card) {
    return SaveFailed(card.error().reason);
  }
  std::string body = komoju::internal::CreateCustomerBody(request);
  const Result<HttpsResponse> response = client_.Post(kCustomersPath, body, key);
  OPENSSL_cleanse(body.data(), body.size());
  app::SaveMethodOutcome outcome = SaveOutcomeOf(response);
  const std::string& number = request.card.number;
  if (outcome.status == app::SaveStatus::kSaved && outcome.card_last4.empty()) {
    outcome.card_last4 = number.substr(number.size() - 4);
  }
  return outcome;
}

app::SaveMethodOutcome KomojuProvider::SaveOutcomeOf(const Result<HttpsResponse>& response) {
  if (!response) {
    return app::SaveMethodOutcome{};  // kUnknown.
  }
  if (Answered2xx(response)) {
    std::optional<json> customer = ParseObject(response->body);
    return customer ? komoju::internal::OutcomeFromCustomer(*customer) : app::SaveMethodOutcome{};
  }
  const ApiError error = ParseApiError(response->body);
  if (std::string_view reason = komoju::internal::CardFailureReason(error.code); !reason.empty()) {
    return SaveFailed(std::string(reason));
  }
  if (Undecided(response->status)) {
    return app::SaveMethodOutcome{};
  }
  return SaveFailed("processing_error");
}

Result<void> KomojuProvider::ForgetMethod(const std::string& token) {
  if (token.empty()) {
    return Ok();  // Names no customer: nothing is held.
  }
  const Result<HttpsResponse> response =
      client_.Delete(std::string(kCustomersPath) + "/" + HttpsClient::Escape(token));
  if (Answered2xx(response) || (response && response->status == 404)) {
    return Ok();
  }
  return Unavailable("provider_unavailable", response
                                                 ? "KOMOJU did not delete the saved card (HTTP " +
                                                       std::to_string(response->status) + ")."
                                                 : response.error().message);
}

app::ChargeOutcome KomojuProvider::Retrieve(const domain::Payment& payment) {
  Result<json> found = FindPayment(payment.provider_reference, payment.id);
  if (!found) {
    return Unknown();
  }
  return komoju::internal::OutcomeFromPayment(*found);
}

app::ChargeOutcome KomojuProvider::Cancel(const domain::Payment& payment) {
  Result<json> found = FindPayment(payment.provider_reference, payment.id);
  if (!found) {
    return Unknown();
  }
  app::ChargeOutcome current = komoju::internal::OutcomeFromPayment(*found);
  if (current.status != app::ChargeStatus::kRequiresAction &&
      current.status != app::ChargeStatus::kUnknown) {
    return current;  // Paid, failed or withdrawn already: nothing left to cancel.
  }
  const std::string path = PaymentPath(current.provider_reference) + "/cancel";
  // Cancelling is idempotent by nature (a second cancel is refused and the payment then read);
  // the key only spares KOMOJU the repeat, so a payment id too long for one goes without.
  std::string key = payment.id.value + "-cancel";
  if (key.size() > komoju::kIdempotencyKeyBytesMax) {
    key.clear();
  }
  const Result<HttpsResponse> response = client_.Post(path, "{}", key);
  if (Answered2xx(response)) {
    if (std::optional<json> cancelled = ParseObject(response->body)) {
      return komoju::internal::OutcomeFromPayment(*cancelled);
    }
  }
  // Refused (not_cancellable: captured or expired meanwhile) or unanswered: say what KOMOJU
  // holds now.
  Result<json> now = FindPayment(current.provider_reference, payment.id);
  return now ? komoju::internal::OutcomeFromPayment(*now) : Unknown();
}

app::RefundOutcome KomojuProvider::Refund(const app::RefundRequest& request) {
  if (!domain::Refundable(request.payment.method)) {
    return app::RefundOutcome{app::RefundStatus::kFailed, "refund_not_supported", ""};
  }
  const std::string& key = request.refund_id.value;
  if (key.empty() || key.size() > komoju::kIdempotencyKeyBytesMax) {
    return app::RefundOutcome{app::RefundStatus::kFailed, "processing_error", ""};
  }
  Result<json> found = FindPayment(request.payment.provider_reference, request.payment.id);
  if (!found) {
    return app::RefundOutcome{};  // kUnknown.
  }
  json body = {{"amount", request.amount_jpy}};
  if (!request.reason.empty()) {
    body["description"] = request.reason;
  }
  const std::string path = PaymentPath(StringMember(*found, "id")) + "/refund";
  const Result<HttpsResponse> response =
      client_.Post(path, body.dump(-1, ' ', false, json::error_handler_t::replace), key);
  return RefundOutcomeOf(response);
}

app::RefundOutcome KomojuProvider::RefundOutcomeOf(const Result<HttpsResponse>& response) {
  if (!response) {
    return app::RefundOutcome{};
  }
  if (Answered2xx(response)) {
    std::optional<json> payment = ParseObject(response->body);
    if (!payment) {
      return app::RefundOutcome{};
    }
    return app::RefundOutcome{app::RefundStatus::kSucceeded, "", LastRefundId(*payment)};
  }
  if (Undecided(response->status)) {
    return app::RefundOutcome{};
  }
  const ApiError error = ParseApiError(response->body);
  std::string reason = "processing_error";
  if (error.code == "not_refundable") {
    reason = "refund_not_supported";
  } else if (error.param == "amount" &&
             (error.code == "invalid_parameter" || error.code == "unprocessable_entity")) {
    reason = "refund_exceeds_payment";
  }
  return app::RefundOutcome{app::RefundStatus::kFailed, std::move(reason), ""};
}

Result<app::WebhookDelivery> KomojuProvider::VerifyWebhook(
    const std::map<std::string, std::string>& headers, std::string_view body, Timestamp now) const {
  (void)now;  // No timestamp under KOMOJU's signature: see the header.
  std::string signature = Header(headers, "x-komoju-signature");
  std::transform(signature.begin(), signature.end(), signature.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string expected =
      config_.webhook_secret.empty() ? std::string() : HmacSha256Hex(config_.webhook_secret, body);
  if (expected.empty() || signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return Unauthenticated("webhook_signature_invalid",
                           "The webhook's X-Komoju-Signature is missing or wrong.");
  }
  const Error malformed =
      InvalidArgument("webhook_malformed", "The webhook body is not a KOMOJU event.");
  if (body.size() > komoju::kWebhookBodyBytesMax) {
    return malformed;
  }
  std::optional<json> event = ParseObject(body);
  if (!event) {
    return malformed;
  }
  app::WebhookDelivery delivery;
  delivery.delivery_id = Header(headers, "x-komoju-id");
  delivery.event_type = Header(headers, "x-komoju-event");
  if (delivery.event_type.empty()) {
    delivery.event_type = StringMember(*event, "type");
  }
  if (delivery.delivery_id.empty() || delivery.event_type.empty()) {
    return malformed;
  }
  if (const json* data = komoju::internal::ObjectMember(*event, "data")) {
    delivery.payment_id = PaymentId{StringMember(*data, "external_order_num")};
  }
  return delivery;
}

Result<std::vector<app::ProviderPayment>> KomojuProvider::ListPayments(Timestamp from,
                                                                       Timestamp to) {
  std::vector<app::ProviderPayment> payments;
  if (to <= from) {
    return payments;
  }
  const Timestamp created_from = from - std::chrono::days(komoju::kListCreatedLookbackDays);
  const std::string query_base = std::string(kPaymentsPath) + "?start_time=" +
                                 HttpsClient::Escape(FormatRfc3339Jst(created_from)) +
                                 "&end_time=" + HttpsClient::Escape(FormatRfc3339Jst(to)) +
                                 "&per_page=" + std::to_string(config_.list_page_size) + "&page=";
  for (int page = 1; page <= komoju::kListPagesMax; ++page) {
    const Result<HttpsResponse> response = client_.Get(query_base + std::to_string(page));
    std::optional<json> list = Answered2xx(response) ? ParseObject(response->body) : std::nullopt;
    const json* data = list ? komoju::internal::ArrayMember(*list, "data") : nullptr;
    if (data == nullptr) {
      return Unavailable("provider_unavailable", "KOMOJU's payment list gave no readable page " +
                                                     std::to_string(page) + ".");
    }
    for (const json& item : *data) {
      if (!item.is_object()) {
        continue;
      }
      app::ProviderPayment payment = komoju::internal::ProviderPaymentFrom(item);
      if (payment.captured_at >= from && payment.captured_at < to &&
          !StringMember(item, "captured_at").empty()) {
        payments.push_back(std::move(payment));
      }
    }
    const int64_t last_page = komoju::internal::IntegerMember(*list, "last_page", page);
    if (data->empty() || page >= last_page) {
      return payments;
    }
  }
  return Error{ErrorCode::kResourceExhausted,
               "provider_list_too_long",
               "KOMOJU lists more than " + std::to_string(komoju::kListPagesMax) +
                   " pages of payments for the window.",
               {}};
}

Result<json> KomojuProvider::FindPayment(const std::string& reference,
                                         const PaymentId& payment_id) const {
  if (reference.empty()) {
    return FindByExternalOrderNum(payment_id);
  }
  const Result<HttpsResponse> response = client_.Get(PaymentPath(reference));
  if (!response) {
    return response.error();
  }
  if (response->status == 404) {
    return NotFound("payment_not_found", "KOMOJU holds no payment " + reference + ".");
  }
  std::optional<json> payment = Answered2xx(response) ? ParseObject(response->body) : std::nullopt;
  if (!payment) {
    return Unavailable("provider_unavailable", "KOMOJU gave no readable payment.");
  }
  return std::move(*payment);
}

Result<json> KomojuProvider::FindByExternalOrderNum(const PaymentId& payment_id) const {
  const Result<HttpsResponse> response = client_.Get(
      std::string(kPaymentsPath) + "?external_order_num=" + HttpsClient::Escape(payment_id.value));
  std::optional<json> list = Answered2xx(response) ? ParseObject(response->body) : std::nullopt;
  const json* data = list ? komoju::internal::ArrayMember(*list, "data") : nullptr;
  if (data == nullptr) {
    return Unavailable("provider_unavailable", "KOMOJU gave no readable payment list.");
  }
  // One key makes one payment, but a charge repeated after KOMOJU forgot the key (24 hours)
  // makes another: the one that is not failed or withdrawn is the one that counts.
  const json* chosen = nullptr;
  for (const json& item : *data) {
    if (!item.is_object() || StringMember(item, "external_order_num") != payment_id.value) {
      continue;
    }
    const std::string status = StringMember(item, "status");
    const bool settled_badly = status == "failed" || status == "cancelled" || status == "expired";
    if (chosen == nullptr || !settled_badly) {
      chosen = &item;
    }
    if (!settled_badly) {
      break;
    }
  }
  if (chosen == nullptr) {
    return NotFound("payment_not_found", "KOMOJU holds no payment for " + payment_id.value + ".");
  }
  return *chosen;
}

}  // namespace simkeep::payments
