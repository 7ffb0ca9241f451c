#include "simkeep/notify/message_renderer.h"

#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "simkeep/base/time.h"
#include "simkeep/domain/identifiers.h"
#include "simkeep/i18n/language.h"
#include "simkeep/i18n/messages.h"

namespace simkeep::notify {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string Grouped(int64_t amount) {
  const bool negative = amount < 0;
  const std::string digits = std::to_string(negative ? -amount : amount);
  // Built by appending (not std::string::insert, which GCC 12 at -O2 warns about falsely).
  std::string grouped = negative ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      grouped += ',';
    }
    grouped += digits[i];
  }
  return grouped;
}

// A JST date and time for a reader of `language`.
std::string FormatTime(Timestamp t, i18n::Language language) {
  const std::chrono::year_month_day day = JstDate(t);
  const std::string minutes = FormatJstMinutes(t);  // "2026-11-22 18:30 JST"
  const std::string clock = minutes.substr(11, 5);
  if (language == i18n::Language::kEn) {
    return minutes;
  }
  return std::to_string(static_cast<int>(day.year())) + "年" +
         std::to_string(static_cast<unsigned>(day.month())) + "月" +
         std::to_string(static_cast<unsigned>(day.day())) + "日 " + clock;
}

// The line as its holder knows it.
std::string LineNumber(const domain::Line& line) {
  if (!line.msisdn.empty()) {
    Result<domain::Msisdn> parsed = domain::ParseMsisdn(line.msisdn);
    if (parsed) {
      return domain::FormatMsisdnNational(*parsed);
    }
    return line.msisdn;
  }
  const size_t tail = line.iccid.size() > 4 ? line.iccid.size() - 4 : 0;
  return "ICCID …" + line.iccid.substr(tail);
}

// The value of one argument as a reader sees it.
std::string Word(const std::string& key, const std::string& value, i18n::Language language) {
  if (EndsWith(key, "_at")) {
    if (std::optional<Timestamp> t = ParseRfc3339(value)) {
      return FormatTime(*t, language);
    }
    return value;
  }
  if (EndsWith(key, "_jpy")) {
    if (std::optional<int64_t> amount = ParseInt(value)) {
      return FormatYen(*amount, i18n::LanguageTag(language));
    }
    return value;
  }
  if (key == "method") {
    return i18n::Translate(language, "payment.method." + value);
  }
  if (key == "reason") {
    for (const std::string prefix : {"notification.reason.", "payment.failure."}) {
      if (i18n::HasKey(language, prefix + value) ||
          i18n::HasKey(i18n::Language::kEn, prefix + value)) {
        return i18n::Translate(language, prefix + value);
      }
    }
    return i18n::Translate(language, "payment.failure.processing_error");
  }
  if (EndsWith(key, "_bytes")) {
    if (std::optional<int64_t> bytes = ParseInt(value)) {
      return FormatBytes(*bytes);
    }
    return value;
  }
  if (key == "speed_kbps") {
    if (value.empty()) {
      return i18n::Translate(language, "notification.speed.full");
    }
    if (std::optional<int64_t> kbps = ParseInt(value)) {
      return *kbps == 0 ? i18n::Translate(language, "notification.speed.blocked")
                        : FormatKbps(*kbps);
    }
    return value;
  }
  if (key == "kind" && i18n::HasKey(language, "notification.allowance." + value)) {
    return i18n::Translate(language, "notification.allowance." + value);
  }
  return value;
}

// A webhook's value of one argument: yen, bytes, units and speeds as numbers (an empty speed,
// full speed, as null), the rest as text.
nlohmann::ordered_json WebhookValue(const std::string& key, const std::string& value) {
  if (key == "speed_kbps" && value.empty()) {
    return nullptr;
  }
  if (EndsWith(key, "_jpy") || EndsWith(key, "_bytes") || EndsWith(key, "_kbps") ||
      key == "remaining") {
    if (std::optional<int64_t> number = ParseInt(value)) {
      return *number;
    }
  }
  return value;
}

std::string WebhookBody(const app::NotificationEvent& event, const domain::Line& line,
                        std::string_view notification_id, Timestamp created_at) {
  nlohmann::ordered_json data;
  data["line_id"] = line.id.value;
  data["msisdn"] = line.msisdn;
  data["iccid"] = line.iccid;
  for (const auto& [key, value] : event.args) {
    data[key] = WebhookValue(key, value);
  }
  nlohmann::ordered_json body;
  body["id"] = notification_id;
  body["type"] = domain::WebhookEventType(event.topic);
  body["created_at"] = FormatRfc3339Jst(created_at);
  body["data"] = std::move(data);
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string FormatBytes(int64_t bytes) {
  struct Unit {
    int64_t size;
    const char* name;
  };
  for (const Unit unit : {Unit{1'000'000'000'000, "TB"}, Unit{1'000'000'000, "GB"},
                          Unit{1'000'000, "MB"}, Unit{1'000, "kB"}}) {
    if (bytes >= unit.size) {
      // One decimal, rounded down, so that what is left never reads as more than it is.
      const int64_t tenths = bytes / (unit.size / 10);
      const std::string whole = Grouped(tenths / 10);
      return (tenths % 10 == 0 ? whole : whole + "." + std::to_string(tenths % 10)) + " " +
             unit.name;
    }
  }
  return std::to_string(bytes) + " B";
}

std::string FormatKbps(int64_t kbps) {
  if (kbps >= 1000 && kbps % 100 == 0) {
    const int64_t tenths = kbps / 100;
    return std::to_string(tenths / 10) +
           (tenths % 10 == 0 ? "" : "." + std::to_string(tenths % 10)) + " Mbps";
  }
  return Grouped(kbps) + " kbps";
}

std::string FormatYen(int64_t amount_jpy, std::string_view language) {
  const std::string amount = Grouped(amount_jpy);
  if (language == "ja") {
    return amount + "円";
  }
  if (language == "zh-Hans") {
    return amount + "日元";
  }
  if (language == "zh-Hant") {
    return amount + "日圓";
  }
  return "¥" + amount;
}

Result<app::RenderedMessage> MessageRenderer::Render(const app::NotificationEvent& event,
                                                     const domain::Line& line,
                                                     domain::NotificationChannel channel,
                                                     std::string_view language,
                                                     std::string_view notification_id,
                                                     Timestamp created_at) const {
  if (channel == domain::NotificationChannel::kWebhook) {
    return app::RenderedMessage{"", WebhookBody(event, line, notification_id, created_at)};
  }
  const std::optional<i18n::Language> reader = i18n::ParseLanguage(language);
  if (!reader) {
    return InvalidArgument("language_invalid",
                           "\"" + std::string(language) + "\" is not a language simkeep speaks.");
  }
  std::map<std::string, std::string> args;
  for (const auto& [key, value] : event.args) {
    args[key] = Word(key, value, *reader);
  }
  args["number"] = LineNumber(line);
  const std::string topic = domain::NotificationTopicName(event.topic);
  if (event.topic == domain::NotificationTopic::kAutoRenewalFailed) {
    args["next"] =
        i18n::Translate(*reader,
                        "notification.auto_renewal_failed." +
                            std::string(args.count("next_attempt_at") != 0 ? "retry" : "final"),
                        args);
  }
  app::RenderedMessage message;
  message.body = i18n::Translate(*reader, "notification." + topic + ".body", args);
  if (channel != domain::NotificationChannel::kSms) {
    message.subject = i18n::Translate(*reader, "notification." + topic + ".subject", args);
  }
  return message;
}

}  // namespace simkeep::notify
