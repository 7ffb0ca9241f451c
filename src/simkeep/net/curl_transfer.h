#ifndef SIMKEEP_NET_CURL_TRANSFER_H_
#define SIMKEEP_NET_CURL_TRANSFER_H_

// The libcurl plumbing every outbound adapter shares: the process-wide set-up, one easy handle
// with simkeep's settings, the lists libcurl keeps pointers into, and what a failed transfer
// says. HttpClient (http_client.h) is built on it; adapters that speak another protocol through
// libcurl (SMTP) use it directly and set their protocol's options on handle().

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>

namespace simkeep::net {

// Runs libcurl's global set-up once per process. libcurl's set-up is not thread-safe and must
// come before any handle exists, so every client calls it when it is made (at start-up, before
// the threads that use it) and CurlTransfer calls it again, which then costs nothing.
void InitCurlOnce();

// Where a transfer may go and how long it may take.
struct TransferOptions {
  // The protocols libcurl may speak, as CURLOPT_PROTOCOLS_STR takes them: "https",
  // "http,https", "smtp,smtps". A URL of any other scheme fails without a connection.
  std::string protocols;
  std::string ca_file;         // A CA bundle to trust instead of the system's; empty: the system's.
  int connect_timeout_ms = 0;  // 0: libcurl's default (300 s).
  int total_timeout_ms = 0;    // 0: no limit.
  // Connect to public addresses only (base/ip_address.h: not loopback, private, link-local,
  // carrier-grade NAT, unspecified, multicast or reserved), for URLs a user chose. Each address
  // is checked as libcurl opens its socket, after name resolution, so a name that resolves
  // elsewhere between a check and the connection (DNS rebinding) cannot lead past it; a refused
  // address is never connected to, so nothing is sent to it. Proxies named in the environment
  // are not used then: the address checked would be the proxy's, not the far end's.
  bool public_addresses_only = false;
};

// One libcurl easy handle set up for one transfer to `url`: no signals (threads), the allowed
// protocols, no redirects, TLS peers verified (against ca_file when given), the timeouts, the
// user agent "simkeep", an error buffer, and with public_addresses_only the address check. The
// caller adds what its protocol needs through handle() and AddList(), then calls Perform() once.
//
// Owned by the function making the transfer; not movable (libcurl keeps pointers into it).
// Not thread-safe, but any number of transfers may run at once on different threads.
class CurlTransfer {
 public:
  // REQUIRES: InitCurlOnce() ran before other threads used libcurl (it is called here too).
  CurlTransfer(const TransferOptions& options, const std::string& url);
  ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // False when libcurl had no memory for the handle or a list; nothing else may then be called
  // but ErrorText().
  bool ok() const { return handle_ != nullptr && !list_failed_; }
  CURL* handle() const { return handle_; }

  // Sets `option` (CURLOPT_HTTPHEADER, CURLOPT_MAIL_RCPT, ...) to a list of `items`, which
  // lives as long as this transfer. False (and ok() false) when libcurl had no memory for it.
  bool AddList(CURLoption option, const std::vector<std::string>& items);

  // Runs the transfer. CURLE_OK when it completed, whatever the far end answered.
  CURLcode Perform();

  // The far end's last status: an HTTP status, an SMTP reply code; 0 when none came.
  int ResponseCode() const;

  // What went wrong, for a message: libcurl's detailed text for the last Perform(), or its
  // short name for `code`. Holds host names and ports, never credentials.
  std::string ErrorText(CURLcode code) const;

  // With public_addresses_only: when the last Perform() refused every address it tried and so
  // opened no connection, the first one refused and its scope ("127.0.0.1 (loopback) is not a
  // public address"); empty otherwise (no address refused, or another one was connected to).
  std::string RefusedAddressText() const;

 private:
  struct ListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  };

  // What the CURLOPT_OPENSOCKETFUNCTION callback saw during one Perform().
  struct AddressGuard {
    int sockets_opened = 0;
    int addresses_refused = 0;
    std::string first_refused;  // "127.0.0.1 (loopback) is not a public address"
  };

  static curl_socket_t OpenSocket(void* guard, curlsocktype purpose, curl_sockaddr* address);

  CURL* handle_ = nullptr;
  bool list_failed_ = false;
  std::vector<std::unique_ptr<curl_slist, ListDeleter>> lists_;
  AddressGuard guard_;
  char error_text_[CURL_ERROR_SIZE] = {0};
};

// libcurl's option type for numbers.
long CurlLong(int value);  // NOLINT(google-runtime-int)

// True when `text` can go into a header line or an SMTP command as it is: no CR, LF or NUL.
// libcurl sends what it is given, so a CR or LF would start a line of the caller's choosing.
bool IsSingleLine(std::string_view text);

}  // namespace simkeep::net

#endif  // SIMKEEP_NET_CURL_TRANSFER_H_
