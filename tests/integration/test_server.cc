#include "test_server.h"

// Boost 1.74's Asio uses std::exchange in C++20 mode without including <utility> itself.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include "simkeep/base/time.h"
#include "simkeep/domain/identifiers.h"

namespace simkeep::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string UniqueName() {
  static std::atomic<int> counter{0};
  return "simkeep_it_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
}

// Runs one SQL statement outside a transaction (CREATE/DROP DATABASE) with psql.
bool RunPsql(const std::string& uri, const std::string& sql) {
  // The URI and the SQL hold no quotes of the other kind (they are made above).
  const std::string command = "psql -q -X -v ON_ERROR_STOP=1 '" + uri + "' -c \"" + sql + "\"";
  return std::system(command.c_str()) == 0;
}

// `uri` with its database name replaced by `name`: postgresql://user@host:port/NAME[?...].
std::string WithDatabaseName(const std::string& uri, const std::string& name) {
  const size_t query = uri.find('?');
  const std::string base = uri.substr(0, query);
  const size_t slash = base.rfind('/');
  const std::string rest = query == std::string::npos ? "" : uri.substr(query);
  return base.substr(0, slash + 1) + name + rest;
}

}  // namespace

TestDatabase::TestDatabase() {
  const char* backend = std::getenv("SIMKEEP_TEST_BACKEND");
  name_ = UniqueName();
  const std::string temp = std::filesystem::temp_directory_path().string() + "/";
  if (backend == nullptr || std::string_view(backend) == "sqlite") {
    url_ = temp + name_ + ".db";
    key_file_ = url_ + ".key";
    return;
  }
  if (std::string_view(backend) != "postgresql") {
    ADD_FAILURE() << "SIMKEEP_TEST_BACKEND must be sqlite or postgresql, not " << backend;
    std::abort();
  }
  const char* server = std::getenv("SIMKEEP_TEST_PG_URI");
  if (server == nullptr || *server == '\0') {
    ADD_FAILURE() << "SIMKEEP_TEST_BACKEND=postgresql needs SIMKEEP_TEST_PG_URI; run the test "
                     "through scripts/with_postgres.sh";
    std::abort();
  }
  server_uri_ = server;
  if (!RunPsql(server_uri_, "CREATE DATABASE " + name_ +
                                " TEMPLATE template0 LC_COLLATE 'C' "
                                "LC_CTYPE 'C' ENCODING 'UTF8'")) {
    ADD_FAILURE() << "could not create database " << name_ << " on " << server_uri_;
    std::abort();
  }
  url_ = WithDatabaseName(server_uri_, name_);
  key_file_ = temp + name_ + ".key";
}

TestDatabase::~TestDatabase() {
  if (!server_uri_.empty()) {
    RunPsql(server_uri_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } else {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(url_ + suffix);
    }
  }
  std::filesystem::remove(key_file_);
}

HttpResult Send(uint16_t port, const std::string& method, const std::string& target,
                const std::string& body, const std::map<std::string, std::string>& headers) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> request(bhttp::string_to_verb(method), target, 11);
  request.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.set(bhttp::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
  }
  bhttp::write(stream, request);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  bhttp::read(stream, buffer, parser);
  auto response = parser.release();
  HttpResult result;
  result.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    result.headers[name] = std::string(field.value());
  }
  result.body = response.body();
  result.json = Json::parse(result.body, nullptr, false);
  if (result.json.is_discarded()) {
    result.json = nullptr;
  }
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  return result;
}

TestServer::TestServer() : TestServer(std::make_shared<TestDatabase>(), nullptr) {}

TestServer::TestServer(const std::function<void(cli::RuntimeOptions&)>& configure)
    : TestServer(std::make_shared<TestDatabase>(), configure) {}

TestServer::TestServer(const TestServer& other) : TestServer(other.database_, nullptr) {}

TestServer::TestServer(std::shared_ptr<TestDatabase> database,
                       const std::function<void(cli::RuntimeOptions&)>& configure)
    : database_(std::move(database)) {
  auto clock = std::make_unique<FakeClock>(*ParseRfc3339("2026-11-22T12:00:00+09:00"));
  clock_ = clock.get();
  cli::RuntimeOptions options;
  options.database = database_->url();
  options.secret_key_file = database_->key_file();
  // As `simkeep migrate` before the first `serve`: creates the schema and, for a new database,
  // the key file (a second instance finds both).
  if (configure) {
    configure(options);
  }
  if (Result<cli::MigrateReport> migrated = cli::Migrate(options); !migrated) {
    ADD_FAILURE() << migrated.error().reason << ": " << migrated.error().message;
    std::abort();
  }
  Result<std::unique_ptr<cli::Runtime>> runtime = cli::OpenRuntime(options, std::move(clock));
  if (!runtime) {
    ADD_FAILURE() << runtime.error().reason << ": " << runtime.error().message;
    std::abort();
  }
  runtime_ = std::move(*runtime);
  api_ = std::make_unique<http::Api>(
      http::ApiDependencies{.committer = runtime_->committer.get(),
                            .reads = runtime_->reads.get(),
                            .context = &runtime_->context,
                            .lines = runtime_->lines.get(),
                            .orders = runtime_->orders.get(),
                            .payments = runtime_->payments.get(),
                            .auto_renewals = runtime_->auto_renewals.get(),
                            .notifications = runtime_->notifications.get(),
                            .usage = runtime_->usage.get(),
                            .reservations = runtime_->reservations.get(),
                            .version = "test"});
  http::ServerOptions server_options;
  server_options.port = 0;
  server_options.threads = 4;
  server_ = std::make_unique<http::Server>(server_options,
                                           [this](http::Request request, http::Responder respond) {
                                             api_->Handle(std::move(request), std::move(respond));
                                           });
  Result<uint16_t> port = server_->Start();
  if (!port) {
    ADD_FAILURE() << port.error().message;
    std::abort();
  }
  port_ = *port;
}

TestServer::~TestServer() {
  server_->Stop();
  runtime_->committer->Stop();
  api_.reset();
  runtime_.reset();
}

std::string TestServer::Token(const std::string& role) {
  Result<cli::NewApiKey> created = cli::CreateApiKey(*runtime_, role, "test");
  EXPECT_TRUE(created);
  return created ? created->token : "";
}

HttpResult TestServer::Call(const std::string& token, const std::string& method,
                            const std::string& target, const Json& body,
                            const std::string& idempotency_key) {
  std::map<std::string, std::string> headers;
  if (!token.empty()) {
    headers["Authorization"] = "Bearer " + token;
  }
  if (!idempotency_key.empty()) {
    headers["Idempotency-Key"] = idempotency_key;
  }
  return Send(port_, method, target, body.is_null() ? "" : body.dump(), headers);
}

std::string TestServer::NextIccid() {
  static std::atomic<int> counter{1};
  char payload[32];
  std::snprintf(payload, sizeof(payload), "898110%013d", counter++);
  return std::string(payload) + domain::LuhnCheckDigit(payload);
}

std::string TestServer::ProvisionLine(const std::string& admin_token, const Json& body) {
  HttpResult result = Call(admin_token, "POST", "/v1/lines", body);
  EXPECT_EQ(result.status, 201) << result.body;
  return result.json.is_object() ? result.json.value("line_id", "") : "";
}

}  // namespace simkeep::testing
