#ifndef SIMKEEP_PAYMENTS_KOMOJU_INTERNAL_PAYMENT_JSON_H_
#define SIMKEEP_PAYMENTS_KOMOJU_INTERNAL_PAYMENT_JSON_H_

// KOMOJU's JSON and simkeep's payment types, both ways: the body of a new payment, what a
// payment object says, what an error object says. Pure functions, no I/O, so that every mapping
// is tested without a server (payment_json_test.cc).

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "simkeep/app/payment_provider.h"
#include "simkeep/base/clock.h"

namespace simkeep::payments::komoju::internal {

// KOMOJU's payment_details type for a method ("credit_card", "konbini", "pay_easy",
// "bank_transfer", "paypay", "alipay", "wechatpay"), or nullopt when KOMOJU does not take it.
std::optional<std::string_view> PaymentTypeOf(domain::PaymentMethod method);
// The method of a payment_details type; nullopt for types simkeep has no method for.
std::optional<domain::PaymentMethod> MethodOfPaymentType(std::string_view type);

// The body of POST /api/v1/payments for `request`. It depends on nothing but the request (and
// on `now` only through the deferred deadline's day count), so that a repeated charge sends the
// same body with the same idempotency key, as KOMOJU requires. A card payment's body holds the
// card number: the caller wipes it after use (OPENSSL_cleanse). Pay-easy and bank transfer
// bodies carry the payer's name and kana in KOMOJU's family/given parts (SplitPayerName; a name
// that does not split goes whole as the family name) and the phone number's digits (as given
// when they are not a Japanese number), so that KOMOJU refuses what it would refuse.
// REQUIRES: PaymentTypeOf(method).
std::string CreatePaymentBody(const app::ChargeRequest& request, Timestamp now);

// The body of POST /api/v1/customers for `request`: the card as payment_details (KOMOJU keeps
// it as the customer's source), the email when given, and the saved method id as
// metadata.saved_method_id. Like CreatePaymentBody it depends on nothing but the request, and
// it holds the card number: the caller wipes it after use.
std::string CreateCustomerBody(const app::SaveMethodRequest& request);

// payment_details[expiry_days] for a deferred payment due by `pay_by`: the number of JST days
// from `now`'s date to `pay_by`'s, within domain::kDeferredPaymentDaysMin..Max; nullopt when
// `pay_by` is not after `now` (KOMOJU's default, 3 days, then applies).
std::optional<int> ExpiryDays(Timestamp pay_by, Timestamp now);

// What a KOMOJU payment object says, as a ChargeOutcome:
//   captured, refunded          -> kSucceeded (refunded_jpy tells how much went back)
//   cancelled, expired          -> kCanceled
//   failed                      -> kFailed: "authentication_failed" for a card that was sent to
//                                  3-D Secure, "card_declined" for other cards,
//                                  "processing_error" for other methods
//   pending/authorized with payment_details.redirect_url -> kRequiresAction kRedirect
//   authorized/pending konbini, pay_easy, bank_transfer  -> kRequiresAction with the numbers
//                                  and payment_deadline as expires_at
//   anything else (a card still processing, an unknown status) -> kUnknown
// provider_reference, card brand/last4, amount_jpy and refunded_jpy are filled when given.
app::ChargeOutcome OutcomeFromPayment(const nlohmann::json& payment);

// What a KOMOJU customer object says, as a SaveMethodOutcome: kSaved with its id as the token
// and the card from its `source` (brand, last_four_digits, month, year); kUnknown when it has no
// id.
app::SaveMethodOutcome OutcomeFromCustomer(const nlohmann::json& customer);

// A payer's name in the two parts KOMOJU asks Pay-easy and bank transfer payments for (its
// payment_details family_name/given_name and family_name_kana/given_name_kana).
struct PayerName {
  std::string family;
  std::string given;
};
// `name` read family name first, as Japanese forms and bank records write it: the part before
// the first space (U+0020 or the ideographic U+3000) and the rest, both trimmed of spaces.
// nullopt when either part is empty.
std::optional<PayerName> SplitPayerName(std::string_view name);
// Whether `text` is a reading in full-width katakana: katakana letters (U+30A1..U+30FA), the
// middle dot and the prolonged sound mark (U+30FB, U+30FC) and spaces (U+0020, U+3000), with at
// least one letter. Half-width katakana, hiragana and invalid UTF-8 are not.
bool IsKatakanaReading(std::string_view text);
// The digits of a Japanese phone number ("090-1234-5678" -> "09012345678"): hyphens dropped,
// then 10 or 11 ASCII digits starting with 0. nullopt for anything else.
std::optional<std::string> JapanesePhoneDigits(std::string_view phone);

// A payment object as reconciliation sees it.
app::ProviderPayment ProviderPaymentFrom(const nlohmann::json& payment);

// KOMOJU's error object ({"error": {"code", "message", "param"}}); empty fields when the body
// has none.
struct ApiError {
  std::string code;
  std::string param;
};
ApiError ParseApiError(std::string_view body);

// simkeep's failure reason for a KOMOJU error code about the card or the customer's account
// ("insufficient_funds" -> "insufficient_funds", "card_expired" -> "expired_card",
// "exceeds_limit" -> "limit_exceeded", "bad_verification_value" -> "incorrect_cvc", ...); empty
// for codes about anything else (a bad parameter, an outage).
std::string_view CardFailureReason(std::string_view code);

// "visa", "mastercard", "jcb", "amex", "diners" for KOMOJU's brand names; others lower-cased.
std::string NormalizeCardBrand(std::string_view brand);

// The JSON object `text` holds, or nullopt when it is not one.
std::optional<nlohmann::json> ParseObject(std::string_view text);

// Members read without exceptions: "" / `fallback` / nullptr when absent or of another type.
std::string StringMember(const nlohmann::json& object, const char* key);
int64_t IntegerMember(const nlohmann::json& object, const char* key, int64_t fallback);
const nlohmann::json* ObjectMember(const nlohmann::json& object, const char* key);
const nlohmann::json* ArrayMember(const nlohmann::json& object, const char* key);

}  // namespace simkeep::payments::komoju::internal

#endif  // SIMKEEP_PAYMENTS_KOMOJU_INTERNAL_PAYMENT_JSON_H_
