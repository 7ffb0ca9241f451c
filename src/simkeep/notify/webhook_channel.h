#ifndef SIMKEEP_NOTIFY_WEBHOOK_CHANNEL_H_
#define SIMKEEP_NOTIFY_WEBHOOK_CHANNEL_H_

#include <memory>
#include <string>

#include "simkeep/app/notification_channel.h"
#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"
#include "simkeep/net/http_client.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {

// How webhooks are sent. The endpoint (URL and secret) comes with each message.
struct WebhookOptions {
  std::string ca_file;  // A CA bundle to trust instead of the system's; empty: the system's.
  int connect_timeout_ms = kConnectTimeoutMsDefault;
  int total_timeout_ms = kTotalTimeoutMsDefault;
  // Whether receivers may be at loopback, private, link-local, carrier-grade NAT, unspecified,
  // multicast or reserved addresses (base/ip_address.h): on only for receivers on the
  // operator's own network. Off, the address each connection is about to be opened to is
  // checked, after name resolution (net::HttpClientOptions::public_addresses_only), and no
  // request goes to one that is not public, whatever name led there.
  bool allow_private_addresses = false;
};

// The webhook adapter of the notification channel port: POSTs the message's body (a JSON
// document) to its recipient, an http:// or https:// URL, with the headers
//
//   Content-Type: application/json
//   Simkeep-Event: <event_type>
//   Simkeep-Delivery: <notification_id>      the same on every attempt: receivers drop repeats
//   Simkeep-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// (webhook_signature.h; t is the clock's time of this attempt, so a retry is signed afresh).
// Redirects are not followed; the answer's body is read up to kResponseBodyBytesMax and ignored.
// Unless options.allow_private_addresses, only public addresses are connected to, and proxies
// from the environment are not used (their address is not the receiver's).
//
// Deliver's errors (see app::NotificationChannel):
//  - "notification_rejected" (kFailedPrecondition): the recipient is not a well-formed http(s)
//    URL, the endpoint has no secret, the body is empty or passes kBodyBytesMax, the event type
//    is empty, not printable ASCII or passes kHeaderValueBytesMax, the notification id is not an
//    identifier; every address the receiver's host resolved to is not public (and private
//    addresses are not allowed: nothing is sent); or the receiver answered 1xx, 3xx or a 4xx
//    other than 408 and 429;
//  - "notification_delivery_failed" (kUnavailable): no connection, a timeout, a TLS failure, or
//    HTTP 408, 429 or 5xx.
// Messages never hold the secret or the URL (which may carry a token of the partner's).
//
// Made once at start-up (before other threads use libcurl); owned by whoever wires the
// channels. Thread-safe: no mutable state, one libcurl handle per delivery.
class WebhookChannel final : public app::NotificationChannel {
  struct Token {};

 public:
  // Checks `options`: kInvalidArgument "notification_config_invalid" when a timeout is outside
  // kTimeoutMsMin..kTimeoutMsMax or the connect timeout is longer than the total. `clock` must
  // outlive the channel.
  static Result<std::unique_ptr<WebhookChannel>> Create(WebhookOptions options, const Clock& clock);
  WebhookChannel(Token, const WebhookOptions& options, const Clock& clock);

  Result<void> Deliver(const app::OutboundMessage& message) override;

 private:
  net::HttpClient client_;
  const Clock& clock_;
};

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_WEBHOOK_CHANNEL_H_
