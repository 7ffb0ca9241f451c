#include "simkeep/notify/internal/outcome.h"

#include <utility>

#include "simkeep/notify/limits.h"

namespace simkeep::notify::internal {

Error DeliveryFailed(std::string message) {
  return Unavailable("notification_delivery_failed", std::move(message));
}

Error Rejected(std::string message) {
  return FailedPrecondition("notification_rejected", std::move(message));
}

Error ConfigInvalid(std::string message) {
  return InvalidArgument("notification_config_invalid", std::move(message));
}

Result<void> HttpOutcome(const Result<net::HttpResponse>& response, std::string_view far_end) {
  if (!response) {
    if (response.error().code == ErrorCode::kUnavailable) {
      return DeliveryFailed(std::string(far_end) + " gave no answer: " + response.error().message);
    }
    return Rejected(std::string(far_end) +
                    " cannot be sent this request: " + response.error().message);
  }
  const int status = response->status;
  if (status >= 200 && status <= 299) {
    return Ok();
  }
  const std::string answered = std::string(far_end) + " answered HTTP " + std::to_string(status);
  if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
    return DeliveryFailed(answered + "; worth trying again later.");
  }
  return Rejected(answered + "; trying again cannot help.");
}

Result<void> CheckTimeouts(int connect_timeout_ms, int total_timeout_ms, std::string_view channel) {
  for (int timeout_ms : {connect_timeout_ms, total_timeout_ms}) {
    if (timeout_ms < kTimeoutMsMin || timeout_ms > kTimeoutMsMax) {
      return ConfigInvalid(std::string(channel) + " timeouts must be within " +
                           std::to_string(kTimeoutMsMin) + ".." + std::to_string(kTimeoutMsMax) +
                           " ms.");
    }
  }
  if (connect_timeout_ms > total_timeout_ms) {
    return ConfigInvalid(std::string(channel) +
                         " connect timeout is longer than the total timeout.");
  }
  return Ok();
}

std::string SchemeOf(std::string_view url) {
  const size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) {
    return "";
  }
  std::string scheme;
  for (char c : url.substr(0, colon)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '-' || c == '.')) {
      return "";
    }
    scheme += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return scheme;
}

}  // namespace simkeep::notify::internal
