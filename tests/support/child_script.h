#ifndef SIMKEEP_TESTS_SUPPORT_CHILD_SCRIPT_H_
#define SIMKEEP_TESTS_SUPPORT_CHILD_SCRIPT_H_

// A helper program (a fake server, a sink) run as a child process of a test. The child reads
// nothing from its stdin but watches it: when the object goes, the pipe closes and the child
// stops (and so it stops too when the test process dies). Its first line of output is its
// greeting, typically a JSON object with the port it listens on.

#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

namespace simkeep::testing {

class ChildScript {
  struct Token {};

 public:
  // Runs `argv` (argv[0] a full path) and waits for its first line of output. nullptr, with a
  // message on stderr naming `name`, when it cannot be run or says nothing in time.
  static std::unique_ptr<ChildScript> Start(const std::string& name, std::vector<std::string> argv);
  ChildScript(Token, pid_t pid, int stdin_fd, std::string greeting);
  ~ChildScript();  // Closes the child's stdin and waits for it to exit (kills it after a while).
  ChildScript(const ChildScript&) = delete;
  ChildScript& operator=(const ChildScript&) = delete;

  // The first line the child wrote, without the line break.
  const std::string& greeting() const { return greeting_; }

 private:
  pid_t pid_;
  int stdin_fd_;
  std::string greeting_;
};

}  // namespace simkeep::testing

#endif  // SIMKEEP_TESTS_SUPPORT_CHILD_SCRIPT_H_
