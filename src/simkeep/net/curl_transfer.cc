#include "simkeep/net/curl_transfer.h"

#include <mutex>

namespace simkeep::net {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

long CurlLong(int value) {  // NOLINT(google-runtime-int)
  return value;
}

bool IsSingleLine(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

CurlTransfer::CurlTransfer(const TransferOptions& options, const std::string& url) {
  InitCurlOnce();
  handle_ = curl_easy_init();
  if (handle_ == nullptr) {
    return;
  }
  // Signals must stay out of it in a threaded process; name lookups then time out through the
  // threaded resolver Debian's libcurl is built with.
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle_, CURLOPT_PROTOCOLS_STR, options.protocols.c_str());
  curl_easy_setopt(handle_, CURLOPT_FOLLOWLOCATION, 0L);
  if (!options.ca_file.empty()) {
    curl_easy_setopt(handle_, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, CurlLong(options.connect_timeout_ms));
  curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, CurlLong(options.total_timeout_ms));
  curl_easy_setopt(handle_, CURLOPT_USERAGENT, "simkeep");
  curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_text_);
}

CurlTransfer::~CurlTransfer() {
  // The handle goes first: it points into the lists.
  if (handle_ != nullptr) {
    curl_easy_cleanup(handle_);
  }
}

bool CurlTransfer::AddList(CURLoption option, const std::vector<std::string>& items) {
  curl_slist* list = nullptr;
  for (const std::string& item : items) {
    curl_slist* longer = curl_slist_append(list, item.c_str());
    if (longer == nullptr) {
      curl_slist_free_all(list);
      list_failed_ = true;
      return false;
    }
    list = longer;
  }
  lists_.emplace_back(list);
  curl_easy_setopt(handle_, option, list);
  return true;
}

CURLcode CurlTransfer::Perform() {
  error_text_[0] = '\0';
  return curl_easy_perform(handle_);
}

int CurlTransfer::ResponseCode() const {
  long code = 0;  // NOLINT(google-runtime-int): libcurl's type.
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &code);
  return static_cast<int>(code);
}

std::string CurlTransfer::ErrorText(CURLcode code) const {
  if (handle_ == nullptr || list_failed_) {
    return "libcurl could not set up the request";
  }
  return error_text_[0] != '\0' ? std::string(error_text_) : std::string(curl_easy_strerror(code));
}

}  // namespace simkeep::net
