#ifndef SIMKEEP_NOTIFY_SMS_MESSAGE_H_
#define SIMKEEP_NOTIFY_SMS_MESSAGE_H_

// The request a notification becomes for an HTTP SMS gateway, and the checks on its number and
// text. Pure functions, so they are tested without a gateway; any thread.

#include <string>
#include <string_view>

#include "simkeep/app/notification_channel.h"
#include "simkeep/base/result.h"

namespace simkeep::notify {

// True when `number` is in E.164 form: "+" and kE164DigitsMin..kE164DigitsMax ASCII digits, the
// first not 0 ("+818012345678"). No spaces, hyphens or national forms ("090...").
bool IsE164Number(std::string_view number);

// Checks an SMS text: non-empty, well-formed UTF-8, at most kSmsUtf16UnitsMax UTF-16 code units
// (ten concatenated UCS-2 parts; a character beyond U+FFFF counts two). Errors: kFailedPrecondition
// "notification_rejected".
Result<void> CheckSmsText(std::string_view text);

// The gateway's JSON request body for `message`:
//   {"to": "<recipient>", "text": "<body>", "reference": "<notification id>"}
// The reference is the same on every attempt, so the gateway can drop a repeat.
// Errors: kFailedPrecondition "notification_rejected" when the recipient fails IsE164Number, the
// body fails CheckSmsText, or the notification id is not an identifier (letters, digits, "_",
// "-", ".").
Result<std::string> BuildSmsGatewayRequest(const app::OutboundMessage& message);

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_SMS_MESSAGE_H_
