#ifndef SIMKEEP_TESTS_NOTIFY_NOTIFY_SERVERS_H_
#define SIMKEEP_TESTS_NOTIFY_NOTIFY_SERVERS_H_

// The far ends of the notification channels, for their tests: a mail server (smtp_sink.py, on
// aiosmtpd) and an HTTP receiver (http_receiver.py) standing for webhook receivers and SMS
// gateways. Each runs as a child process on a free port of 127.0.0.1, started by the test and
// stopped when its object goes, and keeps what it received in files the test reads.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "child_script.h"

namespace simkeep::testing {

// The bytes of base64 `text` (RFC 4648, with padding), ignoring line breaks and anything else
// outside the alphabet; empty when it is not base64. For reading what the adapters and the
// servers wrote (OpenSSL's EVP_DecodeBlock).
std::string DecodeBase64(std::string_view text);

// One message the mail server accepted.
struct ReceivedMail {
  std::string mail_from;              // The envelope's sender, without angle brackets.
  std::vector<std::string> rcpt_tos;  // The envelope's recipients.
  std::string data;                   // The message as sent after DATA.
};

struct SmtpSinkOptions {
  // Addresses whose RCPT TO is answered with a code instead of 250: {550, "gone@example.jp"}.
  std::vector<std::pair<int, std::string>> replies;
  bool starttls = false;  // Offer STARTTLS (a self-signed certificate) and require it.
  std::string user;       // Require AUTH with these credentials (when non-empty).
  std::string password;
};

class SmtpSink {
 public:
  // Starts the server and waits for it to listen; nullptr (and a message on stderr) when it
  // cannot be started.
  static std::unique_ptr<SmtpSink> Start(const SmtpSinkOptions& options = {});

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // The certificate to trust with starttls; empty without.
  const std::string& ca_file() const { return ca_file_; }
  // The messages accepted so far, oldest first.
  std::vector<ReceivedMail> Received() const;

  SmtpSink(std::unique_ptr<ChildScript> child, int port, std::string directory,
           std::string ca_file);

 private:
  std::unique_ptr<ChildScript> child_;
  int port_;
  std::string directory_;
  std::string ca_file_;
};

// One request the HTTP receiver got.
struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // Names in lower case.
  std::string body;
};

class HttpReceiver {
 public:
  // Starts the receiver; nullptr (and a message on stderr) when it cannot be started.
  static std::unique_ptr<HttpReceiver> Start();

  // "http://127.0.0.1:<port>" + path. The path chooses the answer: "/status/410" that status,
  // "/sleep/5" 200 after 5 s, "/big" 200 with 1 MiB, anything else 200.
  std::string Url(std::string_view path) const;
  // The requests received so far, oldest first.
  std::vector<ReceivedRequest> Received() const;

  HttpReceiver(std::unique_ptr<ChildScript> child, int port, std::string directory);

 private:
  std::unique_ptr<ChildScript> child_;
  int port_;
  std::string directory_;
};

}  // namespace simkeep::testing

#endif  // SIMKEEP_TESTS_NOTIFY_NOTIFY_SERVERS_H_
