#include "simkeep/domain/notification.h"

#include <algorithm>
#include <array>

#include "simkeep/base/ip_address.h"
#include "simkeep/base/text.h"

namespace simkeep::domain {
namespace {

constexpr std::array<const char*, 4> kChannelNames = {"email", "sms", "webhook", "in_app"};
constexpr std::array<const char*, 3> kStatusNames = {"pending", "sent", "dead"};

struct TopicNames {
  NotificationTopic topic;
  const char* name;
  const char* event_type;
};

constexpr std::array<TopicNames, 13> kTopics = {{
    {NotificationTopic::kExpirySoon, "expiry_soon", "line.expiring"},
    {NotificationTopic::kAutoRenewalUpcoming, "auto_renewal_upcoming", "auto_renewal.upcoming"},
    {NotificationTopic::kAutoRenewalFailed, "auto_renewal_failed", "auto_renewal.failed"},
    {NotificationTopic::kAutoRenewalSkipped, "auto_renewal_skipped", "auto_renewal.skipped"},
    {NotificationTopic::kPaymentReceipt, "payment_receipt", "payment.receipt"},
    {NotificationTopic::kPaymentDeadline, "payment_deadline", "payment.deadline_soon"},
    {NotificationTopic::kGraceStarted, "grace_started", "line.grace_started"},
    {NotificationTopic::kSuspensionSoon, "suspension_soon", "line.suspension_soon"},
    {NotificationTopic::kSuspended, "suspended", "line.suspended"},
    {NotificationTopic::kTerminated, "terminated", "line.terminated"},
    {NotificationTopic::kThrottleChanged, "throttle_changed", "line.throttle_changed"},
    {NotificationTopic::kDataLow, "data_low", "line.data_low"},
    {NotificationTopic::kBucketExpired, "bucket_expired", "bucket.expired"},
}};

constexpr std::array<NotificationTopic, 13> kAllTopics = [] {
  std::array<NotificationTopic, 13> all{};
  for (size_t i = 0; i < kTopics.size(); ++i) {
    all[i] = kTopics[i].topic;
  }
  return all;
}();

template <size_t N>
std::optional<size_t> IndexOf(const std::array<const char*, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) {
      return i;
    }
  }
  return std::nullopt;
}

bool IsControlOrSpace(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7F;
}

bool ValidEmail(std::string_view email) {
  if (email.size() > kEmailBytesMax) {
    return false;
  }
  const size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view domain = email.substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : email) {
    if (IsControlOrSpace(c) || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '\\') {
      return false;
    }
  }
  return true;
}

bool ValidE164(std::string_view number) {
  if (number.size() < 9 || number.size() > 16 || number.front() != '+' || number[1] == '0') {
    return false;
  }
  for (char c : number.substr(1)) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool ValidUrl(std::string_view url) {
  if (url.size() > kWebhookUrlBytesMax) {
    return false;
  }
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') {
    return false;
  }
  for (char c : url) {
    if (IsControlOrSpace(c)) {
      return false;
    }
  }
  return true;
}

// The host of a URL that passed ValidUrl, as libcurl reads it: after the scheme and any user
// information (up to the last '@'), before the port, path, query or fragment; an IPv6 literal
// without its brackets and zone.
std::string_view UrlHost(std::string_view url) {
  std::string_view authority = url.substr(url.find("://") + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (authority.starts_with('[')) {
    const std::string_view literal = authority.substr(1, authority.find(']') - 1);
    return literal.substr(0, literal.find('%'));
  }
  return authority.substr(0, authority.find(':'));
}

// `host` with %XX escapes decoded and ASCII letters in lower case, without one trailing dot:
// the name a resolver would be asked for.
std::string NormalizedHost(std::string_view host) {
  std::string normalized = PercentDecode(host, false);
  for (char& c : normalized) {
    c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (!normalized.empty() && normalized.back() == '.') {
    normalized.pop_back();
  }
  return normalized;
}

}  // namespace

const char* NotificationChannelName(NotificationChannel channel) {
  return kChannelNames[static_cast<size_t>(channel)];
}

std::optional<NotificationChannel> ParseNotificationChannel(std::string_view text) {
  const std::optional<size_t> index = IndexOf(kChannelNames, text);
  if (!index) {
    return std::nullopt;
  }
  return static_cast<NotificationChannel>(*index);
}

const char* NotificationStatusName(NotificationStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

std::optional<NotificationStatus> ParseNotificationStatus(std::string_view text) {
  const std::optional<size_t> index = IndexOf(kStatusNames, text);
  if (!index) {
    return std::nullopt;
  }
  return static_cast<NotificationStatus>(*index);
}

const char* NotificationTopicName(NotificationTopic topic) {
  return kTopics[static_cast<size_t>(topic)].name;
}

std::optional<NotificationTopic> ParseNotificationTopic(std::string_view text) {
  for (const TopicNames& names : kTopics) {
    if (text == names.name) {
      return names.topic;
    }
  }
  return std::nullopt;
}

const char* WebhookEventType(NotificationTopic topic) {
  return kTopics[static_cast<size_t>(topic)].event_type;
}

std::optional<NotificationTopic> ParseWebhookEventType(std::string_view text) {
  for (const TopicNames& names : kTopics) {
    if (text == names.event_type) {
      return names.topic;
    }
  }
  return std::nullopt;
}

std::span<const NotificationTopic> AllNotificationTopics() { return kAllTopics; }

bool MailsHolder(NotificationTopic topic) { return topic != NotificationTopic::kBucketExpired; }

Result<void> ValidateNotificationSettings(const NotificationSettings& settings) {
  if (!settings.email.empty() && !ValidEmail(settings.email)) {
    return InvalidArgument("email_invalid",
                           "email must be an address like name@example.jp, at most " +
                               std::to_string(kEmailBytesMax) + " bytes.");
  }
  if (!settings.sms_to.empty() && !ValidE164(settings.sms_to)) {
    return InvalidArgument("sms_to_invalid",
                           "sms_to must be an E.164 number: \"+\", the country code and the "
                           "number, 8 to 15 digits in all (\"+818012345678\").");
  }
  if (settings.data_low_bytes &&
      (*settings.data_low_bytes < 1 || *settings.data_low_bytes > kDataLowBytesMax)) {
    return InvalidArgument("data_low_bytes_invalid", "data_low_bytes must be from 1 to " +
                                                         std::to_string(kDataLowBytesMax) +
                                                         " bytes, or null for no alert.");
  }
  return Ok();
}

Result<void> ValidateWebhookEndpoint(const WebhookEndpoint& endpoint) {
  if (!ValidUrl(endpoint.url)) {
    return InvalidArgument("webhook_url_invalid",
                           "url must be an http:// or https:// URL with a host, without spaces, "
                           "at most " +
                               std::to_string(kWebhookUrlBytesMax) + " bytes.");
  }
  if (endpoint.events.empty()) {
    return Ok();  // Every event.
  }
  const std::string_view events = endpoint.events;
  for (size_t start = 0; start <= events.size();) {
    const size_t comma = std::min(events.find(',', start), events.size());
    const std::string_view event = events.substr(start, comma - start);
    if (!ParseWebhookEventType(event)) {
      return InvalidArgument("webhook_event_unknown",
                             "\"" + std::string(event) + "\" is not an event type simkeep sends.");
    }
    start = comma + 1;
  }
  return Ok();
}

Result<void> CheckWebhookUrlPublic(std::string_view url) {
  const std::string host = NormalizedHost(UrlHost(url));
  if (host == "localhost" || host.ends_with(".localhost")) {
    return FailedPrecondition("webhook_url_private",
                              "url's host is a name of this machine (localhost): webhooks go "
                              "only to public addresses on this instance.");
  }
  const std::optional<IpAddress> address = ParseIpAddress(host);
  if (address) {
    const AddressScope scope = ClassifyAddress(*address);
    if (scope != AddressScope::kPublic) {
      return FailedPrecondition("webhook_url_private",
                                "url's host is not a public address (" +
                                    std::string(AddressScopeName(scope)) +
                                    "): webhooks go only to public addresses on this instance.");
    }
  }
  return Ok();
}

bool Subscribes(const WebhookEndpoint& endpoint, NotificationTopic topic) {
  if (endpoint.disabled_at) {
    return false;
  }
  if (endpoint.events.empty()) {
    return true;
  }
  const std::string_view wanted = WebhookEventType(topic);
  std::string_view events = endpoint.events;
  while (!events.empty()) {
    const size_t comma = events.find(',');
    if (events.substr(0, comma) == wanted) {
      return true;
    }
    events = comma == std::string_view::npos ? std::string_view() : events.substr(comma + 1);
  }
  return false;
}

std::string NotificationDedupeKey(NotificationTopic topic, const LineId& line_id,
                                  std::string_view period, NotificationChannel channel,
                                  std::string_view endpoint_id) {
  std::string key = NotificationTopicName(topic);
  key += ':';
  key += line_id.value;
  key += ':';
  key += period;
  key += ':';
  key += NotificationChannelName(channel);
  if (!endpoint_id.empty()) {
    key += ':';
    key += endpoint_id;
  }
  return key;
}

std::optional<Timestamp> NextDeliveryAt(int failures, Timestamp failed_at) {
  using namespace std::chrono;
  switch (failures) {
    case 1:
      return failed_at + minutes{1};
    case 2:
      return failed_at + minutes{5};
    case 3:
      return failed_at + minutes{30};
    case 4:
      return failed_at + hours{2};
    case 5:
      return failed_at + hours{12};
    default:
      return std::nullopt;
  }
}

}  // namespace simkeep::domain
