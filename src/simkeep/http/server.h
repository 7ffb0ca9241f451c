#ifndef SIMKEEP_HTTP_SERVER_H_
#define SIMKEEP_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "simkeep/base/result.h"

namespace simkeep::http {

// One HTTP request as the handlers see it: already read in full and within the size limits.
struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // Decoded path without the query: "/v1/lines/ln_1".
  std::multimap<std::string, std::string> query;  // Decoded query parameters.
  std::map<std::string, std::string> headers;     // Names in lower case.
  std::string body;
  std::string remote_address;

  // The header's value, or "" when absent.
  const std::string& Header(const std::string& lower_case_name) const;
  // The first value of a query parameter, or "" when absent.
  std::string Query(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Hands a response back to the connection; may be called from any thread, exactly once.
using Responder = std::function<void(Response)>;
// Handles one request. Runs on an I/O thread; must answer through `respond`, now or later
// (for example from the committer thread once a write committed).
using Handler = std::function<void(Request, Responder)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port (tests).
  int threads = 2;
  // Room for a usage batch of app::kUsageBatchMax records (about 200 bytes each).
  size_t body_bytes_max = 4 << 20;
  size_t header_bytes_max = 16 << 10;
};

// An HTTP/1.1 server on Boost.Beast: keep-alive connections, one strand per connection, a pool
// of I/O threads. It turns malformed HTTP and oversized bodies into problem+json answers and
// never lets an exception out of a handler (one catch, which answers 500 and logs).
//
// Ownership: owns its threads and sockets. Thread-safety: Start/Stop from one thread.
class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads; returns the bound port. kUnavailable "listen_failed".
  Result<uint16_t> Start();
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A problem+json (RFC 9457) response for errors raised by the transport itself.
Response TransportProblem(int status, const std::string& code, const std::string& detail);

}  // namespace simkeep::http

#endif  // SIMKEEP_HTTP_SERVER_H_
