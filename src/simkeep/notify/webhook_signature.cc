#include "simkeep/notify/webhook_signature.h"

#include <charconv>
#include <optional>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace simkeep::notify {
namespace {

// The latest timestamp read: 9999-12-31T23:59:59Z. A larger one is malformed (and would
// overflow the clock's microseconds).
constexpr int64_t kUnixSecondsMax = 253'402'300'799;

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // Never a null key pointer, which OpenSSL reads as "no key".
  const char* key_bytes = key.empty() ? "" : key.data();
  HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

struct ParsedHeader {
  std::string_view timestamp;  // The t value as sent, digits only.
  int64_t unix_seconds = 0;
  std::vector<std::string_view> signatures;
};

// The parts of a header, or nullopt when it is malformed.
std::optional<ParsedHeader> Parse(std::string_view header) {
  ParsedHeader parsed;
  bool have_timestamp = false;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view part = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (part.starts_with("t=")) {
      if (have_timestamp) {
        return std::nullopt;
      }
      have_timestamp = true;
      parsed.timestamp = part.substr(2);
      const char* first = parsed.timestamp.data();
      const char* last = first + parsed.timestamp.size();
      const auto [end, error] = std::from_chars(first, last, parsed.unix_seconds);
      if (parsed.timestamp.empty() || parsed.timestamp.front() == '-' || error != std::errc() ||
          end != last || parsed.unix_seconds > kUnixSecondsMax) {
        return std::nullopt;
      }
    } else if (part.starts_with("v1=")) {
      parsed.signatures.push_back(part.substr(3));
    }
  }
  if (!have_timestamp || parsed.signatures.empty()) {
    return std::nullopt;
  }
  return parsed;
}

Error Invalid(std::string message) {
  return Unauthenticated("webhook_signature_invalid", std::move(message));
}

}  // namespace

std::string SignWebhook(std::string_view secret, std::string_view body, int64_t unix_seconds) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, t + "." + std::string(body));
}

Result<void> VerifyWebhookSignature(std::string_view secret, std::string_view header,
                                    std::string_view body, Timestamp now,
                                    std::chrono::seconds tolerance) {
  if (secret.empty()) {
    return Invalid("No secret to check the webhook's signature with.");
  }
  if (header.size() > kSignatureHeaderBytesMax) {
    return Invalid("The webhook's signature header is too long.");
  }
  const std::optional<ParsedHeader> parsed = Parse(header);
  if (!parsed) {
    return Invalid("The webhook's signature header is missing or malformed.");
  }
  // Signed over the timestamp exactly as sent.
  const std::string expected =
      HmacSha256Hex(secret, std::string(parsed->timestamp) + "." + std::string(body));
  bool matched = false;
  for (std::string_view signature : parsed->signatures) {
    // Every value is compared, so the time taken does not tell which one matched.
    if (signature.size() == expected.size() &&
        CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0) {
      matched = true;
    }
  }
  if (!matched) {
    return Invalid("No signature in the webhook's header matches its body.");
  }
  const Timestamp sent{std::chrono::seconds(parsed->unix_seconds)};
  if (sent < now - tolerance || sent > now + tolerance) {
    return Unauthenticated("webhook_signature_expired",
                           "The webhook's timestamp is further from now than the tolerance.");
  }
  return Ok();
}

}  // namespace simkeep::notify
