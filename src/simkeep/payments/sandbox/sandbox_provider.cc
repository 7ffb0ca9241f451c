#include "simkeep/payments/sandbox/sandbox_provider.h"

#include <charconv>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "simkeep/base/time.h"
#include "simkeep/domain/identifiers.h"

namespace simkeep::payments {
namespace {

using Json = nlohmann::json;

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !text.empty();
}

std::string Reference(const PaymentId& id) { return "sbx_" + id.value; }

// A four-digit expiry year ("2030" for "30").
int FullYear(int year) { return year < 100 ? 2000 + year : year; }

// The checks a card form makes: a Luhn-valid number of 12 to 19 digits, a month, a year not
// past and not absurdly far.
Result<void> ValidateCard(const app::CardDetails& card, Timestamp now) {
  const std::string& number = card.number;
  if (number.empty()) {
    return InvalidArgument("card_required", "A card payment needs payment.card.");
  }
  if (number.size() < 12 || number.size() > 19 || !AllDigits(number) ||
      !domain::LuhnValid(number)) {
    return InvalidArgument("card_number_invalid",
                           "The card number is not valid; check the digits.");
  }
  const auto today = JstDate(now);
  const int year = static_cast<int>(today.year());
  const int exp_year = FullYear(card.exp_year);
  if (card.exp_month < 1 || card.exp_month > 12 || exp_year > year + 30) {
    return InvalidArgument("card_expiry_invalid", "The card's expiry month or year is invalid.");
  }
  if (domain::CardExpired(card.exp_month, exp_year, now)) {
    return InvalidArgument("card_expiry_invalid", "The card has expired.");
  }
  return Ok();
}

// The outcome of a card charge, by the test number's last four digits.
void DecideCard(std::string_view last4, app::SandboxCharge& charge) {
  charge.status = domain::PaymentStatus::kFailed;
  if (last4 == "0002") {
    charge.failure_reason = "card_declined";
  } else if (last4 == "9995") {
    charge.failure_reason = "insufficient_funds";
  } else if (last4 == "0069") {
    charge.failure_reason = "expired_card";
  } else if (last4 == "0127") {
    charge.failure_reason = "limit_exceeded";
  } else if (last4 == "0341") {
    charge.failure_reason = "card_declined";  // Saves fine; every charge is declined.
  } else if (last4 == "3220") {
    charge.status = domain::PaymentStatus::kRequiresAction;
  } else {
    charge.status = domain::PaymentStatus::kSucceeded;
  }
}

// `count` decimal digits derived from the payment id (FNV-1a), so that each payment has its own
// till numbers and the same payment always the same ones.
std::string Digits(std::string_view seed, size_t count) {
  uint64_t hash = 1469598103934665603ULL;
  std::string digits;
  while (digits.size() < count) {
    for (char c : seed) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
    hash ^= digits.size();
    hash *= 1099511628211ULL;
    digits += std::to_string(hash % 1000000000ULL);
  }
  digits.resize(count);
  return digits;
}

app::ChargeOutcome OutcomeOf(const app::SandboxCharge& charge) {
  app::ChargeOutcome outcome;
  switch (charge.status) {
    case domain::PaymentStatus::kSucceeded:
    case domain::PaymentStatus::kRefunded:
      outcome.status = app::ChargeStatus::kSucceeded;
      break;
    case domain::PaymentStatus::kFailed:
      outcome.status = app::ChargeStatus::kFailed;
      break;
    case domain::PaymentStatus::kCanceled:
      outcome.status = app::ChargeStatus::kCanceled;
      break;
    case domain::PaymentStatus::kRequiresAction:
    case domain::PaymentStatus::kPending:
      outcome.status = app::ChargeStatus::kRequiresAction;
      break;
  }
  outcome.failure_reason = charge.failure_reason;
  outcome.provider_reference = Reference(charge.payment_id);
  outcome.card_brand = charge.card_brand;
  outcome.card_last4 = charge.card_last4;
  if (outcome.status == app::ChargeStatus::kRequiresAction) {
    outcome.action = charge.action;
  }
  outcome.amount_jpy = charge.amount_jpy;
  outcome.refunded_jpy = charge.refunded_jpy;
  return outcome;
}

app::ChargeOutcome Unknown() { return app::ChargeOutcome{}; }

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

}  // namespace

std::string_view CardBrand(std::string_view number) {
  if (number.starts_with("4")) {
    return "visa";
  }
  if (number.starts_with("34") || number.starts_with("37")) {
    return "amex";
  }
  if (number.starts_with("35")) {
    return "jcb";
  }
  if (number.starts_with("36") || number.starts_with("30")) {
    return "diners";
  }
  if (number.size() >= 2 && number[0] == '5' && number[1] >= '1' && number[1] <= '5') {
    return "mastercard";
  }
  if (number.starts_with("2")) {
    return "mastercard";  // 2221-2720.
  }
  return "unknown";
}

std::string SignSandboxWebhook(std::string_view secret, std::string_view body,
                               int64_t unix_seconds) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, t + "." + std::string(body));
}

SandboxProvider::SandboxProvider(app::Database& database, const Clock& clock,
                                 SandboxOptions options)
    : database_(database), clock_(clock), options_(std::move(options)) {
  while (!options_.public_url.empty() && options_.public_url.back() == '/') {
    options_.public_url.pop_back();
  }
}

SandboxProvider::~SandboxProvider() = default;

Result<void> SandboxProvider::InTransaction(
    const std::function<Result<void>(app::Transaction&)>& work) {
  std::unique_ptr<app::Session> session;
  {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    if (!idle_sessions_.empty()) {
      session = std::move(idle_sessions_.back());
      idle_sessions_.pop_back();
    }
  }
  if (!session) {
    Result<std::unique_ptr<app::Session>> connected = database_.Connect();
    if (!connected) {
      return connected.error();
    }
    session = std::move(*connected);
  }
  Result<void> done = session->Begin(/*read_only=*/false);
  if (done) {
    done = work(session->transaction());
    if (done) {
      done = session->Commit();
    } else {
      (void)session->Rollback();
    }
  }
  // A session that failed may be broken; it is dropped rather than pooled.
  if (done || done.error().code != ErrorCode::kUnavailable) {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    idle_sessions_.push_back(std::move(session));
  }
  return done;
}

bool SandboxProvider::Supports(domain::PaymentMethod method) const {
  return domain::ThroughProvider(method);
}

Result<void> SandboxProvider::ValidateCharge(const app::ChargeRequest& request,
                                             Timestamp now) const {
  if (!Supports(request.method)) {
    return InvalidArgument("payment_method_not_supported",
                           std::string("The sandbox does not collect ") +
                               domain::PaymentMethodName(request.method) + " payments.");
  }
  if (request.method == domain::PaymentMethod::kKonbini &&
      !domain::ParseKonbiniStore(request.konbini_store)) {
    return InvalidArgument("konbini_store_invalid",
                           "payment.store must be one of seven-eleven, lawson, family-mart, "
                           "ministop, daily-yamazaki, seicomart.");
  }
  if (request.method != domain::PaymentMethod::kCard || !request.saved_method_token.empty()) {
    return Ok();
  }
  return ValidateCard(request.card, now);
}

app::ChargeOutcome SandboxProvider::Charge(const app::ChargeRequest& request, Timestamp now) {
  if (!ValidateCharge(request, now)) {
    app::ChargeOutcome refused;
    refused.status = app::ChargeStatus::kFailed;
    refused.failure_reason = "processing_error";
    return refused;
  }
  app::SandboxCharge charge;
  charge.payment_id = request.payment_id;
  charge.method = request.method;
  charge.amount_jpy = request.amount_jpy;
  charge.created_at = now;
  charge.updated_at = now;
  bool answer_lost = false;
  // A saved card: the vault says which card the token stands for (gone once deleted).
  std::optional<app::SandboxSavedCard> saved;
  if (request.method == domain::PaymentMethod::kCard && !request.saved_method_token.empty()) {
    Result<void> found = InTransaction([&](app::Transaction& transaction) -> Result<void> {
      Result<std::optional<app::SandboxSavedCard>> card =
          transaction.FindSandboxSavedCard(request.saved_method_token, SavedMethodId{});
      if (!card) {
        return card.error();
      }
      if (card->has_value() && !(*card)->deleted_at) {
        saved = std::move(*card);
      }
      return Ok();
    });
    if (!found) {
      return Unknown();
    }
  }
  const std::string page = options_.public_url + "/sandbox/pay/" + request.payment_id.value;
  const std::string& seed = request.payment_id.value;
  switch (domain::FlowOf(request.method)) {
    case domain::PaymentFlow::kCard: {
      if (!request.saved_method_token.empty()) {
        if (!saved) {
          app::ChargeOutcome refused;
          refused.status = app::ChargeStatus::kFailed;
          refused.failure_reason = "saved_method_unavailable";
          return refused;
        }
        charge.card_brand = saved->card_brand;
        charge.card_last4 = saved->card_last4;
      } else {
        const std::string& number = request.card.number;
        charge.card_brand = std::string(CardBrand(number));
        charge.card_last4 = number.size() >= 4 ? number.substr(number.size() - 4) : number;
      }
      DecideCard(charge.card_last4, charge);
      answer_lost = charge.card_last4 == "0408";
      if (charge.status == domain::PaymentStatus::kRequiresAction) {
        charge.action.kind = domain::PaymentActionKind::kRedirect;
        charge.action.url = page;
      }
      break;
    }
    case domain::PaymentFlow::kRedirect:
      charge.status = domain::PaymentStatus::kRequiresAction;
      charge.action.kind = domain::PaymentActionKind::kRedirect;
      charge.action.url = page;
      break;
    case domain::PaymentFlow::kQrCode:
      charge.status = domain::PaymentStatus::kRequiresAction;
      charge.action.kind = domain::PaymentActionKind::kQrCode;
      charge.action.qr_payload = page;
      break;
    case domain::PaymentFlow::kDeferred:
      charge.status = domain::PaymentStatus::kRequiresAction;
      charge.action.kind = domain::ActionKindOf(request.method);
      charge.action.url = page;
      charge.action.expires_at = request.pay_by;
      if (request.method == domain::PaymentMethod::kKonbini) {
        charge.action.store = request.konbini_store;
        // 7-Eleven: a 13-digit 払込票番号; the others a customer or order number with a
        // confirmation number.
        if (request.konbini_store == "seven-eleven") {
          charge.action.payment_number = Digits(seed, 13);
        } else {
          charge.action.payment_number = Digits(seed, 11);
          charge.action.confirmation_number = Digits(seed + "c", 6);
        }
      } else if (request.method == domain::PaymentMethod::kPayEasy) {
        charge.action.institution_number = "99999";
        charge.action.payment_number = Digits(seed, 16);
        charge.action.confirmation_number = Digits(seed + "c", 6);
      } else {
        // A virtual account of the sandbox bank: bank 9999, branch 001, ordinary account.
        charge.action.payment_number = "9999-001-" + Digits(seed, 7);
      }
      break;
    case domain::PaymentFlow::kInternal:
      return Unknown();  // Refused by ValidateCharge above.
  }
  if (charge.status == domain::PaymentStatus::kSucceeded) {
    charge.captured_at = now;
  }
  std::optional<app::SandboxCharge> stored;
  Result<void> written = InTransaction([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::SandboxCharge>> found =
        transaction.FindSandboxCharge(request.payment_id);
    if (!found) {
      return found.error();
    }
    if (found->has_value()) {
      stored = std::move(*found);  // Asked before: the first outcome stands.
      return Ok();
    }
    return transaction.InsertSandboxCharge(charge);
  });
  if (!written) {
    return Unknown();
  }
  if (stored) {
    return OutcomeOf(*stored);
  }
  return answer_lost ? Unknown() : OutcomeOf(charge);
}

app::ChargeOutcome SandboxProvider::Retrieve(const domain::Payment& payment) {
  std::optional<app::SandboxCharge> charge;
  Result<void> read = InTransaction([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::SandboxCharge>> found = transaction.FindSandboxCharge(payment.id);
    if (!found) {
      return found.error();
    }
    charge = std::move(*found);
    return Ok();
  });
  if (!read) {
    return Unknown();
  }
  if (!charge) {
    // The request never reached the provider: nothing was collected.
    app::ChargeOutcome outcome;
    outcome.status = app::ChargeStatus::kFailed;
    outcome.failure_reason = "payment_not_started";
    return outcome;
  }
  return OutcomeOf(*charge);
}

app::ChargeOutcome SandboxProvider::Cancel(const domain::Payment& payment) {
  std::optional<app::SandboxCharge> charge;
  Result<void> done = InTransaction([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::SandboxCharge>> found = transaction.FindSandboxCharge(payment.id);
    if (!found) {
      return found.error();
    }
    if (!found->has_value()) {
      return Ok();
    }
    charge = std::move(*found);
    if (charge->status != domain::PaymentStatus::kRequiresAction) {
      return Ok();  // Paid, failed or canceled already: that is the answer.
    }
    charge->status = domain::PaymentStatus::kCanceled;
    charge->failure_reason = "payment_canceled";
    charge->updated_at = clock_.Now();
    return transaction.UpdateSandboxCharge(*charge);
  });
  if (!done) {
    return Unknown();
  }
  if (!charge) {
    app::ChargeOutcome outcome;
    outcome.status = app::ChargeStatus::kCanceled;
    outcome.failure_reason = "payment_not_started";
    return outcome;
  }
  return OutcomeOf(*charge);
}

app::RefundOutcome SandboxProvider::Refund(const app::RefundRequest& request) {
  app::RefundOutcome outcome;
  outcome.provider_reference = "sbx_" + request.refund_id.value;
  Result<void> done = InTransaction([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<int64_t>> made = transaction.FindSandboxRefund(request.refund_id);
    if (!made) {
      return made.error();
    }
    if (made->has_value()) {
      outcome.status = app::RefundStatus::kSucceeded;  // Asked before: refunded once.
      return Ok();
    }
    Result<std::optional<app::SandboxCharge>> found =
        transaction.FindSandboxCharge(request.payment.id);
    if (!found) {
      return found.error();
    }
    outcome.status = app::RefundStatus::kFailed;
    if (!found->has_value() || (*found)->status != domain::PaymentStatus::kSucceeded ||
        !domain::Refundable((*found)->method)) {
      outcome.failure_reason = "payment_not_refundable";
      return Ok();
    }
    app::SandboxCharge& charge = **found;
    if (request.amount_jpy <= 0 || charge.refunded_jpy + request.amount_jpy > charge.amount_jpy) {
      outcome.failure_reason = "refund_exceeds_payment";
      return Ok();
    }
    const Timestamp now = clock_.Now();
    Result<void> inserted = transaction.InsertSandboxRefund(request.refund_id, charge.payment_id,
                                                            request.amount_jpy, now);
    if (!inserted) {
      return inserted;
    }
    charge.refunded_jpy += request.amount_jpy;
    charge.updated_at = now;
    Result<void> updated = transaction.UpdateSandboxCharge(charge);
    if (!updated) {
      return updated;
    }
    outcome.status = app::RefundStatus::kSucceeded;
    outcome.failure_reason.clear();
    return Ok();
  });
  if (!done) {
    return app::RefundOutcome{};  // kUnknown: asked again later, refunded once.
  }
  return outcome;
}

Result<app::WebhookDelivery> SandboxProvider::VerifyWebhook(
    const std::map<std::string, std::string>& headers, std::string_view body, Timestamp now) const {
  const Error invalid = Unauthenticated(
      "webhook_signature_invalid", "The webhook's Sandbox-Signature is missing or does not match.");
  auto header = headers.find("sandbox-signature");
  if (header == headers.end()) {
    return invalid;
  }
  // "t=<unix>,v1=<hex>[,v1=<hex>...]": any v1 may match (a rolled secret).
  std::string_view value = header->second;
  std::string timestamp;
  std::vector<std::string> signatures;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view part = value.substr(0, comma);
    if (part.starts_with("t=")) {
      timestamp = std::string(part.substr(2));
    } else if (part.starts_with("v1=")) {
      signatures.emplace_back(part.substr(3));
    }
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
  int64_t sent = 0;
  const auto [end, error] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), sent);
  if (timestamp.empty() || error != std::errc() || end != timestamp.data() + timestamp.size()) {
    return invalid;
  }
  const int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (sent < now_seconds - kSandboxWebhookToleranceSeconds ||
      sent > now_seconds + kSandboxWebhookToleranceSeconds) {
    return Unauthenticated("webhook_signature_invalid",
                           "The webhook's timestamp is outside the tolerance window.");
  }
  const std::string expected =
      HmacSha256Hex(options_.webhook_secret, timestamp + "." + std::string(body));
  bool matched = false;
  for (const std::string& signature : signatures) {
    if (signature.size() == expected.size() &&
        CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0) {
      matched = true;
    }
  }
  if (!matched) {
    return invalid;
  }
  Json event = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object() || !event.contains("id") || !event["id"].is_string() ||
      !event.contains("type") || !event["type"].is_string()) {
    return InvalidArgument("webhook_malformed", "The webhook body is not a sandbox event.");
  }
  app::WebhookDelivery delivery;
  delivery.delivery_id = event["id"].get<std::string>();
  delivery.event_type = event["type"].get<std::string>();
  if (event.contains("data") && event["data"].is_object() && event["data"].contains("payment_id") &&
      event["data"]["payment_id"].is_string()) {
    delivery.payment_id = PaymentId{event["data"]["payment_id"].get<std::string>()};
  }
  if (delivery.delivery_id.empty()) {
    return InvalidArgument("webhook_malformed", "The webhook event has no id.");
  }
  return delivery;
}

Result<void> SandboxProvider::Simulate(const PaymentId& payment_id, app::ChargeStatus outcome) {
  if (outcome != app::ChargeStatus::kSucceeded && outcome != app::ChargeStatus::kFailed) {
    return InvalidArgument("simulation_invalid", "A simulated outcome is succeeded or failed.");
  }
  return InTransaction([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::SandboxCharge>> found = transaction.FindSandboxCharge(payment_id);
    if (!found) {
      return found.error();
    }
    if (!found->has_value()) {
      return NotFound("payment_not_found",
                      "The sandbox holds no payment " + payment_id.value + ".");
    }
    app::SandboxCharge& charge = **found;
    if (charge.status != domain::PaymentStatus::kRequiresAction) {
      return FailedPrecondition("payment_not_open",
                                std::string("The payment is ") +
                                    domain::PaymentStatusName(charge.status) +
                                    "; only one waiting for the customer can be settled.");
    }
    const Timestamp now = clock_.Now();
    if (outcome == app::ChargeStatus::kSucceeded) {
      charge.status = domain::PaymentStatus::kSucceeded;
      charge.captured_at = now;
    } else {
      if (domain::FlowOf(charge.method) == domain::PaymentFlow::kDeferred) {
        return InvalidArgument("simulation_invalid",
                               "A konbini, Pay-easy or bank transfer payment is paid or expires; "
                               "it cannot be declined.");
      }
      charge.status = domain::PaymentStatus::kFailed;
      charge.failure_reason = charge.method == domain::PaymentMethod::kCard
                                  ? "authentication_failed"
                                  : "wallet_declined";
    }
    charge.updated_at = now;
    return transaction.UpdateSandboxCharge(charge);
  });
}

bool SandboxProvider::SupportsSaving(domain::PaymentMethod method) const {
  return domain::Savable(method);
}

app::SaveMethodOutcome SandboxProvider::SaveMethod(const app::SaveMethodRequest& request,
                                                   Timestamp now) {
  app::SaveMethodOutcome outcome;
  outcome.status = app::SaveStatus::kFailed;
  if (!SupportsSaving(request.method)) {
    outcome.failure_reason = "payment_method_not_savable";
    return outcome;
  }
  if (Result<void> valid = ValidateCard(request.card, now); !valid) {
    outcome.failure_reason = valid.error().reason;
    return outcome;
  }
  const std::string& number = request.card.number;
  app::SandboxSavedCard card;
  card.token = "sbxtok_" + request.id.value;
  card.saved_method_id = request.id;
  card.card_brand = std::string(CardBrand(number));
  card.card_last4 = number.substr(number.size() - 4);
  card.exp_month = request.card.exp_month;
  card.exp_year = FullYear(request.card.exp_year);
  card.created_at = now;
  // As real providers verify a card before keeping it, the always-declined and expired test
  // cards are refused here; the others are kept and decide each charge (0341: kept, every
  // charge declined).
  if (card.card_last4 == "0002" || card.card_last4 == "0069") {
    outcome.failure_reason = card.card_last4 == "0002" ? "card_declined" : "expired_card";
    return outcome;
  }
  std::optional<app::SandboxSavedCard> stored;
  Result<void> written = InTransaction([&](app::Transaction& transaction) -> Result<void> {
    Result<std::optional<app::SandboxSavedCard>> found =
        transaction.FindSandboxSavedCard("", request.id);
    if (!found) {
      return found.error();
    }
    if (found->has_value()) {
      stored = std::move(*found);  // Asked before: the first answer stands.
      return Ok();
    }
    return transaction.InsertSandboxSavedCard(card);
  });
  if (!written) {
    outcome.status = app::SaveStatus::kUnknown;
    return outcome;
  }
  const app::SandboxSavedCard& kept = stored ? *stored : card;
  outcome.status = app::SaveStatus::kSaved;
  outcome.token = kept.token;
  outcome.card_brand = kept.card_brand;
  outcome.card_last4 = kept.card_last4;
  outcome.exp_month = kept.exp_month;
  outcome.exp_year = kept.exp_year;
  return outcome;
}

Result<void> SandboxProvider::ForgetMethod(const std::string& token) {
  const Timestamp now = clock_.Now();
  Result<void> done = InTransaction([&](app::Transaction& transaction) -> Result<void> {
    return transaction.DeleteSandboxSavedCard(token, now);
  });
  if (!done) {
    return Unavailable("provider_unavailable", "The sandbox's vault could not be written.");
  }
  return Ok();
}

Result<std::vector<app::ProviderPayment>> SandboxProvider::ListPayments(Timestamp from,
                                                                        Timestamp to) {
  std::vector<app::ProviderPayment> payments;
  Result<void> read = InTransaction([&](app::Transaction& transaction) -> Result<void> {
    Result<std::vector<app::SandboxCharge>> charges =
        transaction.ListSandboxChargesCaptured(from, to);
    if (!charges) {
      return charges.error();
    }
    for (const app::SandboxCharge& charge : *charges) {
      app::ProviderPayment payment;
      payment.payment_id = charge.payment_id;
      payment.provider_reference = Reference(charge.payment_id);
      payment.method = charge.method;
      payment.status = app::ChargeStatus::kSucceeded;
      payment.amount_jpy = charge.amount_jpy;
      payment.refunded_jpy = charge.refunded_jpy;
      payment.captured_at = *charge.captured_at;
      payments.push_back(std::move(payment));
    }
    return Ok();
  });
  if (!read) {
    return read.error();
  }
  return payments;
}

}  // namespace simkeep::payments
