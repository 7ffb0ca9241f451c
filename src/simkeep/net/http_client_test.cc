#include "simkeep/net/http_client.h"

#include <string>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace simkeep::net {
namespace {

// A socket bound to a free loopback port. With Listen(), it serves one connection on a thread of
// its own: reads the request (head and Content-Length body) and writes `response`. Without,
// nothing listens there and a connection is refused.
class LoopbackSocket {
 public:
  LoopbackSocket() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackSocket() {
    if (server_.joinable()) {
      server_.join();
    }
    close(fd_);
  }

  std::string Url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + "/path";
  }

  void Listen(std::string response) {
    listen(fd_, 1);
    server_ = std::thread([this, response = std::move(response)] {
      const int connection = accept(fd_, nullptr, nullptr);
      if (connection < 0) {
        return;
      }
      char buffer[4096];
      while (!RequestComplete()) {
        const ssize_t bytes = read(connection, buffer, sizeof buffer);
        if (bytes <= 0) {
          break;
        }
        request_.append(buffer, static_cast<size_t>(bytes));
      }
      size_t written = 0;
      while (written < response.size()) {
        // MSG_NOSIGNAL: a client that stopped reading must not end the test with SIGPIPE.
        const ssize_t bytes =
            send(connection, response.data() + written, response.size() - written, MSG_NOSIGNAL);
        if (bytes <= 0) {
          break;
        }
        written += static_cast<size_t>(bytes);
      }
      close(connection);
    });
  }

  // What the client sent; call after the client's call returned.
  const std::string& Request() {
    if (server_.joinable()) {
      server_.join();
    }
    return request_;
  }

 private:
  bool RequestComplete() const {
    const size_t head_end = request_.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      return false;
    }
    const size_t length_at = request_.find("Content-Length: ");
    if (length_at == std::string::npos || length_at > head_end) {
      return true;
    }
    const size_t length = std::stoul(request_.substr(length_at + 16));
    return request_.size() >= head_end + 4 + length;
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread server_;
  std::string request_;
};

std::string Answer(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " Whatever\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra + "\r\n" + body;
}

HttpClientOptions LoopbackOptions() {
  HttpClientOptions options;
  options.protocols = "http";
  options.connect_timeout_ms = 10'000;
  options.total_timeout_ms = 30'000;
  return options;
}

TEST(HttpClientTest, PostsTheBodyWithHeadersAndBasicAuth) {
  LoopbackSocket server;
  server.Listen(Answer(201, "{\"ok\":true}"));
  HttpClient client(LoopbackOptions());
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.url = server.Url();
  request.headers = {"Content-Type: application/json", "X-Simkeep-Test: 1"};
  request.body = "{\"a\":1}";
  request.basic_auth = BasicAuth{"user", ""};
  Result<HttpResponse> response = client.Perform(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "{\"ok\":true}");
  EXPECT_FALSE(response->body_cut);
  const std::string& sent = server.Request();
  EXPECT_TRUE(sent.starts_with("POST /path HTTP/1.1\r\n")) << sent;
  EXPECT_NE(sent.find("\r\nX-Simkeep-Test: 1\r\n"), std::string::npos);
  EXPECT_NE(sent.find("\r\nAuthorization: Basic dXNlcjo=\r\n"), std::string::npos);  // "user:"
  EXPECT_NE(sent.find("\r\nUser-Agent: simkeep\r\n"), std::string::npos);
  EXPECT_TRUE(sent.ends_with("\r\n\r\n{\"a\":1}"));
}

TEST(HttpClientTest, SendsDeleteAndGet) {
  for (HttpMethod method : {HttpMethod::kDelete, HttpMethod::kGet}) {
    LoopbackSocket server;
    server.Listen(Answer(204, ""));
    HttpClient client(LoopbackOptions());
    HttpRequest request;
    request.method = method;
    request.url = server.Url();
    Result<HttpResponse> response = client.Perform(request);
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->status, 204);
    EXPECT_TRUE(
        server.Request().starts_with(method == HttpMethod::kGet ? "GET /path " : "DELETE /path "));
  }
}

TEST(HttpClientTest, FollowsNoRedirect) {
  LoopbackSocket server;
  server.Listen(Answer(302, "", "Location: http://127.0.0.1:1/elsewhere\r\n"));
  HttpClient client(LoopbackOptions());
  HttpRequest request;
  request.url = server.Url();
  Result<HttpResponse> response = client.Perform(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 302);
}

TEST(HttpClientTest, ABodyAtTheBoundIsRead) {
  LoopbackSocket server;
  server.Listen(Answer(200, std::string(100, 'x')));
  HttpClientOptions options = LoopbackOptions();
  options.response_body_bytes_max = 100;
  HttpRequest request;
  request.url = server.Url();
  Result<HttpResponse> response = HttpClient(options).Perform(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body.size(), 100u);
  EXPECT_FALSE(response->body_cut);
}

TEST(HttpClientTest, ABodyPastTheBoundFailsTheCall) {
  LoopbackSocket server;
  server.Listen(Answer(200, std::string(101, 'x')));
  HttpClientOptions options = LoopbackOptions();
  options.response_body_bytes_max = 100;
  HttpRequest request;
  request.url = server.Url();
  Result<HttpResponse> response = HttpClient(options).Perform(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().reason, "http_no_answer");
  EXPECT_EQ(response.error().message, "the answer is longer than 100 bytes");
}

TEST(HttpClientTest, ABodyPastTheBoundIsCutWhenAllowed) {
  LoopbackSocket server;
  server.Listen(Answer(200, std::string(100'000, 'x')));
  HttpClientOptions options = LoopbackOptions();
  options.response_body_bytes_max = 100;
  options.cut_long_body = true;
  HttpRequest request;
  request.url = server.Url();
  Result<HttpResponse> response = HttpClient(options).Perform(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, std::string(100, 'x'));
  EXPECT_TRUE(response->body_cut);
}

TEST(HttpClientTest, NoListenerIsNoAnswer) {
  LoopbackSocket closed;
  HttpRequest request;
  request.url = closed.Url();
  Result<HttpResponse> response = HttpClient(LoopbackOptions()).Perform(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().reason, "http_no_answer");
}

TEST(HttpClientTest, RefusesASchemeOutsideItsProtocolsAndAMalformedUrl) {
  LoopbackSocket server;
  server.Listen(Answer(200, ""));  // Never reached.
  HttpClientOptions options = LoopbackOptions();
  options.protocols = "https";
  HttpRequest request;
  request.url = server.Url("http");
  for (const std::string& url :
       {server.Url("http"), std::string("file:///etc/passwd"), std::string("gopher://127.0.0.1/"),
        std::string("http://[127.0.0.1/"), std::string("")}) {
    SCOPED_TRACE(url);
    request.url = url;
    Result<HttpResponse> response = HttpClient(options).Perform(request);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(response.error().reason, "http_request_invalid");
  }
  // Let the listener finish: one request that it answers.
  request.url = server.Url("http");
  EXPECT_TRUE(HttpClient(LoopbackOptions()).Perform(request));
}

TEST(HttpClientTest, PublicAddressesOnlyOpensNoConnectionToAnotherAddress) {
  LoopbackSocket server;
  server.Listen(Answer(200, ""));  // Takes one connection: the allowed client's, below.
  HttpClientOptions options = LoopbackOptions();
  options.public_addresses_only = true;
  const std::string url = server.Url();
  const std::string after_host = url.substr(std::string("http://127.0.0.1").size());
  HttpRequest request;
  request.method = HttpMethod::kPost;
  request.headers = {"X-Simkeep-Test: refused"};
  request.body = "secret";
  for (const char* host :
       {"127.0.0.1", "localhost", "127.1", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0"}) {
    SCOPED_TRACE(host);
    request.url = std::string("http://") + host + after_host;
    Result<HttpResponse> response = HttpClient(options).Perform(request);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(response.error().reason, "http_address_refused");
    EXPECT_NE(response.error().message.find(") is not a public address"), std::string::npos)
        << response.error().message;
  }
  request.url = "http://10.1.2.3:9/";
  Result<HttpResponse> response = HttpClient(options).Perform(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().message, "10.1.2.3 (private) is not a public address");
  // The listener's one connection is the allowed client's: no refused one came before it.
  request.url = url;
  request.headers = {"X-Simkeep-Test: allowed"};
  ASSERT_TRUE(HttpClient(LoopbackOptions()).Perform(request));
  const std::string& sent = server.Request();
  EXPECT_NE(sent.find("X-Simkeep-Test: allowed"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("refused"), std::string::npos) << sent;
}

TEST(HttpClientTest, PublicAddressesOnlyLetsAPublicAddressThrough) {
  // 192.0.2.1 (TEST-NET-1) is public by its scope but routed nowhere: the connection is
  // attempted and fails like any other, worth trying again.
  HttpClientOptions options = LoopbackOptions();
  options.public_addresses_only = true;
  options.connect_timeout_ms = 300;
  options.total_timeout_ms = 300;
  HttpRequest request;
  request.url = "http://192.0.2.1:9/";
  Result<HttpResponse> response = HttpClient(options).Perform(request);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(response.error().reason, "http_no_answer");
}

TEST(HttpClientTest, RefusesAHeaderWithALineBreak) {
  HttpRequest request;
  request.url = "http://127.0.0.1:1/";
  for (const char* line : {"X-A: b\r\nX-Injected: c", "X-A: b\nc", "X-A: b\rc"}) {
    request.headers = {line};
    Result<HttpResponse> response = HttpClient(LoopbackOptions()).Perform(request);
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(response.error().reason, "http_request_invalid");
  }
}

}  // namespace
}  // namespace simkeep::net
