#include "simkeep/net/http_client.h"

#include <utility>

#include "simkeep/net/curl_transfer.h"

namespace simkeep::net {
namespace {

struct BodySink {
  std::string* body;
  size_t bytes_max;
  bool cut_long_body;
  bool too_long = false;
};

// CURLOPT_WRITEFUNCTION: appends to the body until it would pass bytes_max; past that, drops the
// rest (cut_long_body) or stops the transfer by taking no bytes.
size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t bytes = size * count;
  if (sink->body->size() + bytes > sink->bytes_max) {
    sink->too_long = true;
    if (!sink->cut_long_body) {
      return 0;
    }
    sink->body->append(data, sink->bytes_max - sink->body->size());
    return bytes;
  }
  sink->body->append(data, bytes);
  return bytes;
}

Error NoAnswer(std::string message) { return Unavailable("http_no_answer", std::move(message)); }

void SetMethod(CURL* handle, const HttpRequest& request) {
  switch (request.method) {
    case HttpMethod::kGet:
      break;
    case HttpMethod::kDelete:
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "DELETE");
      break;
    case HttpMethod::kPost:
      curl_easy_setopt(handle, CURLOPT_POST, 1L);
      // Never a null pointer: libcurl would read the body from stdin.
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      break;
  }
}

}  // namespace

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) { InitCurlOnce(); }

Result<HttpResponse> HttpClient::Perform(const HttpRequest& request) const {
  for (const std::string& line : request.headers) {
    if (!IsSingleLine(line)) {
      return InvalidArgument("http_request_invalid", "A header line holds a line break.");
    }
  }
  CurlTransfer transfer(
      TransferOptions{options_.protocols, options_.ca_file, options_.connect_timeout_ms,
                      options_.total_timeout_ms, options_.public_addresses_only},
      request.url);
  if (transfer.ok()) {
    transfer.AddList(CURLOPT_HTTPHEADER, request.headers);
  }
  if (!transfer.ok()) {
    return NoAnswer(transfer.ErrorText(CURLE_OUT_OF_MEMORY));
  }
  CURL* handle = transfer.handle();
  if (request.basic_auth) {
    curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(handle, CURLOPT_USERNAME, request.basic_auth->user.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, request.basic_auth->password.c_str());
  }
  std::string body;
  BodySink sink{&body, options_.response_body_bytes_max, options_.cut_long_body};
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
  SetMethod(handle, request);
  const CURLcode code = transfer.Perform();
  if (sink.too_long && !options_.cut_long_body) {
    return NoAnswer("the answer is longer than " +
                    std::to_string(options_.response_body_bytes_max) + " bytes");
  }
  if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
    // Nothing was sent, and the same URL can never be.
    return InvalidArgument("http_request_invalid",
                           "The URL cannot be used: " + transfer.ErrorText(code));
  }
  if (code != CURLE_OK) {
    if (std::string refused = transfer.RefusedAddressText(); !refused.empty()) {
      return PermissionDenied("http_address_refused", std::move(refused));
    }
    return NoAnswer(transfer.ErrorText(code));
  }
  return HttpResponse{transfer.ResponseCode(), std::move(body), sink.too_long};
}

}  // namespace simkeep::net
