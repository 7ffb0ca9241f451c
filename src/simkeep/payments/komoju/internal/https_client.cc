#include "simkeep/payments/komoju/internal/https_client.h"

#include <memory>
#include <mutex>
#include <utility>

#include <curl/curl.h>

#include "simkeep/payments/komoju/limits.h"

namespace simkeep::payments::komoju::internal {
namespace {

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

// libcurl's global set-up is not thread-safe and must come before any handle exists, so the
// first client made (at start-up, before the API's threads) does it once for the process.
void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct BodySink {
  std::string* body;
  bool too_long = false;
};

// CURLOPT_WRITEFUNCTION: appends to the body, or stops the transfer (by taking no bytes) once it
// would pass kResponseBodyBytesMax.
size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t bytes = size * count;
  if (sink->body->size() + bytes > kResponseBodyBytesMax) {
    sink->too_long = true;
    return 0;
  }
  sink->body->append(data, bytes);
  return bytes;
}

Error NoAnswer(std::string message) {
  return Unavailable("provider_unavailable", "KOMOJU gave no answer: " + std::move(message));
}

// The request's headers; nullptr when libcurl has no memory for them.
HeaderList MakeHeaders(std::string_view idempotency_key) {
  std::string lines[3] = {"Accept: application/json", "Content-Type: application/json", ""};
  if (!idempotency_key.empty()) {
    lines[2] = "X-KOMOJU-IDEMPOTENCY: " + std::string(idempotency_key);
  }
  curl_slist* list = nullptr;
  for (const std::string& line : lines) {
    if (line.empty()) {
      continue;
    }
    curl_slist* longer = curl_slist_append(list, line.c_str());
    if (longer == nullptr) {
      curl_slist_free_all(list);
      return nullptr;
    }
    list = longer;
  }
  return HeaderList(list);
}

// libcurl's option type for numbers.
long Long(int value) {  // NOLINT(google-runtime-int)
  return value;
}

bool Unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void SetOptions(CURL* handle, const HttpsClientOptions& options, const std::string& url,
                curl_slist* header_list, BodySink* sink, char* error_text) {
  // Signals must stay out of it in a threaded process; name lookups then time out through the
  // threaded resolver Debian's libcurl is built with.
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https");  // Never the key in clear text.
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  curl_easy_setopt(handle, CURLOPT_USERNAME, options.secret_key.c_str());
  curl_easy_setopt(handle, CURLOPT_PASSWORD, "");
  if (!options.ca_file.empty()) {
    curl_easy_setopt(handle, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, Long(options.connect_timeout_ms));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, Long(options.total_timeout_ms));
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "simkeep");
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, sink);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
}

}  // namespace

HttpsClient::HttpsClient(HttpsClientOptions options) : options_(std::move(options)) {
  InitCurlOnce();
}

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
  return Perform(Verb::kGet, path_and_query, {}, {});
}

Result<HttpsResponse> HttpsClient::Post(std::string_view path, std::string_view json_body,
                                        std::string_view idempotency_key) const {
  return Perform(Verb::kPost, path, json_body, idempotency_key);
}

Result<HttpsResponse> HttpsClient::Delete(std::string_view path) const {
  return Perform(Verb::kDelete, path, {}, {});
}

Result<HttpsResponse> HttpsClient::Perform(Verb verb, std::string_view path,
                                           std::string_view json_body,
                                           std::string_view idempotency_key) const {
  EasyHandle easy(curl_easy_init());
  HeaderList headers = MakeHeaders(idempotency_key);
  if (easy == nullptr || headers == nullptr) {
    return NoAnswer("libcurl could not set up the request");
  }
  CURL* handle = easy.get();
  const std::string url = options_.base_url + std::string(path);
  std::string body;
  BodySink sink{&body};
  char error_text[CURL_ERROR_SIZE] = {0};
  SetOptions(handle, options_, url, headers.get(), &sink, error_text);
  if (verb == Verb::kDelete) {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
  if (verb == Verb::kPost) {
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    // Never a null pointer: libcurl would read the body from stdin.
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, json_body.empty() ? "" : json_body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(json_body.size()));
  }
  const CURLcode code = curl_easy_perform(handle);
  if (sink.too_long) {
    return NoAnswer("the answer is longer than " + std::to_string(kResponseBodyBytesMax) +
                    " bytes");
  }
  if (code != CURLE_OK) {
    return NoAnswer(error_text[0] != '\0' ? error_text : curl_easy_strerror(code));
  }
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type.
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return HttpsResponse{static_cast<int>(status), std::move(body)};
}

}  // namespace simkeep::payments::komoju::internal
