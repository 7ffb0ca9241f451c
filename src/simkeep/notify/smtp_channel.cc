#include "simkeep/notify/smtp_channel.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "simkeep/net/curl_transfer.h"
#include "simkeep/notify/internal/outcome.h"

namespace simkeep::notify {
namespace {

using internal::DeliveryFailed;
using internal::Rejected;

struct Upload {
  std::string_view data;
  size_t sent = 0;
};

// CURLOPT_READFUNCTION: hands libcurl the next piece of the message.
size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t bytes = std::min(size * count, upload->data.size() - upload->sent);
  std::memcpy(buffer, upload->data.data() + upload->sent, bytes);
  upload->sent += bytes;
  return bytes;
}

// What a failed SMTP transaction comes to.
Error FailureOf(CURLcode code, int reply_code, const std::string& what_happened) {
  const std::string said = "The mail server " +
                           (reply_code > 0 ? "answered " + std::to_string(reply_code) + ": "
                                           : std::string("gave no answer: ")) +
                           what_happened;
  // The channel's own set-up, not the message, failed: the same message goes through once the
  // server or the options are put right. Among the 5xx replies these are RFC 4954's about the
  // session (530 authentication or TLS required, 534 mechanism too weak, 535 credentials
  // refused, 538 encryption required).
  const bool channel_problem = code == CURLE_LOGIN_DENIED || code == CURLE_USE_SSL_FAILED ||
                               code == CURLE_SSL_CONNECT_ERROR ||
                               code == CURLE_PEER_FAILED_VERIFICATION || reply_code == 530 ||
                               reply_code == 534 || reply_code == 535 || reply_code == 538;
  if (!channel_problem && reply_code >= 500 && reply_code <= 599) {
    return Rejected(said);
  }
  return DeliveryFailed(said);
}

}  // namespace

Result<std::unique_ptr<SmtpChannel>> SmtpChannel::Create(SmtpOptions options, const Clock& clock) {
  const std::string scheme = internal::SchemeOf(options.url);
  if (scheme != "smtp" && scheme != "smtps") {
    return internal::ConfigInvalid("The mail server's URL must be smtp:// or smtps://.");
  }
  if (!IsEmailAddress(options.from.address)) {
    return internal::ConfigInvalid("The sender's address is not an email address.");
  }
  if (!net::IsSingleLine(options.from.name)) {
    return internal::ConfigInvalid("The sender's name holds a line break.");
  }
  if (options.username.empty() && !options.password.empty()) {
    return internal::ConfigInvalid("An SMTP password needs a username.");
  }
  Result<void> timeouts =
      internal::CheckTimeouts(options.connect_timeout_ms, options.total_timeout_ms, "SMTP");
  if (!timeouts) {
    return timeouts.error();
  }
  return std::make_unique<SmtpChannel>(Token{}, std::move(options), clock);
}

SmtpChannel::SmtpChannel(Token, SmtpOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  net::InitCurlOnce();
}

Result<void> SmtpChannel::Deliver(const app::OutboundMessage& message) {
  const Timestamp date = message.created_at == Timestamp() ? clock_.Now() : message.created_at;
  Result<std::string> email = BuildEmailMessage(message, options_.from, date);
  if (!email) {
    return email.error();
  }
  net::CurlTransfer transfer(
      net::TransferOptions{"smtp,smtps", options_.ca_file, options_.connect_timeout_ms,
                           options_.total_timeout_ms},
      options_.url);
  if (transfer.ok()) {
    // Addresses in angle brackets; BuildEmailMessage checked them.
    transfer.AddList(CURLOPT_MAIL_RCPT, {"<" + message.recipient + ">"});
  }
  if (!transfer.ok()) {
    return DeliveryFailed("The mail server gave no answer: " +
                          transfer.ErrorText(CURLE_OUT_OF_MEMORY));
  }
  CURL* handle = transfer.handle();
  const std::string mail_from = "<" + options_.from.address + ">";
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
  if (options_.require_tls) {
    curl_easy_setopt(handle, CURLOPT_USE_SSL, net::CurlLong(CURLUSESSL_ALL));
  }
  if (!options_.username.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, options_.password.c_str());
  }
  Upload upload{*email};
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(email->size()));
  const CURLcode code = transfer.Perform();
  if (code != CURLE_OK) {
    return FailureOf(code, transfer.ResponseCode(), transfer.ErrorText(code));
  }
  return Ok();
}

}  // namespace simkeep::notify
