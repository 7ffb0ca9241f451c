#include "simkeep/notify/email_message.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <tuple>

#include <openssl/evp.h>

#include "simkeep/base/time.h"
#include "simkeep/net/curl_transfer.h"
#include "simkeep/notify/internal/outcome.h"
#include "simkeep/notify/internal/text.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {
namespace {

using internal::Rejected;

// The UTF-8 bytes one encoded word holds: 36 bytes are 48 base64 characters, a word of 60.
constexpr size_t kEncodedWordBytesMax = 36;

std::string Base64(std::string_view data) {
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0');  // EVP_EncodeBlock adds a NUL.
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(data.data()),
                                      static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

// Text with every line break (LF, CR or CRLF) made CRLF.
std::string CanonicalLineBreaks(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

bool IsLanguageTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kHeaderValueBytesMax) {
    return false;
  }
  for (char c : tag) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

// Header text in UTF-8 that may be encoded: one line, well-formed, within `bytes_max`.
Result<void> CheckHeaderText(std::string_view text, std::string_view what, size_t bytes_max) {
  if (!net::IsSingleLine(text)) {
    return Rejected("The email's " + std::string(what) + " holds a line break.");
  }
  if (!internal::IsUtf8(text)) {
    return Rejected("The email's " + std::string(what) + " is not UTF-8.");
  }
  if (text.size() > bytes_max) {
    return Rejected("The email's " + std::string(what) + " is longer than " +
                    std::to_string(bytes_max) + " bytes.");
  }
  return Ok();
}

Result<void> CheckMessage(const app::OutboundMessage& message, const EmailSender& sender) {
  if (!IsEmailAddress(message.recipient)) {
    return Rejected("The recipient is not an email address.");
  }
  if (!IsEmailAddress(sender.address)) {
    return Rejected("The sender's address is not an email address.");
  }
  for (const auto& [text, what, bytes_max] :
       {std::tuple{std::string_view(message.subject), "subject", kSubjectBytesMax},
        std::tuple{std::string_view(sender.name), "sender's name", kSubjectBytesMax}}) {
    Result<void> checked = CheckHeaderText(text, what, bytes_max);
    if (!checked) {
      return checked;
    }
  }
  if (message.body.empty() || !internal::IsUtf8(message.body)) {
    return Rejected("The email's body is empty or not UTF-8.");
  }
  if (message.body.size() > kBodyBytesMax) {
    return Rejected("The email's body is longer than " + std::to_string(kBodyBytesMax) + " bytes.");
  }
  if (!internal::IsIdentifier(message.notification_id)) {
    return Rejected("The notification id cannot stand in a Message-ID.");
  }
  if (!internal::IsPrintableAscii(message.dedupe_key) ||
      message.dedupe_key.size() > kHeaderValueBytesMax) {
    return Rejected("The dedupe key cannot stand in a header.");
  }
  if (!message.language.empty() && !IsLanguageTag(message.language)) {
    return Rejected("The language is not a language tag.");
  }
  return Ok();
}

}  // namespace

bool IsEmailAddress(std::string_view address) {
  if (address.empty() || address.size() > kEmailAddressBytesMax) {
    return false;
  }
  const size_t at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : address) {
    if (c <= 0x20 || c >= 0x7F || std::string_view("<>()[],;:\\\"").find(c) != std::string::npos) {
      return false;
    }
  }
  return true;
}

std::string EncodeHeaderText(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    // Whole characters up to kEncodedWordBytesMax bytes (at least one, however long).
    size_t end = start;
    while (end < text.size()) {
      const size_t length = internal::Utf8CharLength(text, end);
      const size_t step = length == 0 ? 1 : length;
      if (end > start && end + step - start > kEncodedWordBytesMax) {
        break;
      }
      end += step;
    }
    if (!out.empty()) {
      out += "\r\n ";
    }
    out += "=?UTF-8?B?" + Base64(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string Base64Lines(std::string_view data) {
  const std::string encoded = Base64(data);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / kBase64LineCharsMax * 2 + 2);
  for (size_t at = 0; at < encoded.size(); at += kBase64LineCharsMax) {
    out.append(encoded, at, kBase64LineCharsMax);
    out += "\r\n";
  }
  return out;
}

std::string FormatRfc5322Date(Timestamp t) {
  static constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                           "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto local = std::chrono::floor<std::chrono::seconds>(t) + kJstOffset;
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(local - day);
  char text[48];
  std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d +0900",
                kWeekdays[std::chrono::weekday(day).c_encoding()],
                static_cast<unsigned>(date.day()), kMonths[static_cast<unsigned>(date.month()) - 1],
                static_cast<int>(date.year()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return text;
}

Result<std::string> BuildEmailMessage(const app::OutboundMessage& message,
                                      const EmailSender& sender, Timestamp date) {
  Result<void> checked = CheckMessage(message, sender);
  if (!checked) {
    return checked.error();
  }
  std::string out = "Date: " + FormatRfc5322Date(date) + "\r\n";
  out += "From: ";
  if (!sender.name.empty()) {
    out += EncodeHeaderText(sender.name) + "\r\n ";
  }
  out += "<" + sender.address + ">\r\n";
  out += "To: <" + message.recipient + ">\r\n";
  if (!message.subject.empty()) {
    out += "Subject: " + EncodeHeaderText(message.subject) + "\r\n";
  }
  out += "Message-ID: <" + message.notification_id + "@simkeep>\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  if (!message.language.empty()) {
    out += "Content-Language: " + message.language + "\r\n";
  }
  if (!message.dedupe_key.empty()) {
    out += "X-Simkeep-Dedupe-Key: " + message.dedupe_key + "\r\n";
  }
  out += "\r\n";
  out += Base64Lines(CanonicalLineBreaks(message.body));
  return out;
}

}  // namespace simkeep::notify
