#ifndef SIMKEEP_HTTP_JSON_CODEC_H_
#define SIMKEEP_HTTP_JSON_CODEC_H_

// Converts between the API's JSON and the app's types. The only place that knows the field
// names of DESIGN.md §4; domain types carry no serialization.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "simkeep/app/line_service.h"
#include "simkeep/app/notification_service.h"
#include "simkeep/app/order_service.h"
#include "simkeep/app/payment_coordinator.h"
#include "simkeep/app/reservation_service.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/auto_renewal.h"
#include "simkeep/domain/catalog.h"
#include "simkeep/domain/notification.h"
#include "simkeep/domain/order.h"

namespace simkeep::http {

using Json = nlohmann::json;

// Bounds on request bodies beyond their byte size.
inline constexpr int kJsonDepthMax = 16;

// Parses a request body that must be a JSON object. Never throws. Reasons: "json_malformed",
// "json_too_deep" (nesting beyond kJsonDepthMax), "json_not_object".
Result<Json> ParseObject(std::string_view body);

// Request decoders. Each reports wrong types and missing fields as "field_invalid" /
// "field_required" with the field's name in `errors` (all problems at once).
Result<app::ProvisionRequest> DecodeProvision(const Json& body);
Result<app::TopUpInput> DecodeTopUp(const Json& body);
Result<app::RenewalInput> DecodeRenewal(const Json& body);
Result<app::PlanChangeInput> DecodePlanChange(const Json& body);
Result<app::PayAgainInput> DecodePayAgain(const Json& body);
Result<app::RefundInput> DecodeRefund(const Json& body);
// POST /v1/lines/{id}/payment-methods: {method, card: {number, exp_month, exp_year, cvc}, email}.
Result<app::SaveMethodInput> DecodeSaveMethod(const Json& body);

// Encoders.
Json EncodeCarrier(const domain::Carrier& carrier);
Json EncodePlan(const domain::Plan& plan, Timestamp now);
// `mask_personal` hides the MSISDN's middle digits and identifiers (kiosk role).
Json EncodeLine(const domain::Line& line, bool mask_personal);
Json EncodeStatus(const app::LineStatus& status, bool mask_personal);
Json EncodeOrder(const app::OrderView& view);
Json EncodePayment(const domain::Payment& payment);
Json EncodeRefund(const app::RefundView& view);
// PUT /v1/lines/{id}/auto-renewal: {enabled, plan_id, payment_method_id, monthly_cap_jpy}.
Result<domain::AutoRenewal> DecodeAutoRenewal(const Json& body);
// A line's automatic renewal; a line that never had one shows it off, with nulls.
Json EncodeAutoRenewal(const LineId& line_id, const std::optional<domain::AutoRenewal>& setting);
// PUT /v1/lines/{id}/notification-settings: {language, email, sms_to} (email and sms_to may be
// null or absent: not on that channel). An unknown language is "language_invalid".
Result<domain::NotificationSettings> DecodeNotificationSettings(const Json& body);
Json EncodeNotificationSettings(const domain::NotificationSettings& settings);
// A message in a line's inbox: {notification_id, topic, subject, body, created_at, read_at}.
Json EncodeInboxMessage(const domain::Notification& notification);
// A notification as operators see it (the dead-letter list): delivery state included.
Json EncodeNotification(const domain::Notification& notification);
// POST /v1/webhook-endpoints: {url, events: [event types]} (events absent or empty: all).
// Returns the URL and the comma-joined events.
Result<std::pair<std::string, std::string>> DecodeWebhookEndpoint(const Json& body);
// An endpoint; its secret only when given (at creation).
Json EncodeWebhookEndpoint(const domain::WebhookEndpoint& endpoint, const std::string& secret = "");
// A saved method as the API shows it: never its token.
Json EncodeSavedMethod(const domain::SavedPaymentMethod& saved);
Json EncodeReconciliation(const app::ReconciliationReport& report);
// "2026-11-22" as a date; nullopt unless exactly YYYY-MM-DD and a real date.
std::optional<std::chrono::year_month_day> ParseIsoDate(std::string_view text);
Json EncodeMethodOffer(const domain::MethodOffer& offer);
Json EncodeReceipt(const domain::Receipt& receipt);
Json EncodeEvent(const domain::LineEvent& event);

// POST /v1/lines/{id}/reservations: {session_id, request_number, kind, requested, rating_group}
// (rating_group may be null or absent). The values are checked by app::ReservationService::Check.
Result<app::ReservationInput> DecodeReservation(const Json& body);
// POST /v1/lines/{id}/reservations/{reservation_id}/commit: {used}.
Result<int64_t> DecodeReservationCommit(const Json& body);
// A reservation as the API shows it; `status` is the one it has (domain::StatusAt).
Json EncodeReservation(const domain::Reservation& reservation);

// problem+json (RFC 9457) for an Error, with its HTTP status.
int HttpStatusFor(const Error& error);
Json EncodeProblem(const Error& error);

// POST /v1/usage: {"records": [...]} or NDJSON, one record object per line. A record that
// cannot be decoded is kept with its `problem` (the service rejects it with its index); the
// whole body is refused only when it is not a batch ("usage_records_required") or holds more than
// app::kUsageBatchMax records ("usage_batch_too_large").
Result<std::vector<app::UsageInput>> DecodeUsageBatch(const Json& body);
Result<std::vector<app::UsageInput>> DecodeUsageNdjson(std::string_view body);
Json EncodeUsageReport(const app::UsageReport& report);

}  // namespace simkeep::http

#endif  // SIMKEEP_HTTP_JSON_CODEC_H_
