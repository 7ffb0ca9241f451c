#ifndef SIMKEEP_NOTIFY_EMAIL_MESSAGE_H_
#define SIMKEEP_NOTIFY_EMAIL_MESSAGE_H_

// The email a notification becomes: an RFC 5322 message with a UTF-8 text body, which
// SmtpChannel hands to the server after DATA. Pure functions, so the format is tested without a
// server; any thread.

#include <string>
#include <string_view>

#include "simkeep/app/notification_channel.h"
#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"

namespace simkeep::notify {

// Who an email is from: the address (also the envelope's MAIL FROM) and an optional display
// name in UTF-8 ("simkeep サポート").
struct EmailSender {
  std::string address;
  std::string name;
};

// The minimal check an address gets before it goes into an envelope and a header: exactly one
// "@" with something on both sides, at most kEmailAddressBytesMax bytes, printable ASCII with
// no space and none of <>()[],;:\" (so it can neither end a header line nor add a recipient).
// Internationalised addresses (SMTPUTF8) are not accepted.
bool IsEmailAddress(std::string_view address);

// RFC 2047 encoded words for a header's text: "=?UTF-8?B?<base64>?=", each holding whole UTF-8
// characters of at most 36 bytes (a 60-character word), several folded onto lines of their own
// by CRLF and a space, so that a header named in up to 16 characters keeps every line within
// 76 characters. "" for "". REQUIRES: `text` is well-formed UTF-8.
std::string EncodeHeaderText(std::string_view text);

// `data` in base64 (RFC 4648, with padding) in lines of at most kBase64LineCharsMax characters,
// each ended by CRLF; "" for "".
std::string Base64Lines(std::string_view data);

// `t` as an RFC 5322 date-time in Japan's time, whole seconds: "Wed, 02 Dec 2026 17:20:00 +0900".
std::string FormatRfc5322Date(Timestamp t);

// The message for `message` from `sender`, dated `date`: headers Date, From, To, Subject
// (encoded words; left out when the subject is empty), Message-ID <notification_id@simkeep>
// (the same on every attempt, so a receiver can drop a repeat), MIME-Version 1.0, Content-Type
// text/plain; charset=UTF-8, Content-Transfer-Encoding base64, Content-Language (when the
// message has a language), X-Simkeep-Dedupe-Key (when it has one); then a blank line and the
// body in base64 lines, its line breaks made CRLF first (the canonical form of text, RFC 2045).
// Every line ends with CRLF.
//
// Errors, all kFailedPrecondition "notification_rejected" (nothing about the message can
// change on a retry): the recipient or the sender's address fails IsEmailAddress; the subject or
// sender's name holds CR or LF (header injection), is not UTF-8, or the subject passes
// kSubjectBytesMax; the body is empty, not UTF-8 or passes kBodyBytesMax; the notification id is
// not an identifier (internal::IsIdentifier); the dedupe key is not printable ASCII or passes
// kHeaderValueBytesMax; the language is not a language tag (letters, digits and "-").
Result<std::string> BuildEmailMessage(const app::OutboundMessage& message,
                                      const EmailSender& sender, Timestamp date);

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_EMAIL_MESSAGE_H_
