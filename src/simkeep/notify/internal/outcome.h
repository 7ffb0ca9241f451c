#ifndef SIMKEEP_NOTIFY_INTERNAL_OUTCOME_H_
#define SIMKEEP_NOTIFY_INTERNAL_OUTCOME_H_

// The errors every channel returns, and what an HTTP answer means for a delivery. Pure
// functions; any thread.

#include <string>
#include <string_view>

#include "simkeep/base/error.h"
#include "simkeep/base/result.h"
#include "simkeep/net/http_client.h"

namespace simkeep::notify::internal {

// kUnavailable "notification_delivery_failed": worth trying again later.
Error DeliveryFailed(std::string message);
// kFailedPrecondition "notification_rejected": trying again cannot help.
Error Rejected(std::string message);
// kInvalidArgument "notification_config_invalid": a channel's options are unusable.
Error ConfigInvalid(std::string message);

// What an HTTP call to `far_end` ("The webhook receiver", "The SMS gateway") came to: Ok for a
// 2xx; DeliveryFailed for no answer, 408, 429 and 5xx; Rejected for any other status (1xx, 3xx
// since redirects are not followed, other 4xx) and for a request net refused to send.
Result<void> HttpOutcome(const Result<net::HttpResponse>& response, std::string_view far_end);

// Checks a channel's timeouts against kTimeoutMsMin..kTimeoutMsMax, the connect timeout no
// longer than the total. ConfigInvalid naming `channel` otherwise.
Result<void> CheckTimeouts(int connect_timeout_ms, int total_timeout_ms, std::string_view channel);

// The scheme of `url` in lower case ("https"), or "" when it has none.
std::string SchemeOf(std::string_view url);

}  // namespace simkeep::notify::internal

#endif  // SIMKEEP_NOTIFY_INTERNAL_OUTCOME_H_
