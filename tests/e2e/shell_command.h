// Running a program the way an operator would (refundctl, refund-server
// with flags that stop it, the sqlite3 shell), for end-to-end tests.
#ifndef TESTS_E2E_SHELL_COMMAND_H_
#define TESTS_E2E_SHELL_COMMAND_H_

#include <string>

namespace refund::e2e {

struct CommandResult {
  // -1 when the command could not be run or did not exit normally.
  int exit_code = -1;
  // Standard output and standard error, interleaved.
  std::string output;
};

// Runs `command` with /bin/sh and waits for it.
CommandResult RunCommand(const std::string& command);

// The whole content of the file at `path`; empty when it cannot be read.
std::string ReadWholeFile(const std::string& path);

}  // namespace refund::e2e

#endif  // TESTS_E2E_SHELL_COMMAND_H_
