#include "child_script.h"

#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace simkeep::testing {
namespace {

// How long a child may take to start (make a certificate, listen), and to exit once told to.
// Generous bounds for a loaded machine, not expectations.
constexpr auto kStartWait = std::chrono::seconds(60);
constexpr auto kStopWait = std::chrono::seconds(20);

// Reads the child's first line of output, or "" when none comes in time.
std::string ReadFirstLine(int fd) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + kStartWait;
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
    close(stdin_fd);  // The child's cue to shut down and clean up.
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

std::unique_ptr<ChildScript> ChildScript::Start(const std::string& name,
                                                std::vector<std::string> argv) {
  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) {
    std::perror((name + ": pipe").c_str());
    return nullptr;
  }
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    std::perror((name + ": pipe").c_str());
    close(to_child[0]);
    close(to_child[1]);
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (std::string& arg : argv) {
    args.push_back(arg.data());
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  if (spawned != 0) {
    std::fprintf(stderr, "%s: cannot run %s\n", name.c_str(), args[0]);
    close(to_child[1]);
    close(from_child[0]);
    return nullptr;
  }
  std::string greeting = ReadFirstLine(from_child[0]);
  close(from_child[0]);
  if (greeting.empty()) {
    std::fprintf(stderr, "%s: did not start\n", name.c_str());
    StopProcess(pid, to_child[1]);
    return nullptr;
  }
  return std::make_unique<ChildScript>(Token{}, pid, to_child[1], std::move(greeting));
}

ChildScript::ChildScript(Token, pid_t pid, int stdin_fd, std::string greeting)
    : pid_(pid), stdin_fd_(stdin_fd), greeting_(std::move(greeting)) {}

ChildScript::~ChildScript() { StopProcess(pid_, stdin_fd_); }

}  // namespace simkeep::testing
