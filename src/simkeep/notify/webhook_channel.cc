#include "simkeep/notify/webhook_channel.h"

#include <chrono>
#include <utility>

#include "simkeep/net/curl_transfer.h"
#include "simkeep/notify/internal/outcome.h"
#include "simkeep/notify/internal/text.h"
#include "simkeep/notify/webhook_signature.h"

namespace simkeep::notify {
namespace {

using internal::Rejected;

net::HttpClientOptions ClientOptions(const WebhookOptions& options) {
  net::HttpClientOptions client;
  client.protocols = "http,https";
  client.ca_file = options.ca_file;
  client.connect_timeout_ms = options.connect_timeout_ms;
  client.total_timeout_ms = options.total_timeout_ms;
  client.response_body_bytes_max = kResponseBodyBytesMax;
  client.cut_long_body = true;  // Only the status decides.
  client.public_addresses_only = !options.allow_private_addresses;
  return client;
}

Result<void> CheckMessage(const app::OutboundMessage& message) {
  const std::string scheme = internal::SchemeOf(message.recipient);
  if (scheme != "http" && scheme != "https") {
    return Rejected("The webhook's URL is not http:// or https://.");
  }
  if (!net::IsSingleLine(message.recipient)) {
    return Rejected("The webhook's URL holds a line break.");
  }
  if (message.secret.empty()) {
    return Rejected("The webhook endpoint has no signing secret.");
  }
  if (message.body.empty() || message.body.size() > kBodyBytesMax) {
    return Rejected("The webhook's body is empty or longer than " + std::to_string(kBodyBytesMax) +
                    " bytes.");
  }
  if (message.event_type.empty() || !internal::IsPrintableAscii(message.event_type) ||
      message.event_type.size() > kHeaderValueBytesMax) {
    return Rejected("The webhook's event type cannot stand in a header.");
  }
  if (!internal::IsIdentifier(message.notification_id)) {
    return Rejected("The notification id cannot stand in a header.");
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<WebhookChannel>> WebhookChannel::Create(WebhookOptions options,
                                                               const Clock& clock) {
  Result<void> timeouts =
      internal::CheckTimeouts(options.connect_timeout_ms, options.total_timeout_ms, "Webhook");
  if (!timeouts) {
    return timeouts.error();
  }
  return std::make_unique<WebhookChannel>(Token{}, options, clock);
}

WebhookChannel::WebhookChannel(Token, const WebhookOptions& options, const Clock& clock)
    : client_(ClientOptions(options)), clock_(clock) {}

Result<void> WebhookChannel::Deliver(const app::OutboundMessage& message) {
  Result<void> checked = CheckMessage(message);
  if (!checked) {
    return checked;
  }
  const int64_t now_seconds =
      std::chrono::floor<std::chrono::seconds>(clock_.Now()).time_since_epoch().count();
  net::HttpRequest request;
  request.method = net::HttpMethod::kPost;
  request.url = message.recipient;
  request.headers = {
      "Content-Type: application/json",
      "Simkeep-Event: " + message.event_type,
      "Simkeep-Delivery: " + message.notification_id,
      "Simkeep-Signature: " + SignWebhook(message.secret, message.body, now_seconds),
      // libcurl would otherwise ask a receiver to confirm a large body first ("Expect:
      // 100-continue"), one more round trip that some receivers never answer.
      "Expect:",
  };
  request.body = message.body;
  Result<net::HttpResponse> response = client_.Perform(request);
  if (!response && response.error().reason == "http_address_refused") {
    // No retry can help until the endpoint or the operator's choice changes.
    return Rejected("The webhook receiver's address is refused: " + response.error().message +
                    "; webhooks go only to public addresses unless the operator allows private "
                    "ones (--webhook-allow-private).");
  }
  return internal::HttpOutcome(response, "The webhook receiver");
}

}  // namespace simkeep::notify
