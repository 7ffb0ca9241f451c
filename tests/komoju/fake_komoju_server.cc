#include "fake_komoju_server.h"

#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace simkeep::testing {
namespace {

// How long the server may take to make its certificate and listen, and to exit once told to.
// Generous bounds for a loaded machine, not expectations.
constexpr int kStartTimeoutMs = 60'000;
constexpr auto kStopWait = std::chrono::seconds(20);

// Reads the server's first line of output (its port and certificate), or "" when none comes.
std::string ReadFirstLine(int fd) {
  std::string line;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, 100) <= 0) {
      continue;
    }
    char c = 0;
    if (read(fd, &c, 1) != 1) {
      return "";
    }
    if (c == '\n') {
      return line;
    }
    line += c;
  }
  return "";
}

void StopProcess(pid_t pid, int stdin_fd) {
  if (stdin_fd >= 0) {
    close(stdin_fd);  // The server's cue to shut down and remove its directory.
  }
  const auto deadline = std::chrono::steady_clock::now() + kStopWait;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) != 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

std::unique_ptr<FakeKomojuServer> FakeKomojuServer::Start() {
  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
    std::perror("fake KOMOJU: pipe");
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  std::vector<std::string> args = {SIMKEEP_PYTHON3,    SIMKEEP_FAKE_KOMOJU_SCRIPT,
                                   "--secret-key",     std::string(kSecretKey),
                                   "--webhook-secret", std::string(kWebhookSecret)};
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  if (spawned != 0) {
    std::fprintf(stderr, "fake KOMOJU: cannot run %s\n", SIMKEEP_PYTHON3);
    close(to_child[1]);
    close(from_child[0]);
    return nullptr;
  }
  const std::string line = ReadFirstLine(from_child[0]);
  close(from_child[0]);
  const nlohmann::json hello = nlohmann::json::parse(line, nullptr, false);
  if (!hello.is_object() || !hello.contains("port") || !hello.contains("ca_file")) {
    std::fprintf(stderr, "fake KOMOJU: did not start (said \"%s\")\n", line.c_str());
    StopProcess(pid, to_child[1]);
    return nullptr;
  }
  const std::string base_url = "https://127.0.0.1:" + std::to_string(hello["port"].get<int>());
  return std::make_unique<FakeKomojuServer>(Token{}, pid, to_child[1], base_url,
                                            hello["ca_file"].get<std::string>());
}

FakeKomojuServer::FakeKomojuServer(Token, pid_t pid, int stdin_fd, std::string base_url,
                                   std::string ca_file)
    : pid_(pid),
      stdin_fd_(stdin_fd),
      base_url_(std::move(base_url)),
      ca_file_(std::move(ca_file)),
      client_(payments::komoju::internal::HttpsClientOptions{base_url_, std::string(kSecretKey),
                                                             ca_file_, 10'000, 60'000}) {}

FakeKomojuServer::~FakeKomojuServer() { StopProcess(pid_, stdin_fd_); }

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
