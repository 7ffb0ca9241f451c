#ifndef SIMKEEP_TESTS_INTEGRATION_TEST_SERVER_H_
#define SIMKEEP_TESTS_INTEGRATION_TEST_SERVER_H_

// A real simkeep server for integration tests: a temporary database, the sandbox payment
// provider, a fake clock, the HTTP server on a free loopback port, and a small HTTP client.
//
// The backend comes from the environment: SIMKEEP_TEST_BACKEND=sqlite (the default) uses a
// temporary SQLite file; SIMKEEP_TEST_BACKEND=postgresql a fresh database (C collation) on the
// server SIMKEEP_TEST_PG_URI names, which scripts/with_postgres.sh provides. The same tests run
// on both (tests/integration/CMakeLists.txt registers them twice).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "simkeep/base/clock.h"
#include "simkeep/cli/runtime.h"
#include "simkeep/http/api.h"
#include "simkeep/http/server.h"

namespace simkeep::testing {

using Json = nlohmann::json;

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string body;
  Json json;  // Parsed body when it is JSON, else null.
};

// Sends one request to 127.0.0.1:port and returns the response. Thread-safe (one connection per
// call).
HttpResult Send(uint16_t port, const std::string& method, const std::string& target,
                const std::string& body = "",
                const std::map<std::string, std::string>& headers = {});

// A database of its own for one test server, removed when the object is destroyed.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // What --database takes: a file path or a postgresql:// URL.
  const std::string& url() const { return url_; }
  const std::string& key_file() const { return key_file_; }
  bool postgresql() const { return !server_uri_.empty(); }

 private:
  std::string name_;
  std::string server_uri_;  // Empty for SQLite.
  std::string url_;
  std::string key_file_;
};

class TestServer {
 public:
  // Starts at 2026-11-22T12:00:00+09:00 on the fake clock, on a database of its own.
  TestServer();
  // The same, with the runtime's options changed by `configure` first (delivery channels, ...).
  explicit TestServer(const std::function<void(cli::RuntimeOptions&)>& configure);
  // Another instance on the same database as `other` (several servers sharing one database).
  explicit TestServer(const TestServer& other);
  ~TestServer();

  uint16_t port() const { return port_; }
  FakeClock& clock() { return *clock_; }
  cli::Runtime& runtime() { return *runtime_; }
  const TestDatabase& database() const { return *database_; }

  // A token for a new API key with `role`.
  std::string Token(const std::string& role);

  // Convenience: a request with a Bearer token (and an Idempotency-Key when given).
  HttpResult Call(const std::string& token, const std::string& method, const std::string& target,
                  const Json& body = nullptr, const std::string& idempotency_key = "");

  // Provisions a line through the API and returns its line_id. `iccid` must be Luhn-valid.
  std::string ProvisionLine(const std::string& admin_token, const Json& body);

  // A fresh Luhn-valid docomo ICCID (19 digits + check digit).
  static std::string NextIccid();

 private:
  TestServer(std::shared_ptr<TestDatabase> database,
             const std::function<void(cli::RuntimeOptions&)>& configure);

  std::shared_ptr<TestDatabase> database_;  // Removed when the last server using it goes.
  FakeClock* clock_ = nullptr;
  std::unique_ptr<cli::Runtime> runtime_;
  std::unique_ptr<http::Api> api_;
  std::unique_ptr<http::Server> server_;
  uint16_t port_ = 0;
};

}  // namespace simkeep::testing

#endif  // SIMKEEP_TESTS_INTEGRATION_TEST_SERVER_H_
