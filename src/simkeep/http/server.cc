#include "simkeep/http/server.h"

// Boost 1.74's Asio uses std::exchange in C++20 mode without including <utility> itself.
#include <array>
#include <atomic>
#include <cctype>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "simkeep/base/text.h"

namespace simkeep::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

const std::string kEmpty;

void ParseTarget(std::string_view target, Request& request) {
  const size_t question = target.find('?');
  request.path = PercentDecode(target.substr(0, question), false);
  if (question == std::string_view::npos) {
    return;
  }
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      request.query.emplace(
          PercentDecode(pair.substr(0, eq), true),
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
}

// One keep-alive connection. Lives as long as an operation on it is pending (shared_from_this:
// Asio's completion handlers hold it).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const ServerOptions& options, const Handler& handler)
      : stream_(std::move(socket)), options_(options), handler_(handler) {}

  void Start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.body_bytes_max);
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_bytes_max));
    stream_.expires_after(std::chrono::seconds(60));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      keep_alive_ = false;
      return Write(TransportProblem(413, "body_too_large",
                                    "The request body is larger than " +
                                        std::to_string(options_.body_bytes_max) + " bytes."));
    }
    if (ec) {
      keep_alive_ = false;
      return Write(TransportProblem(400, "http_malformed", "The HTTP request is malformed."));
    }
    bhttp::request<bhttp::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive();
    Request request;
    request.method = std::string(message.method_string());
    ParseTarget(std::string_view(message.target().data(), message.target().size()), request);
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    beast::error_code endpoint_error;
    auto endpoint = stream_.socket().remote_endpoint(endpoint_error);
    if (!endpoint_error) {
      request.remote_address = endpoint.address().to_string();
    }
    Dispatch(std::move(request));
  }

  void Dispatch(Request request) {
    auto self = shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self, answered](Response response) {
      if (answered->exchange(true)) {
        return;  // A handler answered twice; the first answer stands.
      }
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    };
    try {
      handler_(std::move(request), respond);
    } catch (...) {
      // The one catch-all of the HTTP layer: a handler bug must not take the server down.
      spdlog::error("request handler threw; answering 500");
      respond(TransportProblem(500, "internal", "The server hit an internal error."));
    }
  }

  void Write(Response response) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    message->set(bhttp::field::server, "simkeep");
    message->set(bhttp::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) {
      message->set(name, value);
    }
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_);
    message->prepare_payload();
    bhttp::async_write(
        stream_, *message,
        [self = shared_from_this(), message](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (ec || !keep_alive_) {
      return Close();
    }
    Read();
  }

  // A lingering close: stop sending, then read and discard until the client closes (or a
  // timeout), so that a client still sending a refused body receives our answer instead of a
  // connection reset.
  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(5));
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (!ec) {
                                self->Drain();
                              }
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::array<char, 4096> drain_buffer_{};
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const ServerOptions& options_;
  const Handler& handler_;
  bool keep_alive_ = true;
};

}  // namespace

const std::string& Request::Header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? kEmpty : it->second;
}

std::string Request::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

Response TransportProblem(int status, const std::string& code, const std::string& detail) {
  // Built by hand: the transport answers before any JSON library is involved, and these strings
  // come from the server itself (no escaping needed beyond what they contain).
  Response response;
  response.status = status;
  response.content_type = "application/problem+json";
  response.body = "{\"type\":\"urn:simkeep:problem:" + code + "\",\"title\":\"" + code +
                  "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" + detail +
                  "\",\"code\":\"" + code + "\",\"errors\":[]}";
  return response;
}

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  net::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  bool running = false;

  void Accept() {
    acceptor->async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) {
        return;
      }
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), options, handler)->Start();
      }
      Accept();
    });
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

Server::~Server() { Stop(); }

Result<uint16_t> Server::Start() {
  beast::error_code ec;
  const auto address = net::ip::make_address(impl_->options.address, ec);
  if (ec) {
    return InvalidArgument("address_invalid", "Cannot listen on " + impl_->options.address);
  }
  impl_->acceptor.emplace(impl_->io);
  const tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor->open(endpoint.protocol(), ec);
  if (!ec) {
    impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl_->acceptor->bind(endpoint, ec);
  }
  if (!ec) {
    impl_->acceptor->listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Unavailable("listen_failed", "Cannot listen on " + impl_->options.address + ":" +
                                            std::to_string(impl_->options.port) + ": " +
                                            ec.message());
  }
  const uint16_t port = impl_->acceptor->local_endpoint().port();
  impl_->Accept();
  impl_->running = true;
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return port;
}

void Server::Stop() {
  if (!impl_->running) {
    return;
  }
  impl_->running = false;
  net::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
  impl_->io.stop();
  for (std::thread& thread : impl_->threads) {
    thread.join();
  }
  impl_->threads.clear();
}

}  // namespace simkeep::http
