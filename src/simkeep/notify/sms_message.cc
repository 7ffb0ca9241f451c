#include "simkeep/notify/sms_message.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "simkeep/notify/internal/outcome.h"
#include "simkeep/notify/internal/text.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {

using internal::Rejected;

bool IsE164Number(std::string_view number) {
  if (!number.starts_with('+')) {
    return false;
  }
  const std::string_view digits = number.substr(1);
  if (digits.size() < kE164DigitsMin || digits.size() > kE164DigitsMax || digits.front() == '0') {
    return false;
  }
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

Result<void> CheckSmsText(std::string_view text) {
  if (text.empty()) {
    return Rejected("The SMS text is empty.");
  }
  // Any text within the bound in UTF-16 units is within 3 bytes a unit in UTF-8; the byte bound
  // only saves decoding a long one.
  if (text.size() > 3 * kSmsUtf16UnitsMax) {
    return Rejected("The SMS text is longer than " + std::to_string(kSmsUtf16UnitsMax) +
                    " UTF-16 code units.");
  }
  const std::optional<size_t> units = internal::Utf16Length(text);
  if (!units) {
    return Rejected("The SMS text is not UTF-8.");
  }
  if (*units > kSmsUtf16UnitsMax) {
    return Rejected("The SMS text is " + std::to_string(*units) + " UTF-16 code units, more than " +
                    std::to_string(kSmsUtf16UnitsMax) + ".");
  }
  return Ok();
}

Result<std::string> BuildSmsGatewayRequest(const app::OutboundMessage& message) {
  if (!IsE164Number(message.recipient)) {
    return Rejected("The recipient is not an E.164 number.");
  }
  Result<void> text = CheckSmsText(message.body);
  if (!text) {
    return text.error();
  }
  if (!internal::IsIdentifier(message.notification_id)) {
    return Rejected("The notification id cannot stand as the gateway's reference.");
  }
  const nlohmann::json request = {
      {"to", message.recipient}, {"text", message.body}, {"reference", message.notification_id}};
  // Non-ASCII text as it is (UTF-8), not \u escapes; the text was checked to be UTF-8.
  return request.dump();
}

}  // namespace simkeep::notify
