#include "fake_komoju_server.h"

#include <cstdio>
#include <utility>

namespace simkeep::testing {

std::unique_ptr<FakeKomojuServer> FakeKomojuServer::Start() {
  std::unique_ptr<ChildScript> child = ChildScript::Start(
      "fake KOMOJU", {SIMKEEP_PYTHON3, SIMKEEP_FAKE_KOMOJU_SCRIPT, "--secret-key",
                      std::string(kSecretKey), "--webhook-secret", std::string(kWebhookSecret)});
  if (child == nullptr) {
    return nullptr;
  }
  const nlohmann::json hello = nlohmann::json::parse(child->greeting(), nullptr, false);
  if (!hello.is_object() || !hello.contains("port") || !hello.contains("ca_file")) {
    std::fprintf(stderr, "fake KOMOJU: did not start (said \"%s\")\n", child->greeting().c_str());
    return nullptr;
  }
  const std::string base_url = "https://127.0.0.1:" + std::to_string(hello["port"].get<int>());
  return std::make_unique<FakeKomojuServer>(Token{}, std::move(child), base_url,
                                            hello["ca_file"].get<std::string>());
}

FakeKomojuServer::FakeKomojuServer(Token, std::unique_ptr<ChildScript> child, std::string base_url,
                                   std::string ca_file)
    : child_(std::move(child)),
      base_url_(std::move(base_url)),
      ca_file_(std::move(ca_file)),
      client_(payments::komoju::internal::HttpsClientOptions{base_url_, std::string(kSecretKey),
                                                             ca_file_, 10'000, 60'000}) {}

FakeKomojuServer::~FakeKomojuServer() = default;

payments::KomojuConfig FakeKomojuServer::Config() const {
  payments::KomojuConfig config;
  config.base_url = base_url_;
  config.secret_key = std::string(kSecretKey);
  config.webhook_secret = std::string(kWebhookSecret);
  config.ca_file = ca_file_;
  return config;
}

nlohmann::json FakeKomojuServer::Get(std::string_view path, int* status) const {
  Result<payments::komoju::internal::HttpsResponse> response = client_.Get(path);
  if (status != nullptr) {
    *status = response ? response->status : 0;
  }
  return response ? nlohmann::json::parse(response->body, nullptr, false) : nlohmann::json();
}

nlohmann::json FakeKomojuServer::Post(std::string_view path, std::string_view body,
                                      int* status) const {
  Result<payments::komoju::internal::HttpsResponse> response = client_.Post(path, body, "");
  if (status != nullptr) {
    *status = response ? response->status : 0;
  }
  return response ? nlohmann::json::parse(response->body, nullptr, false) : nlohmann::json();
}

}  // namespace simkeep::testing
