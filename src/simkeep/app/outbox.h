#ifndef SIMKEEP_APP_OUTBOX_H_
#define SIMKEEP_APP_OUTBOX_H_

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/app/context.h"
#include "simkeep/app/ports.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/line.h"
#include "simkeep/domain/notification.h"

namespace simkeep::app {

// Something a line's holder (and subscribed systems) should be told about.
struct NotificationEvent {
  domain::NotificationTopic topic = domain::NotificationTopic::kExpirySoon;
  // Which occurrence (a validity end and a reminder's offset, an order id): with the topic, the
  // line and the channel it makes the dedupe key, so the same event is queued once.
  std::string period;
  // What the message says. Keys ending in "_at" hold RFC 3339 times and keys ending in "_jpy"
  // whole yen, which the renderer formats for the reader's language (JST dates, yen); others are
  // words or numbers used as they are ("plan", "days", "reason", "receipt_number").
  std::map<std::string, std::string> args;
};

// A message's text on one channel in one language.
struct RenderedMessage {
  std::string subject;  // Email subject and in-app title; empty for SMS and webhooks.
  std::string body;     // Text; for a webhook, the JSON document.
};

// Words an event for its reader: message templates in four languages, a webhook's JSON. The
// implementation (src/simkeep/notify/message_renderer) is pure; thread-safe.
class NotificationRenderer {
 public:
  virtual ~NotificationRenderer() = default;
  // kInvalidArgument "language_invalid" for a language tag not ours.
  virtual Result<RenderedMessage> Render(const NotificationEvent& event, const domain::Line& line,
                                         domain::NotificationChannel channel,
                                         std::string_view language,
                                         std::string_view notification_id,
                                         Timestamp created_at) const = 0;
};

struct OutboxOptions {
  // The channels this instance can deliver on (an adapter is configured); in-app always.
  bool email = false;
  bool sms = false;
  bool webhooks = true;
  // How long the list of webhook endpoints read from the database is reused: a new or disabled
  // endpoint takes effect within this time on every instance.
  std::chrono::seconds endpoints_ttl{5};
};

// Queues notifications in the transaction of what they are about (the transactional outbox):
// a message exists exactly when its cause committed. Delivery is NotificationDispatcher's.
// Thread-safe.
class Outbox {
 public:
  Outbox(const NotificationRenderer& renderer, OutboxOptions options)
      : renderer_(renderer), options_(options) {}

  // Queues `event` about `line`: in the line's inbox (for every topic but receipts, which the
  // line's orders already show), by email and SMS where the holder's settings give an address
  // and this instance delivers on that channel, and to every webhook endpoint subscribed to the
  // event type. In the holder's language (settings; Japanese without them). A message queued
  // already under its dedupe key is left as it is. Returns how many messages were written or
  // found queued.
  Result<int> Queue(Transaction& transaction, const domain::Line& line,
                    const NotificationEvent& event, const ServiceContext& context) const;

 private:
  Result<std::vector<domain::WebhookEndpoint>> Endpoints(Transaction& transaction,
                                                         Timestamp now) const;

  const NotificationRenderer& renderer_;
  OutboxOptions options_;
  mutable std::mutex mutex_;
  mutable std::vector<domain::WebhookEndpoint> endpoints_;
  mutable std::optional<Timestamp> endpoints_read_at_;
};

// Queues `event` about `line` through context.outbox; does nothing without one.
Result<void> QueueNotification(Transaction& transaction, const ServiceContext& context,
                               const domain::Line& line, const NotificationEvent& event);

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_OUTBOX_H_
