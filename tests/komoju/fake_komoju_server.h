#ifndef SIMKEEP_TESTS_KOMOJU_FAKE_KOMOJU_SERVER_H_
#define SIMKEEP_TESTS_KOMOJU_FAKE_KOMOJU_SERVER_H_

// The fake KOMOJU server (tests/komoju/fake_komoju.py) as a child process of a test: started on a
// free loopback port with a certificate of its own, reached over HTTPS, stopped when the object
// goes (and by itself when the test process dies, since its stdin then closes).

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "child_script.h"
#include "simkeep/payments/komoju/internal/https_client.h"
#include "simkeep/payments/komoju/komoju_provider.h"

namespace simkeep::testing {

class FakeKomojuServer {
  struct Token {};

 public:
  static constexpr std::string_view kSecretKey = "sk_test_simkeep_fake";
  static constexpr std::string_view kWebhookSecret = "whsec_simkeep_fake";

  // Starts the server and waits for it to listen. nullptr (and a message on stderr) when it
  // cannot be started.
  static std::unique_ptr<FakeKomojuServer> Start();
  ~FakeKomojuServer();  // Stops the server and waits for it to exit.
  FakeKomojuServer(const FakeKomojuServer&) = delete;
  FakeKomojuServer& operator=(const FakeKomojuServer&) = delete;

  const std::string& base_url() const { return base_url_; }
  const std::string& ca_file() const { return ca_file_; }
  // A configuration that reaches this server: its URL, secret key, webhook secret and CA.
  payments::KomojuConfig Config() const;

  // Calls the API or a /_test/ control endpoint; the parsed JSON answer (null when the call had
  // no answer), and the HTTP status in `status` when given.
  nlohmann::json Get(std::string_view path, int* status = nullptr) const;
  nlohmann::json Post(std::string_view path, std::string_view body = "{}",
                      int* status = nullptr) const;

  FakeKomojuServer(Token, std::unique_ptr<ChildScript> child, std::string base_url,
                   std::string ca_file);

 private:
  std::unique_ptr<ChildScript> child_;  // Going stops the server.
  std::string base_url_;
  std::string ca_file_;
  payments::komoju::internal::HttpsClient client_;
};

}  // namespace simkeep::testing

#endif  // SIMKEEP_TESTS_KOMOJU_FAKE_KOMOJU_SERVER_H_
