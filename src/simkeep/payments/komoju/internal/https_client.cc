#include "simkeep/payments/komoju/internal/https_client.h"

#include <utility>

#include "simkeep/payments/komoju/limits.h"

namespace simkeep::payments::komoju::internal {
namespace {

Error NoAnswer(std::string message) {
  return Unavailable("provider_unavailable", "KOMOJU gave no answer: " + std::move(message));
}

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

net::HttpClientOptions ClientOptions(const HttpsClientOptions& options) {
  net::HttpClientOptions client;
  client.protocols = "https";  // Never the key in clear text.
  client.ca_file = options.ca_file;
  client.connect_timeout_ms = options.connect_timeout_ms;
  client.total_timeout_ms = options.total_timeout_ms;
  client.response_body_bytes_max = kResponseBodyBytesMax;
  return client;
}

}  // namespace

HttpsClient::HttpsClient(HttpsClientOptions options)
    : options_(std::move(options)), client_(ClientOptions(options_)) {}

std::string HttpsClient::Escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    if (Unreserved(c)) {
      escaped += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      escaped += '%';
      escaped += kHex[byte >> 4];
      escaped += kHex[byte & 0x0F];
    }
  }
  return escaped;
}

Result<HttpsResponse> HttpsClient::Get(std::string_view path_and_query) const {
  return Perform(net::HttpMethod::kGet, path_and_query, {}, {});
}

Result<HttpsResponse> HttpsClient::Post(std::string_view path, std::string_view json_body,
                                        std::string_view idempotency_key) const {
  return Perform(net::HttpMethod::kPost, path, json_body, idempotency_key);
}

Result<HttpsResponse> HttpsClient::Delete(std::string_view path) const {
  return Perform(net::HttpMethod::kDelete, path, {}, {});
}

Result<HttpsResponse> HttpsClient::Perform(net::HttpMethod method, std::string_view path,
                                           std::string_view json_body,
                                           std::string_view idempotency_key) const {
  net::HttpRequest request;
  request.method = method;
  request.url = options_.base_url + std::string(path);
  request.headers = {"Accept: application/json", "Content-Type: application/json"};
  if (!idempotency_key.empty()) {
    request.headers.push_back("X-KOMOJU-IDEMPOTENCY: " + std::string(idempotency_key));
  }
  request.body = json_body;
  // HTTP Basic with the secret key as the user name and an empty password.
  request.basic_auth = net::BasicAuth{options_.secret_key, ""};
  Result<net::HttpResponse> response = client_.Perform(request);
  if (!response) {
    return NoAnswer(response.error().message);
  }
  return HttpsResponse{response->status, std::move(response->body)};
}

}  // namespace simkeep::payments::komoju::internal
