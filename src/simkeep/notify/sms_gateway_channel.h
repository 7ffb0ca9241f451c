#ifndef SIMKEEP_NOTIFY_SMS_GATEWAY_CHANNEL_H_
#define SIMKEEP_NOTIFY_SMS_GATEWAY_CHANNEL_H_

#include <memory>
#include <string>

#include "simkeep/app/notification_channel.h"
#include "simkeep/base/result.h"
#include "simkeep/net/http_client.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {

// How to reach the SMS gateway.
struct SmsGatewayOptions {
  // Where messages are POSTed: "https://sms.example.jp/v1/messages".
  std::string url;
  // Sent as "Authorization: Bearer <token>". Never logged or put in a message.
  std::string token;
  // Allows an http:// URL, which sends the token in clear: for a gateway on loopback or tests.
  bool allow_plain_http = false;
  std::string ca_file;  // A CA bundle to trust instead of the system's; empty: the system's.
  int connect_timeout_ms = kConnectTimeoutMsDefault;
  int total_timeout_ms = kTotalTimeoutMsDefault;
};

// The SMS adapter of the notification channel port, for a generic HTTP SMS gateway: POSTs
//
//   {"to": "+818012345678", "text": "<body>", "reference": "<notification_id>"}
//
// (BuildSmsGatewayRequest) with "Content-Type: application/json" and the bearer token. The
// reference is the same on every attempt, so the gateway can drop a repeat. Redirects are not
// followed; the answer's body is read up to kResponseBodyBytesMax and ignored.
//
// Deliver's errors (see app::NotificationChannel):
//  - "notification_rejected" (kFailedPrecondition): the recipient is not an E.164 number, the
//    text is empty, not UTF-8 or longer than kSmsUtf16UnitsMax UTF-16 code units, the
//    notification id is not an identifier; or the gateway answered 1xx, 3xx or a 4xx other
//    than 408 and 429;
//  - "notification_delivery_failed" (kUnavailable): no connection, a timeout, a TLS failure, or
//    HTTP 408, 429 or 5xx.
//
// Made once at start-up (before other threads use libcurl); owned by whoever wires the
// channels. Thread-safe: no mutable state, one libcurl handle per delivery.
class SmsGatewayChannel final : public app::NotificationChannel {
  struct Token {};

 public:
  // Checks `options`: kInvalidArgument "notification_config_invalid" when the URL is not
  // https:// (or http:// with allow_plain_http), the token is empty or not printable ASCII
  // without spaces, or a timeout is outside kTimeoutMsMin..kTimeoutMsMax (or the connect timeout
  // longer than the total).
  static Result<std::unique_ptr<SmsGatewayChannel>> Create(SmsGatewayOptions options);
  SmsGatewayChannel(Token, SmsGatewayOptions options);

  Result<void> Deliver(const app::OutboundMessage& message) override;

 private:
  SmsGatewayOptions options_;
  net::HttpClient client_;
};

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_SMS_GATEWAY_CHANNEL_H_
