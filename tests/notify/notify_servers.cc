#include "notify_servers.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace simkeep::testing {
namespace {

// The records a server wrote to `directory` (NNNNNN.json, whole files only), oldest first.
std::vector<nlohmann::json> ReadRecords(const std::string& directory) {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().extension() == ".json") {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<nlohmann::json> records;
  for (const auto& path : paths) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    records.push_back(nlohmann::json::parse(text.str()));
  }
  return records;
}

nlohmann::json ParseGreeting(const ChildScript& child) {
  return nlohmann::json::parse(child.greeting(), nullptr, false);
}

}  // namespace

std::string DecodeBase64(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/' || c == '=') {
      clean += c;
    }
  }
  if (clean.empty() || clean.size() % 4 != 0) {
    return {};
  }
  std::string out(clean.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(clean.data()),
                                      static_cast<int>(clean.size()));
  if (written < 0) {
    return {};
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  const size_t padding = clean.ends_with("==") ? 2 : clean.ends_with('=') ? 1 : 0;
  out.resize(static_cast<size_t>(written) - padding);
  return out;
}

std::unique_ptr<SmtpSink> SmtpSink::Start(const SmtpSinkOptions& options) {
  std::vector<std::string> argv = {SIMKEEP_PYTHON3, SIMKEEP_SMTP_SINK_SCRIPT};
  for (const auto& [code, address] : options.replies) {
    argv.push_back("--reply");
    argv.push_back(std::to_string(code) + ":" + address);
  }
  if (options.starttls) {
    argv.push_back("--starttls");
  }
  if (!options.user.empty()) {
    argv.insert(argv.end(), {"--user", options.user, "--password", options.password});
  }
  std::unique_ptr<ChildScript> child = ChildScript::Start("smtp sink", std::move(argv));
  if (child == nullptr) {
    return nullptr;
  }
  const nlohmann::json hello = ParseGreeting(*child);
  if (!hello.is_object() || !hello.contains("port") || !hello.contains("dir")) {
    std::fprintf(stderr, "smtp sink: said \"%s\"\n", child->greeting().c_str());
    return nullptr;
  }
  return std::make_unique<SmtpSink>(std::move(child), hello["port"].get<int>(),
                                    hello["dir"].get<std::string>(),
                                    hello["ca_file"].get<std::string>());
}

SmtpSink::SmtpSink(std::unique_ptr<ChildScript> child, int port, std::string directory,
                   std::string ca_file)
    : child_(std::move(child)),
      port_(port),
      directory_(std::move(directory)),
      ca_file_(std::move(ca_file)) {}

std::vector<ReceivedMail> SmtpSink::Received() const {
  std::vector<ReceivedMail> mails;
  for (const nlohmann::json& record : ReadRecords(directory_)) {
    mails.push_back(ReceivedMail{record["mail_from"].get<std::string>(),
                                 record["rcpt_tos"].get<std::vector<std::string>>(),
                                 DecodeBase64(record["data_b64"].get<std::string>())});
  }
  return mails;
}

std::unique_ptr<HttpReceiver> HttpReceiver::Start() {
  std::unique_ptr<ChildScript> child =
      ChildScript::Start("http receiver", {SIMKEEP_PYTHON3, SIMKEEP_HTTP_RECEIVER_SCRIPT});
  if (child == nullptr) {
    return nullptr;
  }
  const nlohmann::json hello = ParseGreeting(*child);
  if (!hello.is_object() || !hello.contains("port") || !hello.contains("dir")) {
    std::fprintf(stderr, "http receiver: said \"%s\"\n", child->greeting().c_str());
    return nullptr;
  }
  return std::make_unique<HttpReceiver>(std::move(child), hello["port"].get<int>(),
                                        hello["dir"].get<std::string>());
}

HttpReceiver::HttpReceiver(std::unique_ptr<ChildScript> child, int port, std::string directory)
    : child_(std::move(child)), port_(port), directory_(std::move(directory)) {}

std::string HttpReceiver::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

std::vector<ReceivedRequest> HttpReceiver::Received() const {
  std::vector<ReceivedRequest> requests;
  for (const nlohmann::json& record : ReadRecords(directory_)) {
    ReceivedRequest request;
    request.method = record["method"].get<std::string>();
    request.path = record["path"].get<std::string>();
    for (const auto& pair : record["headers"]) {
      std::string name = pair[0].get<std::string>();
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers[name] = pair[1].get<std::string>();
    }
    request.body = DecodeBase64(record["body_b64"].get<std::string>());
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace simkeep::testing
