#include "simkeep/net/curl_transfer.h"

#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "simkeep/base/ip_address.h"

namespace simkeep::net {
namespace {

// The address libcurl is about to connect to; nullopt for a family other than IPv4 and IPv6.
// libcurl hands a struct sockaddr in storage large enough for the family's own struct.
std::optional<IpAddress> AddressOf(const curl_sockaddr& address) {
  if (address.family == AF_INET && address.addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in v4;
    std::memcpy(&v4, &address.addr, sizeof v4);
    uint8_t bytes[4];
    std::memcpy(bytes, &v4.sin_addr, sizeof bytes);
    return IpAddress::V4(bytes[0], bytes[1], bytes[2], bytes[3]);
  }
  if (address.family == AF_INET6 && address.addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 v6;
    std::memcpy(&v6, &address.addr, sizeof v6);
    IpAddress ip;
    std::memcpy(ip.bytes.data(), &v6.sin6_addr, ip.bytes.size());
    return ip;
  }
  return std::nullopt;
}

// The address as text ("127.0.0.1", "::1"), or "an address of family N".
std::string AddressText(const curl_sockaddr& address) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address.family == AF_INET && address.addrlen >= sizeof(sockaddr_in)) {
    sockaddr_in v4;
    std::memcpy(&v4, &address.addr, sizeof v4);
    if (inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text) != nullptr) {
      return text;
    }
  } else if (address.family == AF_INET6 && address.addrlen >= sizeof(sockaddr_in6)) {
    sockaddr_in6 v6;
    std::memcpy(&v6, &address.addr, sizeof v6);
    if (inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text) != nullptr) {
      return text;
    }
  }
  return "an address of family " + std::to_string(address.family);
}

}  // namespace

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
  if (options.public_addresses_only) {
    curl_easy_setopt(handle_, CURLOPT_OPENSOCKETFUNCTION, &CurlTransfer::OpenSocket);
    curl_easy_setopt(handle_, CURLOPT_OPENSOCKETDATA, &guard_);
    // An empty string, unlike no setting, also keeps the environment's proxies out.
    curl_easy_setopt(handle_, CURLOPT_PROXY, "");
  }
}

curl_socket_t CurlTransfer::OpenSocket(void* guard, curlsocktype /*purpose*/,
                                       curl_sockaddr* address) {
  auto* seen = static_cast<AddressGuard*>(guard);
  const std::optional<IpAddress> ip = AddressOf(*address);
  const std::optional<AddressScope> scope =
      ip ? std::optional<AddressScope>(ClassifyAddress(*ip)) : std::nullopt;
  if (scope != AddressScope::kPublic) {
    if (seen->addresses_refused++ == 0) {
      seen->first_refused = AddressText(*address) + " (" +
                            (scope ? AddressScopeName(*scope) : "not IP") +
                            ") is not a public address";
    }
    // libcurl then tries the name's next address, if any, and fails with
    // CURLE_COULDNT_CONNECT when none is left.
    return CURL_SOCKET_BAD;
  }
  const curl_socket_t opened = socket(address->family, address->socktype, address->protocol);
  if (opened != CURL_SOCKET_BAD) {
    ++seen->sockets_opened;
  }
  return opened;
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
  guard_ = AddressGuard{};
  return curl_easy_perform(handle_);
}

std::string CurlTransfer::RefusedAddressText() const {
  return guard_.sockets_opened == 0 && guard_.addresses_refused > 0 ? guard_.first_refused : "";
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
