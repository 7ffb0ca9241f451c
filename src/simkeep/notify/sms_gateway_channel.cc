#include "simkeep/notify/sms_gateway_channel.h"

#include <utility>

#include "simkeep/net/curl_transfer.h"
#include "simkeep/notify/internal/outcome.h"
#include "simkeep/notify/internal/text.h"
#include "simkeep/notify/sms_message.h"

namespace simkeep::notify {
namespace {

net::HttpClientOptions ClientOptions(const SmsGatewayOptions& options) {
  net::HttpClientOptions client;
  client.protocols = options.allow_plain_http ? "http,https" : "https";
  client.ca_file = options.ca_file;
  client.connect_timeout_ms = options.connect_timeout_ms;
  client.total_timeout_ms = options.total_timeout_ms;
  client.response_body_bytes_max = kResponseBodyBytesMax;
  client.cut_long_body = true;  // Only the status decides.
  return client;
}

}  // namespace

Result<std::unique_ptr<SmsGatewayChannel>> SmsGatewayChannel::Create(SmsGatewayOptions options) {
  const std::string scheme = internal::SchemeOf(options.url);
  if (scheme != "https" && !(scheme == "http" && options.allow_plain_http)) {
    return internal::ConfigInvalid(
        "The SMS gateway's URL must be https:// (http:// only with allow_plain_http).");
  }
  if (!net::IsSingleLine(options.url)) {
    return internal::ConfigInvalid("The SMS gateway's URL holds a line break.");
  }
  if (options.token.empty() || !internal::IsPrintableAscii(options.token) ||
      options.token.find(' ') != std::string::npos) {
    return internal::ConfigInvalid(
        "The SMS gateway's token must be printable ASCII without spaces.");
  }
  Result<void> timeouts =
      internal::CheckTimeouts(options.connect_timeout_ms, options.total_timeout_ms, "SMS gateway");
  if (!timeouts) {
    return timeouts.error();
  }
  return std::make_unique<SmsGatewayChannel>(Token{}, std::move(options));
}

SmsGatewayChannel::SmsGatewayChannel(Token, SmsGatewayOptions options)
    : options_(std::move(options)), client_(ClientOptions(options_)) {}

Result<void> SmsGatewayChannel::Deliver(const app::OutboundMessage& message) {
  Result<std::string> body = BuildSmsGatewayRequest(message);
  if (!body) {
    return body.error();
  }
  net::HttpRequest request;
  request.method = net::HttpMethod::kPost;
  request.url = options_.url;
  request.headers = {
      "Content-Type: application/json", "Authorization: Bearer " + options_.token,
      "Expect:",  // No 100-continue round trip (see WebhookChannel).
  };
  request.body = *body;
  return internal::HttpOutcome(client_.Perform(request), "The SMS gateway");
}

}  // namespace simkeep::notify
