#ifndef SIMKEEP_NOTIFY_WEBHOOK_SIGNATURE_H_
#define SIMKEEP_NOTIFY_WEBHOOK_SIGNATURE_H_

// How simkeep signs the webhooks it sends (header Simkeep-Signature), and how a receiver checks
// them: Stripe's scheme, the one the sandbox payment provider signs its own webhooks with.
//
//   Simkeep-Signature: t=<unix seconds>,v1=<lower-case hex HMAC-SHA256(secret, "<t>.<body>")>
//
// The timestamp is under the signature, so a receiver that bounds its age bounds replays. While
// an endpoint's secret is being rotated a header may carry several v1 values, one per secret;
// any one that matches is enough. Pure functions; any thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {

// The Simkeep-Signature header value for `body` sent at `unix_seconds` under `secret`.
std::string SignWebhook(std::string_view secret, std::string_view body, int64_t unix_seconds);

// Checks a Simkeep-Signature `header` against the raw `body` a receiver got, at `now`, as a
// receiver (a partner, a test) does. Comma-separated "key=value" parts, spaces around them
// ignored: exactly one "t" (decimal Unix seconds), one or more "v1", other keys ignored (later
// schemes). The v1 values are compared in constant time.
//
// Errors, both kUnauthenticated:
//  - "webhook_signature_invalid": an empty secret, a missing, repeated or malformed t, no v1, a
//    header longer than kSignatureHeaderBytesMax, or no v1 matching the body under `secret`;
//  - "webhook_signature_expired": the signature matches but t is more than `tolerance` from
//    `now` either way (a replay, or a clock far off). Exactly `tolerance` away is accepted.
// Authenticity is decided first, so a forged header is "invalid" whatever its timestamp.
Result<void> VerifyWebhookSignature(std::string_view secret, std::string_view header,
                                    std::string_view body, Timestamp now,
                                    std::chrono::seconds tolerance = kWebhookToleranceDefault);

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_WEBHOOK_SIGNATURE_H_
