#ifndef SIMKEEP_DOMAIN_NOTIFICATION_H_
#define SIMKEEP_DOMAIN_NOTIFICATION_H_

// Notifications: what a customer (or an operator's system) is told, on which channels, and the
// pure rules of the outbox (dedupe keys, the retry schedule, which reminders fall due when).
// Delivery itself is at the edges (app/notification_channel.h, src/simkeep/notify).

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"
#include "simkeep/base/ids.h"
#include "simkeep/base/result.h"

namespace simkeep::domain {

// How a notification reaches its reader. In-app messages are read through the API (the line's
// inbox); the outbox row is the message.
enum class NotificationChannel { kEmail, kSms, kWebhook, kInApp };
const char* NotificationChannelName(NotificationChannel channel);  // "email", "sms", ...
std::optional<NotificationChannel> ParseNotificationChannel(std::string_view text);

// pending: to be delivered (again at next_attempt_at); sent: the far end accepted it (in-app:
// stored); dead: every attempt failed or the far end refused it for good (the operators'
// dead-letter list, from which it can be queued again).
enum class NotificationStatus { kPending, kSent, kDead };
const char* NotificationStatusName(NotificationStatus status);
std::optional<NotificationStatus> ParseNotificationStatus(std::string_view text);

// What a notification is about: one message template each (i18n key
// "notification.<name>.subject" / ".body") and one webhook event type.
enum class NotificationTopic {
  kExpirySoon,           // The validity ends in a few days and no automatic renewal is set.
  kAutoRenewalUpcoming,  // The line will be renewed automatically on a date, for an amount.
  kAutoRenewalFailed,    // An automatic renewal's payment failed (retried, or given up).
  kAutoRenewalSkipped,   // An automatic renewal was not attempted (the monthly cap).
  kPaymentReceipt,       // A payment was received; the receipt is ready.
  kPaymentDeadline,      // A konbini (or other deferred) payment is due by tomorrow's end.
  kGraceStarted,         // The validity ended; the line is in grace.
  kSuspensionSoon,       // The line will be suspended (and its number at risk) in N days.
  kSuspended,            // The line is suspended.
  kTerminated,           // The line is terminated; its number is lost.
  kThrottleChanged,      // Applied usage, a renewal or a bucket's expiry changed the data speed.
  kDataLow,              // Data left fell below the holder's threshold (data_low_bytes).
  kBucketExpired,        // An allowance (bucket) reached its expiry.
};
const char* NotificationTopicName(NotificationTopic topic);  // "expiry_soon", ...
std::optional<NotificationTopic> ParseNotificationTopic(std::string_view text);
// The webhook event type: "line.expiring", "auto_renewal.upcoming", "auto_renewal.failed",
// "auto_renewal.skipped", "payment.receipt", "payment.deadline_soon", "line.grace_started",
// "line.suspension_soon", "line.suspended", "line.terminated", "line.throttle_changed",
// "line.data_low", "bucket.expired".
const char* WebhookEventType(NotificationTopic topic);
std::optional<NotificationTopic> ParseWebhookEventType(std::string_view text);
std::span<const NotificationTopic> AllNotificationTopics();
// Whether the holder is told by email and SMS too, or only in the app and by webhook: every topic
// but kBucketExpired (an allowance running out at its end is news for systems, not a mail).
bool MailsHolder(NotificationTopic topic);

// How a line's holder wants to be told. In-app messages are always kept; email and SMS go out
// when an address is set. `language` is a BCP 47 tag of ours ("zh-Hans", "zh-Hant", "ja",
// "en"), checked by the caller that parses it.
struct NotificationSettings {
  LineId line_id;
  std::string language = "ja";
  std::string email;   // Empty: no email.
  std::string sms_to;  // E.164 ("+818012345678"); empty: no SMS.
  // Tell the holder (kDataLow) when the data left in the line's buckets falls below this many
  // bytes; nullopt: never.
  std::optional<int64_t> data_low_bytes;
  Timestamp updated_at;
};

inline constexpr size_t kEmailBytesMax = 254;

// The highest data_low_bytes: 1 TB.
inline constexpr int64_t kDataLowBytesMax = 1'000'000'000'000;

// Checks the addresses. kInvalidArgument "email_invalid" (not local@domain, spaces or control
// characters, longer than kEmailBytesMax), "sms_to_invalid" (not "+" and 8-15 digits),
// "data_low_bytes_invalid" (not 1..kDataLowBytesMax).
Result<void> ValidateNotificationSettings(const NotificationSettings& settings);

// A subscription of an operator's or partner's system to events, delivered as signed webhooks.
// The signing secret is stored sealed (app::Sealer).
struct WebhookEndpoint {
  std::string id;  // "we_…"
  std::string url;
  std::string events;  // Comma-separated event types; empty: every event.
  std::string secret_sealed;
  Timestamp created_at;
  std::optional<Timestamp> disabled_at;
};

inline constexpr size_t kWebhookUrlBytesMax = 2048;

// kInvalidArgument "webhook_url_invalid" (not http:// or https:// with a host, spaces or
// control characters, too long), "webhook_event_unknown" (an event type not ours).
Result<void> ValidateWebhookEndpoint(const WebhookEndpoint& endpoint);
// Refuses a webhook URL whose host plainly is not a public address: kFailedPrecondition
// "webhook_url_private" when the host is "localhost" (or a name under .localhost) or an IP
// address literal (in any form libcurl reads, "127.1" and "[::ffff:127.0.0.1]" included) that
// is loopback, private, link-local, carrier-grade NAT, unspecified, multicast or reserved
// (base/ip_address.h). Pure: a host name is not resolved here, so this only gives an early,
// clear answer; the webhook channel checks the address it actually connects to.
// REQUIRES: `url` passed ValidateWebhookEndpoint.
Result<void> CheckWebhookUrlPublic(std::string_view url);
// Whether the endpoint takes events of `topic`.
bool Subscribes(const WebhookEndpoint& endpoint, NotificationTopic topic);

// One message in the outbox, on one channel. `dedupe_key` is unique: the same event queued
// twice (a pass run again, two instances, a replayed payment) is stored once.
struct Notification {
  std::string id;  // "nt_…"
  LineId line_id;
  NotificationTopic topic = NotificationTopic::kExpirySoon;
  NotificationChannel channel = NotificationChannel::kInApp;
  std::string dedupe_key;
  std::string language;
  // The email address, the E.164 number, the webhook endpoint's id; empty for in-app.
  std::string recipient;
  std::string subject;
  std::string body;  // Text; a webhook's JSON document.
  NotificationStatus status = NotificationStatus::kPending;
  int attempts = 0;  // Deliveries tried.
  std::optional<Timestamp> next_attempt_at;
  std::string last_error;
  Timestamp created_at;
  std::optional<Timestamp> sent_at;
  std::optional<Timestamp> read_at;  // In-app: when the reader marked it read.
};

// The dedupe key of one event on one channel: "<topic>:<line>:<period>:<channel>", plus
// ":<endpoint id>" for a webhook. `period` says which occurrence (a validity end in Unix
// seconds and a reminder's offset, an order id).
std::string NotificationDedupeKey(NotificationTopic topic, const LineId& line_id,
                                  std::string_view period, NotificationChannel channel,
                                  std::string_view endpoint_id = {});

// When a delivery that failed for the n-th time (n >= 1) is tried again: +1 min, +5 min,
// +30 min, +2 h, +12 h; after the kNotificationAttemptsMax-th failure never (nullopt: dead).
std::optional<Timestamp> NextDeliveryAt(int failures, Timestamp failed_at);
inline constexpr int kNotificationAttemptsMax = 6;

// Reminders before a validity ends (days before it), and before a suspension (days before the
// keep window ends, DOMAIN.md §3.1).
inline constexpr std::array<int, 2> kExpiryReminderDays = {7, 1};
inline constexpr std::array<int, 2> kSuspensionReminderDays = {30, 7};

// A reminder "days before `deadline`" is due at deadline - days. The scheduler sends those whose
// due time lies in (from, to]: each window is scanned once, so each reminder goes out once.
inline Timestamp ReminderDueAt(Timestamp deadline, int days_before) {
  return deadline - std::chrono::days(days_before);
}

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_NOTIFICATION_H_
