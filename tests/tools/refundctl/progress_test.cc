// Progress on a terminal (tools/refundctl/progress_reporter.h): the real
// refundctl binary run with its standard error on a pseudo-terminal draws
// progress lines and a summary; with standard error on a pipe it draws
// nothing.
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/log_builder.h"

namespace refund {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kCases = 3000;

struct ChildRun {
  int exit_code = -1;
  std::string err;  // what it wrote to standard error
};

// In the child: standard output to /dev/null, then exec refundctl `args`.
[[noreturn]] void ExecRefundctl(const std::vector<std::string>& args) {
  const int null = open("/dev/null", O_WRONLY);
  if (null >= 0) dup2(null, STDOUT_FILENO);
  std::vector<char*> argv;
  static char name[] = "refundctl";
  argv.push_back(name);
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  execv(REFUNDCTL_BINARY, argv.data());
  _exit(127);
}

std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return text;  // EOF, or EIO once the pty's other side is closed
    }
  }
}

int Wait(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// refundctl with its standard error (and input) on a pseudo-terminal.
ChildRun RunOnTerminal(const std::vector<std::string>& args) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) ExecRefundctl(args);
  ChildRun run;
  if (pid < 0) return run;
  run.err = ReadAll(master);
  close(master);
  run.exit_code = Wait(pid);
  return run;
}

// refundctl with its standard error on a pipe.
ChildRun RunOnPipe(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    ExecRefundctl(args);
  }
  close(fds[1]);
  ChildRun run;
  run.err = ReadAll(fds[0]);
  close(fds[0]);
  if (pid > 0) run.exit_code = Wait(pid);
  return run;
}

class ProgressTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto stored = testing::StoredLog::Create(kCases);
    ASSERT_TRUE(stored.ok()) << stored.status();
    stored_ = stored->release();
    stored_->log.reset();
  }
  static void TearDownTestSuite() {
    delete stored_;
    stored_ = nullptr;
  }

  static testing::StoredLog* stored_;
};

testing::StoredLog* ProgressTest::stored_ = nullptr;

struct Expected {
  std::vector<std::string> args;
  std::string progress;  // the start of a progress line
  std::string summary;   // the summary line's start
};

std::vector<Expected> Commands(const std::string& db, const std::string& copy) {
  return {
      {{"replay", "--db", db, "--format=csv"},
       "\rreplay: ",
       "replay: " + std::to_string(kCases) + " decisions in "},
      {{"verify", "--db", db},
       "\rverify: ",
       "verify: " + std::to_string(kCases) + " rows checked in "},
      {{"export", "--db", db},
       "\rexport: ",
       "export: " + std::to_string(kCases) + " rows read in "},
      {{"migrate", "--from", db, "--to", "sqlite:" + copy},
       "\rmigrate: copying: ",
       "migrate: copying: " + std::to_string(kCases) + " decisions in "},
  };
}

TEST_F(ProgressTest, ATerminalSeesProgressAndASummary) {
  const std::string copy = stored_->dir.path() + "/terminal-copy.db";
  for (const Expected& command : Commands(stored_->path, copy)) {
    const ChildRun run = RunOnTerminal(command.args);
    EXPECT_EQ(run.exit_code, 0) << command.args[0] << ": " << run.err;
    EXPECT_THAT(run.err, HasSubstr(command.progress)) << command.args[0];
    EXPECT_THAT(run.err, HasSubstr(command.summary)) << command.args[0];
    EXPECT_THAT(run.err, HasSubstr("/s")) << command.args[0];
  }
  // The total is known for an unfiltered run: how far, in per cent.
  const ChildRun replay = RunOnTerminal({"replay", "--db", stored_->path});
  EXPECT_THAT(replay.err, HasSubstr(" of " + std::to_string(kCases)));
}

TEST_F(ProgressTest, APipeSeesNoProgress) {
  const std::string copy = stored_->dir.path() + "/pipe-copy.db";
  for (const Expected& command : Commands(stored_->path, copy)) {
    const ChildRun run = RunOnPipe(command.args);
    EXPECT_EQ(run.exit_code, 0) << command.args[0] << ": " << run.err;
    EXPECT_THAT(run.err, Not(HasSubstr("\r"))) << command.args[0];
    EXPECT_THAT(run.err, Not(HasSubstr(command.summary))) << command.args[0];
  }
}

}  // namespace
}  // namespace refund
