#ifndef SIMKEEP_NOTIFY_SMTP_CHANNEL_H_
#define SIMKEEP_NOTIFY_SMTP_CHANNEL_H_

#include <memory>
#include <string>

#include "simkeep/app/notification_channel.h"
#include "simkeep/base/clock.h"
#include "simkeep/base/result.h"
#include "simkeep/notify/email_message.h"
#include "simkeep/notify/limits.h"

namespace simkeep::notify {

// How to reach the mail server that relays simkeep's email (a submission server, a relay on the
// same host, a provider's SMTP endpoint).
struct SmtpOptions {
  // "smtp://host:port" (STARTTLS as require_tls says) or "smtps://host:port" (TLS from the
  // first byte). A path names the domain sent in EHLO: "smtp://mail.example.jp:587/simkeep.jp".
  std::string url;
  EmailSender from;  // The envelope's MAIL FROM and the From header.
  // Credentials for SMTP AUTH; none when the username is empty. Never logged or put in a
  // message.
  std::string username;
  std::string password;
  // For smtp:// URLs: upgrade with STARTTLS and fail the delivery when the server cannot
  // (CURLUSESSL_ALL). Off only for a relay on loopback or in tests: the message and any
  // credentials then travel in clear.
  bool require_tls = true;
  std::string ca_file;  // A CA bundle to trust instead of the system's; empty: the system's.
  int connect_timeout_ms = kConnectTimeoutMsDefault;
  int total_timeout_ms = kTotalTimeoutMsDefault;
};

// The email adapter of the notification channel port: one SMTP transaction per message over
// libcurl (MAIL FROM, RCPT TO the message's recipient, DATA with BuildEmailMessage's message).
// The Message-ID is <notification_id@simkeep> on every attempt, so a receiver (or a person) can
// drop a repeat. The Date is the message's created_at (the clock's now when that is unset), so
// every attempt sends the same bytes.
//
// Deliver's errors (see app::NotificationChannel):
//  - "notification_rejected" (kFailedPrecondition): the message fails BuildEmailMessage's checks
//    (a malformed address, CR or LF in the subject, ...), or the server answered a 5xx reply
//    code to MAIL FROM, RCPT TO or the message;
//  - "notification_delivery_failed" (kUnavailable): no connection, a timeout, a 4xx reply, or a
//    failure of the channel's own set-up rather than of the message, after whose fix the same
//    message goes through: TLS that could not be set up (or a server without STARTTLS under
//    require_tls), refused credentials, and the 5xx replies about the session (530, 534, 535,
//    538: authentication or encryption required or refused).
// Messages name the reply code and what libcurl said, never the credentials.
//
// Made once at start-up (before other threads use libcurl); owned by whoever wires the
// channels. Thread-safe: no mutable state, one libcurl handle per delivery.
class SmtpChannel final : public app::NotificationChannel {
  struct Token {};

 public:
  // Checks `options`: kInvalidArgument "notification_config_invalid" when the URL is not
  // smtp:// or smtps://, the sender's address fails IsEmailAddress, the sender's name holds a
  // line break, a password comes without a username, or a timeout is outside
  // kTimeoutMsMin..kTimeoutMsMax (or the connect timeout longer than the total). `clock` must
  // outlive the channel.
  static Result<std::unique_ptr<SmtpChannel>> Create(SmtpOptions options, const Clock& clock);
  SmtpChannel(Token, SmtpOptions options, const Clock& clock);

  Result<void> Deliver(const app::OutboundMessage& message) override;

 private:
  SmtpOptions options_;
  const Clock& clock_;
};

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_SMTP_CHANNEL_H_
