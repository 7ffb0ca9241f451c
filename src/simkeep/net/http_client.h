#ifndef SIMKEEP_NET_HTTP_CLIENT_H_
#define SIMKEEP_NET_HTTP_CLIENT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/result.h"

namespace simkeep::net {

// How a client reaches the far end. Fixed for the client's life.
struct HttpClientOptions {
  // The schemes a request's URL may have, as libcurl's CURLOPT_PROTOCOLS_STR takes them:
  // "https" (a client that sends a secret), or "http,https".
  std::string protocols = "https";
  std::string ca_file;         // A CA bundle to trust instead of the system's; empty: the system's.
  int connect_timeout_ms = 0;  // 0: libcurl's default (300 s).
  int total_timeout_ms = 0;    // 0: no limit.
  // The most of an answer's body that is read. A longer body fails the call, or with
  // `cut_long_body` is cut to this length and the call goes on (for callers that only need
  // the status).
  size_t response_body_bytes_max = 1 << 20;
  bool cut_long_body = false;
  // Connect to public addresses only, for URLs a user chose (webhooks), against server-side
  // request forgery: see TransferOptions::public_addresses_only (curl_transfer.h). Every
  // address a name resolves to is checked as its socket is opened; environment proxies are
  // not used.
  bool public_addresses_only = false;
};

enum class HttpMethod { kGet, kPost, kDelete };

// HTTP Basic credentials. Never logged, never put in a message.
struct BasicAuth {
  std::string user;
  std::string password;
};

// One request.
struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;
  // Header lines, "Name: value", each without CR or LF.
  std::vector<std::string> headers;
  // POST only. libcurl sends it from the caller's buffer and keeps no copy, so a caller that
  // wipes its body (a card number) wipes the only one; it must outlive Perform().
  std::string_view body;
  std::optional<BasicAuth> basic_auth;
};

// An answer: any HTTP status, and its body (cut to response_body_bytes_max when the options
// allow it, with `body_cut` set).
struct HttpResponse {
  int status = 0;
  std::string body;
  bool body_cut = false;
};

// A blocking HTTP(S) client on libcurl, one easy handle per call (no connection reuse), so any
// number of threads may call it at once. Redirects are never followed: a 3xx is an answer like
// any other. It only moves bytes: what an answer means is the caller's business, and so are the
// reasons its errors carry (callers map this module's errors onto their own).
//
// Made at start-up (its constructor runs libcurl's global set-up), owned by its adapter.
// Thread-safe; the options are fixed at construction.
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);

  // Sends `request` and reads the answer.
  // Errors:
  //  - kUnavailable "http_no_answer" when no whole answer came: no connection, a TLS failure,
  //    a timeout, a body longer than allowed. The message is libcurl's account (host and port,
  //    never credentials) or "the answer is longer than N bytes". The request may have reached
  //    the far end all the same.
  //  - kInvalidArgument "http_request_invalid" when the request can never be sent as it is: a
  //    header line holds a CR, LF or NUL, the URL is malformed, or its scheme is outside the
  //    options' protocols. Nothing is sent.
  //  - kPermissionDenied "http_address_refused" with public_addresses_only, when every address
  //    the URL's host resolved to is not public (loopback, private, link-local, ...). No
  //    connection was opened, so nothing was sent. The message names the first address and
  //    its scope ("127.0.0.1 (loopback) is not a public address").
  Result<HttpResponse> Perform(const HttpRequest& request) const;

  const HttpClientOptions& options() const { return options_; }

 private:
  HttpClientOptions options_;
};

}  // namespace simkeep::net

#endif  // SIMKEEP_NET_HTTP_CLIENT_H_
