#ifndef SIMKEEP_APP_NOTIFICATION_CHANNEL_H_
#define SIMKEEP_APP_NOTIFICATION_CHANNEL_H_

// The port through which the notification dispatcher hands one message to the world: an email
// server, an SMS gateway, a webhook receiver. The adapters live in src/simkeep/notify; the
// in-app inbox needs none (the outbox row is the message).

#include <string>

#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"

namespace simkeep::app {

// One message ready to send. Built by the dispatcher from an outbox row (and, for a webhook,
// its endpoint); the text is already in the recipient's language.
struct OutboundMessage {
  std::string notification_id;  // "nt_…": unique per message, the same on every attempt.
  std::string dedupe_key;       // The natural key the message was queued under.
  // An email address, an E.164 number ("+818012345678"), or a webhook's http(s) URL.
  std::string recipient;
  std::string subject;  // Email subject; empty for SMS and webhooks.
  // Plain UTF-8 text for email and SMS; the JSON document for a webhook.
  std::string body;
  std::string language;    // "zh-Hans", "zh-Hant", "ja", "en" (email's Content-Language).
  std::string event_type;  // Webhooks: "line.expiring", "receipt.issued", ...
  std::string secret;      // Webhooks: the endpoint's signing secret, in plain; else empty.
  Timestamp created_at;
  int attempt = 1;  // 1 for the first delivery, 2 for the first retry, ...
};

// Sends one message, once. At-least-once delivery is the dispatcher's: a message whose outcome
// was lost (a crash, a timeout after the far end accepted it) is sent again with the same
// notification id, which every adapter passes on (email Message-ID, a webhook's delivery header,
// the SMS gateway's reference) so the far end can drop the repeat.
//
// Returns success when the far end accepted the message (SMTP 250 after DATA; HTTP 2xx).
// Errors:
//  - kUnavailable "notification_delivery_failed": worth trying again later (no connection, a
//    timeout, SMTP 4xx, HTTP 408, 429 or 5xx);
//  - kFailedPrecondition "notification_rejected": trying again cannot help (SMTP 5xx for the
//    recipient, HTTP 4xx other than 408 and 429, a malformed recipient).
// The message says what happened without credentials or secrets. Thread-safe.
class NotificationChannel {
 public:
  virtual ~NotificationChannel() = default;
  virtual Result<void> Deliver(const OutboundMessage& message) = 0;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_NOTIFICATION_CHANNEL_H_
