#ifndef SIMKEEP_NOTIFY_LIMITS_H_
#define SIMKEEP_NOTIFY_LIMITS_H_

#include <chrono>
#include <cstddef>

namespace simkeep::notify {

// An email address: RFC 5321's path limit (256 octets with the angle brackets) less the
// brackets. The recipient and the sender's address are checked against it.
inline constexpr size_t kEmailAddressBytesMax = 254;

// The largest body an adapter sends: an email's text, a webhook's JSON document, an SMS's text
// (which must also fit kSmsUtf16UnitsMax). A notification is a few KiB; a longer one is
// refused as notification_rejected before any connection.
inline constexpr size_t kBodyBytesMax = 256 << 10;

// An email subject, in UTF-8 bytes before encoding. Mail clients show well under 200.
inline constexpr size_t kSubjectBytesMax = 1000;

// The values that go into header lines as they are: the notification id, the dedupe key, a
// webhook's event type, the language tag. Each must be printable ASCII (space included), no
// longer than this; RFC 5322 allows 998 octets a line.
inline constexpr size_t kHeaderValueBytesMax = 256;

// An email body is sent as base64 in lines of at most this many characters (RFC 2045 §6.8).
inline constexpr size_t kBase64LineCharsMax = 76;

// An SMS text: 10 concatenated UCS-2 parts of 67 UTF-16 code units each. A character outside
// the Basic Multilingual Plane (an emoji) takes two units.
inline constexpr size_t kSmsUtf16UnitsMax = 670;

// An SMS recipient in E.164: "+" and this many digits.
inline constexpr size_t kE164DigitsMin = 8;
inline constexpr size_t kE164DigitsMax = 15;

// The most of an HTTP answer (webhook receiver, SMS gateway) that is read; the rest is dropped,
// since only the status decides.
inline constexpr size_t kResponseBodyBytesMax = 16 << 10;

// The longest Simkeep-Signature header VerifyWebhookSignature reads (a timestamp and a few v1
// values of 64 hex digits each, during a key rotation).
inline constexpr size_t kSignatureHeaderBytesMax = 4096;

// How far a webhook's signed timestamp may be from the receiver's clock, either way, unless the
// receiver chooses otherwise.
inline constexpr std::chrono::seconds kWebhookToleranceDefault{300};

// Timeouts of one delivery: to connect, and in all. The defaults of the channels' options, and
// the bounds a configuration may set them within.
inline constexpr int kConnectTimeoutMsDefault = 5'000;
inline constexpr int kTotalTimeoutMsDefault = 20'000;
inline constexpr int kTimeoutMsMin = 100;
inline constexpr int kTimeoutMsMax = 120'000;

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_LIMITS_H_
