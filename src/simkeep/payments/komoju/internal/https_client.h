#ifndef SIMKEEP_PAYMENTS_KOMOJU_INTERNAL_HTTPS_CLIENT_H_
#define SIMKEEP_PAYMENTS_KOMOJU_INTERNAL_HTTPS_CLIENT_H_

#include <string>
#include <string_view>

#include "simkeep/base/result.h"
#include "simkeep/net/http_client.h"

namespace simkeep::payments::komoju::internal {

// Where and how to reach the API: HTTPS only, HTTP Basic with the secret key as the user name
// and an empty password (doc.komoju.com/docs/authentication).
struct HttpsClientOptions {
  std::string base_url;    // "https://komoju.com", no trailing slash.
  std::string secret_key;  // Never logged, never put in a message.
  std::string ca_file;     // A CA bundle to trust instead of the system's; empty: the system's.
  int connect_timeout_ms = 0;
  int total_timeout_ms = 0;
};

// An answer: any HTTP status, the body read in full.
struct HttpsResponse {
  int status = 0;
  std::string body;
};

// KOMOJU's view of net::HttpClient: HTTPS only, Basic auth with the secret key, JSON headers,
// KOMOJU's idempotency header, answers up to kResponseBodyBytesMax. Blocking, one libcurl easy
// handle per call, so any number of threads may call it at once. It only moves bytes: what an
// answer means is the caller's business.
//
// Thread-safe; the options are fixed at construction.
class HttpsClient {
 public:
  explicit HttpsClient(HttpsClientOptions options);

  // GET base_url + path_and_query.
  // Errors: kUnavailable "provider_unavailable" when no whole answer came: no connection, a TLS
  // failure, a timeout, an answer longer than kResponseBodyBytesMax. The request may have
  // reached KOMOJU all the same.
  Result<HttpsResponse> Get(std::string_view path_and_query) const;

  // POST base_url + path with a JSON body. A non-empty `idempotency_key` goes in
  // X-KOMOJU-IDEMPOTENCY. Errors as Get(). libcurl sends from the caller's buffer and keeps no
  // copy of it, so a caller that wipes its body (a card number) wipes the only one.
  Result<HttpsResponse> Post(std::string_view path, std::string_view json_body,
                             std::string_view idempotency_key) const;
  // DELETE base_url + path, without a body. Errors as Get().
  Result<HttpsResponse> Delete(std::string_view path) const;

  // `text` %-encoded for a URL's path segment or query value.
  static std::string Escape(std::string_view text);

 private:
  Result<HttpsResponse> Perform(net::HttpMethod method, std::string_view path,
                                std::string_view json_body, std::string_view idempotency_key) const;

  HttpsClientOptions options_;
  net::HttpClient client_;
};

}  // namespace simkeep::payments::komoju::internal

#endif  // SIMKEEP_PAYMENTS_KOMOJU_INTERNAL_HTTPS_CLIENT_H_
