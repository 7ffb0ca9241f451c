#include "simkeep/http/json_codec.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "simkeep/base/time.h"
#include "simkeep/domain/activation_code.h"
#include "simkeep/i18n/language.h"

namespace simkeep::http {
namespace {

// Reads typed fields out of a JSON object, collecting every problem instead of stopping at the
// first.
class Fields {
 public:
  Fields(const Json& object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {}

  std::string String(const char* name, bool required) {
    const Json* value = Find(name, required);
    if (value == nullptr) {
      return {};
    }
    if (!value->is_string()) {
      Invalid(name, "must be a string");
      return {};
    }
    return value->get<std::string>();
  }

  int64_t Integer(const char* name, bool required) {
    const Json* value = Find(name, required);
    if (value == nullptr) {
      return 0;
    }
    if (value->is_number_integer() && !value->is_number_unsigned()) {
      return value->get<int64_t>();
    }
    if (value->is_number_unsigned() &&
        value->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(value->get<uint64_t>());
    }
    Invalid(name, "must be a whole number (integer yen, no decimals)");
    return 0;
  }

  bool Bool(const char* name, bool required) {
    const Json* value = Find(name, required);
    if (value == nullptr) {
      return false;
    }
    if (!value->is_boolean()) {
      Invalid(name, "must be true or false");
      return false;
    }
    return value->get<bool>();
  }

  const Json* Object(const char* name, bool required) {
    const Json* value = Find(name, required);
    if (value != nullptr && !value->is_object()) {
      Invalid(name, "must be an object");
      return nullptr;
    }
    return value;
  }

  std::vector<FieldError>& errors() { return errors_; }

 private:
  const Json* Find(const char* name, bool required) {
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) {
      if (required) {
        errors_.push_back(
            FieldError{prefix_ + name, "field_required", prefix_ + name + " is required."});
      }
      return nullptr;
    }
    return &*it;
  }

  void Invalid(const char* name, const std::string& what) {
    errors_.push_back(
        FieldError{prefix_ + name, "field_invalid", prefix_ + name + " " + what + "."});
  }

  const Json& object_;
  std::string prefix_;
  std::vector<FieldError> errors_;
};

Result<void> Finish(std::vector<FieldError>& errors) {
  if (errors.empty()) {
    return Ok();
  }
  Error error =
      InvalidArgument(errors.size() == 1 ? errors[0].reason : "validation_failed",
                      errors.size() == 1 ? errors[0].message
                                         : std::to_string(errors.size()) + " fields are invalid.");
  error.errors = errors;
  return error;
}

const char* FlowName(domain::PaymentFlow flow) {
  switch (flow) {
    case domain::PaymentFlow::kInternal:
      return "internal";
    case domain::PaymentFlow::kCard:
      return "card";
    case domain::PaymentFlow::kRedirect:
      return "redirect";
    case domain::PaymentFlow::kQrCode:
      return "qr_code";
    case domain::PaymentFlow::kDeferred:
      return "deferred";
  }
  return "internal";
}

// A card object {number, exp_month, exp_year, cvc}; its field problems go to `errors`, named
// under `prefix`.
app::CardDetails DecodeCard(const Json& object, const std::string& prefix,
                            std::vector<FieldError>& errors) {
  Fields fields(object, prefix);
  app::CardDetails card;
  card.number = fields.String("number", true);
  card.exp_month =
      static_cast<int>(std::clamp<int64_t>(fields.Integer("exp_month", true), -1, 10000));
  card.exp_year =
      static_cast<int>(std::clamp<int64_t>(fields.Integer("exp_year", true), -1, 100000));
  card.cvc = fields.String("cvc", false);
  for (FieldError& e : fields.errors()) {
    errors.push_back(std::move(e));
  }
  return card;
}

app::PaymentInput DecodePayment(Fields& fields) {
  app::PaymentInput payment;
  const Json* object = fields.Object("payment", true);
  if (object == nullptr) {
    return payment;
  }
  Fields inner(*object, "payment.");
  payment.method = inner.String("method", true);
  payment.saved_method_id.value = inner.String("saved_method_id", false);
  const bool card_required = payment.method == "card" && payment.saved_method_id.empty();
  if (const Json* card = inner.Object("card", card_required); card != nullptr) {
    payment.card = DecodeCard(*card, "payment.card.", inner.errors());
  }
  payment.store = inner.String("store", payment.method == "konbini");
  payment.return_url = inner.String("return_url", false);
  payment.customer_email = inner.String("email", false);
  payment.customer_name = inner.String("name", false);
  payment.customer_name_kana = inner.String("name_kana", false);
  payment.customer_phone = inner.String("phone", false);
  for (FieldError& e : inner.errors()) {
    fields.errors().push_back(std::move(e));
  }
  return payment;
}

std::string MaskMsisdn(const std::string& e164) {
  if (e164.size() <= 6) {
    return e164;
  }
  std::string masked = e164;
  for (size_t i = 4; i + 4 < masked.size(); ++i) {
    masked[i] = '*';
  }
  return masked;
}

Json OptionalTime(const std::optional<Timestamp>& t) {
  return t ? Json(FormatRfc3339Jst(*t)) : Json(nullptr);
}

Json OptionalString(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

}  // namespace

Result<Json> ParseObject(std::string_view body) {
  // nlohmann's parser recurses once per nesting level; refuse deep documents before parsing so
  // that no request can exhaust the stack.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kJsonDepthMax) {
        return InvalidArgument("json_too_deep", "The JSON body is nested too deeply.");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return InvalidArgument("json_malformed", "The request body is not valid JSON.");
  }
  if (!parsed.is_object()) {
    return InvalidArgument("json_not_object", "The request body must be a JSON object.");
  }
  return parsed;
}

Result<app::ProvisionRequest> DecodeProvision(const Json& body) {
  Fields fields(body, "");
  app::ProvisionRequest request;
  request.iccid = fields.String("iccid", true);
  request.msisdn = fields.String("msisdn", false);
  request.imsi = fields.String("imsi", false);
  request.eid = fields.String("eid", false);
  request.carrier = fields.String("carrier", true);
  request.form_factor = fields.String("form_factor", false);
  request.service = fields.String("service", false);
  request.plan_id = fields.String("plan_id", false);
  request.activation_code = fields.String("activation_code", false);
  request.confirmation_code = fields.String("confirmation_code", false);
  request.state = fields.String("state", false);
  request.expires_at = fields.String("expires_at", false);
  request.activate_by = fields.String("activate_by", false);
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return request;
}

Result<app::TopUpInput> DecodeTopUp(const Json& body) {
  Fields fields(body, "");
  app::TopUpInput input;
  input.amount_jpy = fields.Integer("amount_jpy", true);
  input.payment = DecodePayment(fields);
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return input;
}

Result<app::RenewalInput> DecodeRenewal(const Json& body) {
  Fields fields(body, "");
  app::RenewalInput input;
  input.plan_id = PlanId{fields.String("plan_id", true)};
  input.payment = DecodePayment(fields);
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return input;
}

Result<app::PayAgainInput> DecodePayAgain(const Json& body) {
  Fields fields(body, "");
  app::PayAgainInput input;
  input.payment = DecodePayment(fields);
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return input;
}

Result<app::PlanChangeInput> DecodePlanChange(const Json& body) {
  Fields fields(body, "");
  app::PlanChangeInput input;
  input.plan_id = PlanId{fields.String("plan_id", true)};
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return input;
}

Json EncodeCarrier(const domain::Carrier& carrier) {
  return Json{{"carrier", domain::CarrierCodeName(carrier.code)},
              {"name", carrier.name},
              {"keep_rule",
               {{"keep_window_days", carrier.keep.keep_window_days},
                {"grace_days", carrier.keep.grace_days},
                {"suspension_to_termination_days", carrier.keep.suspension_to_termination_days},
                {"number_quarantine_days", carrier.keep.number_quarantine_days},
                {"activity_usage_charge_min_jpy", carrier.keep.activity_usage_charge_jpy_min}}},
              {"bands", carrier.bands}};
}

Json EncodePlan(const domain::Plan& plan, Timestamp now) {
  Json bundles = Json::array();
  for (const domain::Bundle& bundle : plan.bundles) {
    bundles.push_back({{"kind", domain::BundleKindName(bundle.kind)},
                       {"quantity", bundle.quantity},
                       {"unit", domain::BundleUnitName(bundle.kind)}});
  }
  Json throttle = Json::array();
  for (const domain::ThrottleStep& step : plan.throttle) {
    throttle.push_back(
        {{"up_to_extra_bytes", step.up_to_extra_bytes}, {"speed_kbps", step.speed_kbps}});
  }
  Json prices = Json::array();
  for (const domain::PriceVersion& version : plan.prices) {
    prices.push_back({{"effective_from", FormatRfc3339Jst(version.effective_from)},
                      {"price_jpy", version.price_jpy}});
  }
  Result<Money> price = domain::PriceAt(plan, now);
  return Json{
      {"plan_id", plan.id.value},
      {"carrier", domain::CarrierCodeName(plan.carrier)},
      {"name", plan.name},
      {"kind", domain::PlanKindName(plan.kind)},
      {"service", domain::ServiceKindName(plan.service)},
      {"price_jpy", price ? Json(price->minor) : Json(nullptr)},
      {"prices", prices},
      {"tax_rate_percent", plan.tax_rate_percent},
      {"bundles", bundles},
      {"validity",
       {{"days", plan.validity.days},
        {"hours", plan.validity.hours},
        {"convention", domain::DayConventionName(plan.validity.convention)},
        {"start", domain::StartTriggerName(plan.validity.start)}}},
      {"renewal_mode", domain::RenewalModeName(plan.renewal_mode)},
      {"extend_cap_days", plan.extend_cap_days},
      {"throttle", throttle},
      {"daily_cap_bytes", plan.daily_cap_bytes ? Json(*plan.daily_cap_bytes) : Json(nullptr)},
      {"auto_renewable", plan.auto_renewable},
      {"voice_per_30s_jpy", plan.voice_jpy_per_30s},
      // Integer yen per 10 messages, since an SMS costs fractions of a yen (¥3.3 = 33 per 10).
      {"sms_per_10_messages_jpy", plan.sms_jpy_tenths},
      {"free_call_length_seconds", plan.free_call_length_seconds},
      {"activate_within_days", plan.activate_within_days},
      {"kyc_required", plan.kyc_required}};
}

Json EncodeLine(const domain::Line& line, bool mask_personal) {
  Json json{
      {"line_id", line.id.value},
      {"iccid", mask_personal ? Json(nullptr) : Json(line.iccid)},
      {"msisdn", line.msisdn.empty() ? Json(nullptr)
                                     : Json(mask_personal ? MaskMsisdn(line.msisdn) : line.msisdn)},
      {"number_class", OptionalString(line.number_class)},
      {"carrier", domain::CarrierCodeName(line.carrier)},
      {"form_factor", domain::FormFactorName(line.form_factor)},
      {"service", domain::ServiceKindName(line.service)},
      {"state", domain::LineStateName(line.state)},
      {"expires_at", OptionalTime(line.expires_at)},
      {"plan_id", OptionalString(line.plan_id.value)}};
  if (mask_personal) {
    return json;
  }
  json["imsi"] = OptionalString(line.imsi);
  json["eid"] = OptionalString(line.eid);
  json["activate_by"] = OptionalTime(line.activate_by);
  json["created_at"] = FormatRfc3339Jst(line.created_at);
  if (line.esim) {
    domain::ActivationCode code{line.esim->smdp_address, line.esim->matching_id,
                                line.esim->smdp_oid, line.esim->confirmation_code_required};
    json["esim"] = {{"activation_code", domain::FormatActivationCode(code)},
                    {"smdp_address", line.esim->smdp_address},
                    {"confirmation_code_required", line.esim->confirmation_code_required},
                    {"qr_svg_url", "/v1/lines/" + line.id.value + "/esim/qr.svg"}};
  } else {
    json["esim"] = nullptr;
  }
  return json;
}

Json EncodeEvent(const domain::LineEvent& event) {
  return Json{
      {"event_id", event.id.value},
      {"kind", event.kind},
      {"from_state",
       event.from_state ? Json(domain::LineStateName(*event.from_state)) : Json(nullptr)},
      {"to_state", event.to_state ? Json(domain::LineStateName(*event.to_state)) : Json(nullptr)},
      {"reason", event.reason},
      {"order_id", OptionalString(event.order_id.value)},
      {"at", FormatRfc3339Jst(event.at)}};
}

Json EncodeStatus(const app::LineStatus& status, bool mask_personal) {
  Json buckets = Json::array();
  for (const domain::Bucket& bucket : status.buckets) {
    buckets.push_back({{"bucket_id", bucket.id.value},
                       {"kind", domain::BundleKindName(bucket.kind)},
                       {"remaining", bucket.remaining},
                       {"initial", bucket.initial},
                       {"unit", domain::BundleUnitName(bucket.kind)},
                       {"starts_at", FormatRfc3339Jst(bucket.starts_at)},
                       {"expires_at", FormatRfc3339Jst(bucket.expires_at)}});
  }
  Json events = Json::array();
  if (!mask_personal) {
    for (const domain::LineEvent& event : status.events) {
      events.push_back(EncodeEvent(event));
    }
  }
  Json json = EncodeLine(status.line, mask_personal);
  json["balance_jpy"] = status.balance_jpy;
  json["buckets"] = buckets;
  json["speed_kbps"] = status.speed_kbps ? Json(*status.speed_kbps) : Json(nullptr);
  // One entry per JST day with usage, oldest first: what a daily chart draws.
  Json daily = Json::array();
  for (const domain::UsageDay& day : status.usage_days) {
    const std::string date = FormatRfc3339Jst(day.day).substr(0, 10);
    if (daily.empty() || daily.back()["date"] != date) {
      daily.push_back(
          {{"date", date}, {"data_bytes", 0}, {"voice_seconds", 0}, {"sms", 0}, {"rated_jpy", 0}});
    }
    Json& entry = daily.back();
    switch (day.kind) {
      case domain::UsageKind::kData:
        entry["data_bytes"] = day.units;
        break;
      case domain::UsageKind::kVoice:
        entry["voice_seconds"] = day.units;
        break;
      case domain::UsageKind::kSms:
        entry["sms"] = day.units;
        break;
    }
    entry["rated_jpy"] = entry["rated_jpy"].get<int64_t>() + day.rated_jpy;
  }
  json["daily_usage"] = mask_personal ? Json::array() : daily;
  json["auto_renewal"] =
      status.auto_renewal ? EncodeAutoRenewal(status.line.id, status.auto_renewal) : Json(nullptr);
  json["next_reminder"] = nullptr;
  json["events"] = events;
  return json;
}

Json EncodeOrder(const app::OrderView& view) {
  const domain::Order& order = view.order;
  Json json{{"order_id", order.id.value},
            {"line_id", order.line_id.value},
            {"kind", domain::OrderKindName(order.kind)},
            {"status", domain::OrderStatusName(order.status)},
            {"amount_jpy", order.amount_jpy},
            {"plan_id", OptionalString(order.plan_id.value)},
            {"channel", domain::ChannelName(order.channel)},
            {"failure_reason", OptionalString(order.failure_reason)},
            {"receipt_number", order.receipt_number ? Json(*order.receipt_number) : Json(nullptr)},
            {"created_at", FormatRfc3339Jst(order.created_at)},
            {"completed_at", OptionalTime(order.completed_at)}};
  json["fee_jpy"] = order.fee_jpy;
  json["payment"] = view.payment ? EncodePayment(*view.payment) : Json(nullptr);
  return json;
}

Json EncodePayment(const domain::Payment& payment) {
  Json card = nullptr;
  if (payment.method == domain::PaymentMethod::kCard) {
    card = {{"brand", OptionalString(payment.card_brand)},
            {"last4", OptionalString(payment.card_last4)}};
  }
  Json next_action = nullptr;
  if (payment.status == domain::PaymentStatus::kRequiresAction) {
    const domain::PaymentAction& action = payment.action;
    next_action = {{"type", domain::PaymentActionKindName(action.kind)},
                   {"url", OptionalString(action.url)},
                   {"qr_payload", OptionalString(action.qr_payload)},
                   {"store", OptionalString(action.store)},
                   {"payment_number", OptionalString(action.payment_number)},
                   {"confirmation_number", OptionalString(action.confirmation_number)},
                   {"institution_number", OptionalString(action.institution_number)},
                   {"expires_at", OptionalTime(action.expires_at)}};
  }
  return Json{{"payment_id", payment.id.value},
              {"order_id", payment.order_id.value},
              {"method", domain::PaymentMethodName(payment.method)},
              {"provider", payment.provider},
              {"status", domain::PaymentStatusName(payment.status)},
              {"amount_jpy", payment.amount_jpy},
              {"refunded_jpy", payment.refunded_jpy},
              {"failure_reason", OptionalString(payment.failure_reason)},
              {"card", card},
              {"saved_method_id", OptionalString(payment.saved_method_id.value)},
              {"next_action", next_action},
              {"created_at", FormatRfc3339Jst(payment.created_at)},
              {"succeeded_at", OptionalTime(payment.succeeded_at)}};
}

Json EncodeRefund(const app::RefundView& view) {
  const domain::Refund& refund = view.refund;
  return Json{{"refund_id", refund.id.value},
              {"payment_id", refund.payment_id.value},
              {"order_id", refund.order_id.value},
              {"amount_jpy", refund.amount_jpy},
              {"reason", refund.reason},
              {"status", domain::RefundStatusName(refund.status)},
              {"failure_reason", OptionalString(refund.failure_reason)},
              {"created_at", FormatRfc3339Jst(refund.created_at)},
              {"payment", EncodePayment(view.payment)}};
}

Result<app::RefundInput> DecodeRefund(const Json& body) {
  Fields fields(body, "");
  app::RefundInput input;
  input.amount_jpy = fields.Integer("amount_jpy", true);
  input.reason = fields.String("reason", true);
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return input;
}

Result<app::SaveMethodInput> DecodeSaveMethod(const Json& body) {
  Fields fields(body, "");
  app::SaveMethodInput input;
  input.method = fields.String("method", true);
  if (const Json* card = fields.Object("card", input.method == "card"); card != nullptr) {
    input.card = DecodeCard(*card, "card.", fields.errors());
  }
  input.customer_email = fields.String("email", false);
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return input;
}

Json EncodeSavedMethod(const domain::SavedPaymentMethod& saved) {
  const bool known = saved.exp_month > 0;
  return Json{{"saved_method_id", saved.id.value},
              {"line_id", saved.line_id.value},
              {"method", domain::PaymentMethodName(saved.method)},
              {"provider", saved.provider},
              {"status", domain::SavedMethodStatusName(saved.status)},
              {"card", Json{{"brand", OptionalString(saved.card_brand)},
                            {"last4", OptionalString(saved.card_last4)},
                            {"exp_month", known ? Json(saved.exp_month) : Json(nullptr)},
                            {"exp_year", known ? Json(saved.exp_year) : Json(nullptr)}}},
              {"failure_reason", OptionalString(saved.failure_reason)},
              {"created_at", FormatRfc3339Jst(saved.created_at)}};
}

Result<domain::AutoRenewal> DecodeAutoRenewal(const Json& body) {
  Fields fields(body, "");
  domain::AutoRenewal setting;
  setting.enabled = fields.Bool("enabled", true);
  setting.plan_id.value = fields.String("plan_id", true);
  setting.payment_method_id = fields.String("payment_method_id", true);
  setting.monthly_cap_jpy = fields.Integer("monthly_cap_jpy", true);
  setting.topup_plan_id.value = fields.String("topup_plan_id", false);
  if (auto below = body.find("topup_below_bytes"); below != body.end() && !below->is_null()) {
    setting.topup_below_bytes = fields.Integer("topup_below_bytes", true);
  }
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return setting;
}

Json EncodeAutoRenewal(const LineId& line_id, const std::optional<domain::AutoRenewal>& setting) {
  if (!setting) {
    return Json{{"line_id", line_id.value},     {"enabled", false},
                {"plan_id", nullptr},           {"payment_method_id", nullptr},
                {"monthly_cap_jpy", nullptr},   {"topup_plan_id", nullptr},
                {"topup_below_bytes", nullptr}, {"updated_at", nullptr}};
  }
  return Json{{"line_id", setting->line_id.value},
              {"enabled", setting->enabled},
              {"plan_id", setting->plan_id.value},
              {"payment_method_id", setting->payment_method_id},
              {"monthly_cap_jpy", setting->monthly_cap_jpy},
              {"topup_plan_id",
               setting->topup_plan_id.empty() ? Json(nullptr) : Json(setting->topup_plan_id.value)},
              {"topup_below_bytes",
               setting->topup_below_bytes ? Json(*setting->topup_below_bytes) : Json(nullptr)},
              {"updated_at", FormatRfc3339Jst(setting->updated_at)}};
}

Result<domain::NotificationSettings> DecodeNotificationSettings(const Json& body) {
  Fields fields(body, "");
  domain::NotificationSettings settings;
  const std::string language = fields.String("language", true);
  settings.email = fields.String("email", false);
  settings.sms_to = fields.String("sms_to", false);
  if (auto threshold = body.find("data_low_bytes");
      threshold != body.end() && !threshold->is_null()) {
    settings.data_low_bytes = fields.Integer("data_low_bytes", true);
  }
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  const std::optional<i18n::Language> parsed = i18n::ParseLanguage(language);
  if (!parsed) {
    return InvalidArgument("language_invalid",
                           "language must be one of zh-Hans, zh-Hant, ja and en.");
  }
  settings.language = i18n::LanguageTag(*parsed);
  return settings;
}

Json EncodeNotificationSettings(const domain::NotificationSettings& settings) {
  const bool stored = settings.updated_at != Timestamp{};
  return Json{
      {"line_id", settings.line_id.value},
      {"language", settings.language},
      {"email", settings.email.empty() ? Json(nullptr) : Json(settings.email)},
      {"sms_to", settings.sms_to.empty() ? Json(nullptr) : Json(settings.sms_to)},
      {"data_low_bytes", settings.data_low_bytes ? Json(*settings.data_low_bytes) : Json(nullptr)},
      {"updated_at", stored ? Json(FormatRfc3339Jst(settings.updated_at)) : Json(nullptr)}};
}

Json EncodeInboxMessage(const domain::Notification& notification) {
  return Json{{"notification_id", notification.id},
              {"topic", domain::NotificationTopicName(notification.topic)},
              {"subject", notification.subject},
              {"body", notification.body},
              {"language", notification.language},
              {"created_at", FormatRfc3339Jst(notification.created_at)},
              {"read_at", OptionalTime(notification.read_at)}};
}

Json EncodeNotification(const domain::Notification& notification) {
  return Json{{"notification_id", notification.id},
              {"line_id", notification.line_id.value},
              {"topic", domain::NotificationTopicName(notification.topic)},
              {"channel", domain::NotificationChannelName(notification.channel)},
              {"recipient", notification.recipient},
              {"language", notification.language},
              {"status", domain::NotificationStatusName(notification.status)},
              {"attempts", notification.attempts},
              {"next_attempt_at", OptionalTime(notification.next_attempt_at)},
              {"last_error", notification.last_error},
              {"dedupe_key", notification.dedupe_key},
              {"created_at", FormatRfc3339Jst(notification.created_at)},
              {"sent_at", OptionalTime(notification.sent_at)}};
}

Result<std::pair<std::string, std::string>> DecodeWebhookEndpoint(const Json& body) {
  Fields fields(body, "");
  std::string url = fields.String("url", true);
  std::string events;
  const auto found = body.find("events");
  if (found != body.end() && !found->is_null()) {
    bool valid = found->is_array();
    for (size_t i = 0; valid && i < found->size(); ++i) {
      valid = (*found)[i].is_string();
      if (valid) {
        events += (events.empty() ? "" : ",") + (*found)[i].get<std::string>();
      }
    }
    if (!valid) {
      fields.errors().push_back(
          FieldError{"events", "field_invalid", "events must be an array of event types."});
    }
  }
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return std::make_pair(std::move(url), std::move(events));
}

Json EncodeWebhookEndpoint(const domain::WebhookEndpoint& endpoint, const std::string& secret) {
  Json events = Json::array();
  for (size_t start = 0; !endpoint.events.empty() && start <= endpoint.events.size();) {
    const size_t comma = std::min(endpoint.events.find(',', start), endpoint.events.size());
    events.push_back(endpoint.events.substr(start, comma - start));
    start = comma + 1;
  }
  Json json{{"endpoint_id", endpoint.id},
            {"url", endpoint.url},
            {"events", events},
            {"created_at", FormatRfc3339Jst(endpoint.created_at)},
            {"disabled_at", OptionalTime(endpoint.disabled_at)}};
  if (!secret.empty()) {
    json["secret"] = secret;
  }
  return json;
}

Json EncodeReconciliation(const app::ReconciliationReport& report) {
  Json totals = Json::array();
  for (const app::ReconciliationTotal& total : report.totals) {
    totals.push_back({{"method", domain::PaymentMethodName(total.method)},
                      {"provider_count", total.provider_count},
                      {"provider_jpy", total.provider_jpy},
                      {"ledger_count", total.ledger_count},
                      {"ledger_jpy", total.ledger_jpy},
                      {"provider_refunded_jpy", total.provider_refunded_jpy},
                      {"ledger_refunded_jpy", total.ledger_refunded_jpy}});
  }
  Json mismatches = Json::array();
  for (const app::ReconciliationMismatch& mismatch : report.mismatches) {
    mismatches.push_back({{"kind", mismatch.kind},
                          {"payment_id", mismatch.payment_id.value},
                          {"method", domain::PaymentMethodName(mismatch.method)},
                          {"provider_jpy", mismatch.provider_jpy},
                          {"ledger_jpy", mismatch.ledger_jpy},
                          {"detail", mismatch.detail}});
  }
  return Json{{"provider", report.provider},
              {"date", report.date},
              {"balanced", report.mismatches.empty()},
              {"totals", totals},
              {"mismatches", mismatches}};
}

std::optional<std::chrono::year_month_day> ParseIsoDate(std::string_view text) {
  if (text.size() != 10) {
    return std::nullopt;
  }
  std::optional<Timestamp> start = ParseRfc3339(std::string(text) + "T00:00:00+09:00");
  if (!start) {
    return std::nullopt;
  }
  return JstDate(*start);
}

Json EncodeMethodOffer(const domain::MethodOffer& offer) {
  Json stores = nullptr;
  if (offer.method == domain::PaymentMethod::kKonbini) {
    stores = Json::array();
    for (domain::KonbiniStore store : domain::AllKonbiniStores()) {
      stores.push_back(domain::KonbiniStoreName(store));
    }
  }
  return Json{{"method", domain::PaymentMethodName(offer.method)},
              {"flow", FlowName(domain::FlowOf(offer.method))},
              {"fee_jpy", offer.fee_jpy},
              {"for_topup", offer.for_topup},
              {"for_renewal", offer.for_renewal},
              {"refundable", domain::Refundable(offer.method)},
              {"stores", stores}};
}

Json EncodeReceipt(const domain::Receipt& receipt) {
  Json lines = Json::array();
  for (const domain::ReceiptLine& line : receipt.lines) {
    lines.push_back(
        {{"description", line.description},
         {"quantity", line.quantity},
         {"unit_price_jpy", line.unit_price_jpy},
         {"amount_jpy", line.unit_price_jpy * line.quantity},
         {"tax_rate_percent", line.taxable ? Json(line.tax_rate_percent) : Json(nullptr)},
         {"taxable", line.taxable}});
  }
  Json by_rate = Json::array();
  for (const domain::RateTotal& rate : receipt.totals.by_rate) {
    by_rate.push_back({{"tax_rate_percent", rate.tax_rate_percent},
                       {"total_including_tax_jpy", rate.total_including_tax_jpy},
                       {"tax_jpy", rate.tax_jpy},
                       {"total_excluding_tax_jpy", rate.total_excluding_tax_jpy}});
  }
  return Json{
      {"receipt_number", receipt.number},
      {"order_id", receipt.order_id.value},
      {"line_id", receipt.line_id.value},
      {"kind", domain::ReceiptKindName(receipt.kind)},
      {"issuer",
       {{"name", receipt.issuer_name},
        {"invoice_registration_number", OptionalString(receipt.invoice_registration_number)}}},
      {"issued_at", FormatRfc3339Jst(receipt.issued_at)},
      {"channel", receipt.channel},
      {"payment_method", receipt.payment_method},
      {"lines", lines},
      {"totals",
       {{"by_rate", by_rate},
        {"non_taxable_jpy", receipt.totals.non_taxable_jpy},
        {"total_jpy", receipt.totals.total_jpy}}}};
}

Result<app::ReservationInput> DecodeReservation(const Json& body) {
  Fields fields(body, "");
  app::ReservationInput input;
  input.session_id = fields.String("session_id", true);
  input.request_number = fields.Integer("request_number", true);
  input.kind = fields.String("kind", true);
  input.requested = fields.Integer("requested", true);
  if (body.contains("rating_group") && !body["rating_group"].is_null()) {
    input.rating_group = fields.Integer("rating_group", false);
  }
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return input;
}

Result<int64_t> DecodeReservationCommit(const Json& body) {
  Fields fields(body, "");
  const int64_t used = fields.Integer("used", true);
  if (Result<void> done = Finish(fields.errors()); !done) {
    return done.error();
  }
  return used;
}

Json EncodeReservation(const domain::Reservation& reservation) {
  const domain::Grant& grant = reservation.grant;
  Json final_unit = nullptr;
  if (grant.final_unit) {
    final_unit = {{"action", domain::FinalUnitActionName(grant.final_unit->action)},
                  {"speed_kbps", grant.final_unit->speed_kbps ? Json(*grant.final_unit->speed_kbps)
                                                              : Json(nullptr)}};
  }
  const auto validity = std::chrono::duration_cast<std::chrono::seconds>(reservation.expires_at -
                                                                         reservation.created_at);
  Json overshoot = nullptr;
  if (reservation.used) {
    overshoot = std::max<int64_t>(0, *reservation.used - grant.granted);
  }
  return Json{
      {"reservation_id", reservation.id.value},
      {"line_id", reservation.line_id.value},
      {"session_id", reservation.session_id},
      {"request_number", reservation.request_number},
      {"kind", domain::UsageKindName(reservation.kind)},
      {"unit", domain::UsageUnitName(reservation.kind)},
      {"rating_group", reservation.rating_group ? Json(*reservation.rating_group) : Json(nullptr)},
      {"requested", reservation.requested},
      {"result", domain::GrantResultName(grant.result)},
      {"granted", grant.granted},
      {"tier", domain::GrantTierName(grant.tier)},
      {"reserved_jpy", grant.held_jpy},
      {"speed_kbps", grant.speed_kbps ? Json(*grant.speed_kbps) : Json(nullptr)},
      {"final_unit", final_unit},
      {"status", domain::ReservationStatusName(reservation.status)},
      {"validity_seconds", validity.count()},
      {"created_at", FormatRfc3339Jst(reservation.created_at)},
      {"expires_at", FormatRfc3339Jst(reservation.expires_at)},
      {"used", reservation.used ? Json(*reservation.used) : Json(nullptr)},
      {"overshoot", overshoot},
      {"closed_at", OptionalTime(reservation.closed_at)}};
}

int HttpStatusFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kAborted:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 422;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Json EncodeProblem(const Error& error) {
  const int status = HttpStatusFor(error);
  Json errors = Json::array();
  for (const FieldError& field : error.errors) {
    errors.push_back({{"field", field.field}, {"code", field.reason}, {"detail", field.message}});
  }
  const bool internal = error.code == ErrorCode::kInternal;
  return Json{
      {"type", "urn:simkeep:problem:" + error.reason},
      {"title", internal ? std::string("internal") : error.reason},
      {"status", status},
      {"detail", internal ? std::string("The server hit an internal error.") : error.message},
      {"code", error.reason},
      {"errors", errors}};
}

namespace {

// One element of a usage batch; a field problem makes it a rejected record, not a bad request.
app::UsageInput DecodeUsageRecord(const Json& element, size_t index) {
  app::UsageInput input;
  if (!element.is_object()) {
    input.problem = InvalidArgument("usage_record_invalid",
                                    "records[" + std::to_string(index) + "] is not an object.");
    return input;
  }
  Fields fields(element, "records[" + std::to_string(index) + "].");
  input.record_id = fields.String("record_id", true);
  input.line_id = fields.String("line_id", false);
  input.msisdn = fields.String("msisdn", false);
  input.iccid = fields.String("iccid", false);
  input.imsi = fields.String("imsi", false);
  input.kind = fields.String("kind", true);
  input.quantity = fields.Integer("quantity", true);
  input.start = fields.String("start", true);
  input.end = fields.String("end", true);
  if (element.contains("rating_group") && !element["rating_group"].is_null()) {
    input.rating_group = fields.Integer("rating_group", false);
  }
  if (Result<void> done = Finish(fields.errors()); !done) {
    input.problem = done.error();
  }
  return input;
}

Error BatchTooLarge(size_t count) {
  return InvalidArgument("usage_batch_too_large",
                         "A batch holds at most " + std::to_string(app::kUsageBatchMax) +
                             " records; this one has " + std::to_string(count) + ".");
}

}  // namespace

Result<std::vector<app::UsageInput>> DecodeUsageBatch(const Json& body) {
  const auto found = body.find("records");
  if (found == body.end() || !found->is_array()) {
    return InvalidArgument("usage_records_required",
                           "The body is {\"records\": [...]}, an array of usage records.");
  }
  if (found->size() > app::kUsageBatchMax) {
    return BatchTooLarge(found->size());
  }
  std::vector<app::UsageInput> inputs;
  inputs.reserve(found->size());
  for (size_t i = 0; i < found->size(); ++i) {
    inputs.push_back(DecodeUsageRecord((*found)[i], i));
  }
  return inputs;
}

Result<std::vector<app::UsageInput>> DecodeUsageNdjson(std::string_view body) {
  std::vector<app::UsageInput> inputs;
  size_t begin = 0;
  while (begin < body.size()) {
    size_t end = body.find('\n', begin);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    std::string_view line = body.substr(begin, end - begin);
    begin = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      continue;  // Blank lines separate nothing.
    }
    if (inputs.size() == app::kUsageBatchMax) {
      return BatchTooLarge(inputs.size() + 1);
    }
    Result<Json> element = ParseObject(line);
    if (!element) {
      app::UsageInput input;
      input.problem =
          InvalidArgument("usage_record_invalid",
                          "Line " + std::to_string(inputs.size() + 1) + " is not a JSON object.");
      inputs.push_back(std::move(input));
      continue;
    }
    inputs.push_back(DecodeUsageRecord(*element, inputs.size()));
  }
  return inputs;
}

Json EncodeUsageReport(const app::UsageReport& report) {
  Json rejected = Json::array();
  for (const app::UsageRejection& rejection : report.rejected) {
    rejected.push_back({{"index", rejection.index},
                        {"record_id", OptionalString(rejection.record_id)},
                        {"code", rejection.error.reason},
                        {"detail", rejection.error.message}});
  }
  return Json{{"accepted", report.accepted},
              {"duplicates", report.duplicates},
              {"rejected", rejected},
              {"charged_jpy", report.charged_jpy},
              {"unpaid_jpy", report.unpaid_jpy}};
}

}  // namespace simkeep::http
