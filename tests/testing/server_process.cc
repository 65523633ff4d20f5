#include "tests/testing/server_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

extern char** environ;

namespace refund::e2e {
namespace {

constexpr char kListeningPrefix[] = "refund-server listening on ";
// util-linux, in every Debian system.
constexpr char kPrlimit[] = "/usr/bin/prlimit";

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& binary, const std::string& policies_dir,
    const std::string& db_path, absl::Duration timeout) {
  ServerProcessOptions options;
  options.timeout = timeout;
  return Start(binary, policies_dir, db_path, options);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& binary, const std::string& policies_dir,
    const std::string& db_path, const ServerProcessOptions& options) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Errno("pipe2");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  // The child starts with no blocked signals and default handlers, whatever
  // the test runner set up.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args;
  if (options.descriptor_limit > 0) {
    args = {kPrlimit,
            absl::StrCat("--nofile=",
                         options.soft_descriptor_limit > 0
                             ? options.soft_descriptor_limit
                             : options.descriptor_limit,
                         ":", options.descriptor_limit),
            "--"};
  }
  for (std::string arg : {binary, std::string("--listen=127.0.0.1:0"),
                          absl::StrCat("--policies=", policies_dir)}) {
    args.push_back(std::move(arg));
  }
  if (!db_path.empty()) args.push_back(absl::StrCat("--db=", db_path));
  // No drain on SIGTERM, and no line per call (tests make thousands), unless
  // a test asks: a later flag wins.
  args.push_back("--drain=0s");
  args.push_back("--log_level=warn");
  for (const std::string& arg : options.extra_args) args.push_back(arg);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0].c_str(), &actions, &attributes,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return absl::InternalError(
        absl::StrCat("posix_spawn ", binary, ": ", std::strerror(rc)));
  }
  std::unique_ptr<ServerProcess> process(new ServerProcess(pid, pipe_fds[0]));
  absl::Status ready = process->ReadListeningLine(options.timeout);
  if (!ready.ok()) return ready;
  process->channel_ = grpc::CreateChannel(
      process->address_, options.channel_credentials != nullptr
                             ? options.channel_credentials
                             : grpc::InsecureChannelCredentials());
  return process;
}

absl::Status ServerProcess::ReadListeningLine(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string output;
  for (;;) {
    const size_t newline = output.find('\n');
    if (newline != std::string::npos) {
      const std::string line = output.substr(0, newline);
      if (!absl::StartsWith(line, kListeningPrefix)) {
        return absl::InternalError(
            absl::StrCat("unexpected first line from server: ", line));
      }
      // "HOST:PORT version=V tls=MODE": the address, then key=value words
      // (a word this parser does not know is skipped).
      std::vector<std::string> words =
          absl::StrSplit(line.substr(sizeof(kListeningPrefix) - 1), ' ');
      address_ = words[0];
      for (size_t i = 1; i < words.size(); ++i) {
        if (absl::StartsWith(words[i], "version=")) {
          version_ = words[i].substr(8);
        } else if (absl::StartsWith(words[i], "tls=")) {
          tls_ = words[i].substr(4);
        }
      }
      if (address_.empty() || version_.empty()) {
        return absl::InternalError(absl::StrCat("bad line: ", line));
      }
      return absl::OkStatus();
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("server did not report its port");
    }
    pollfd poll_fd{stdout_fd_, POLLIN, 0};
    const int ready =
        poll(&poll_fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)));
    if (ready < 0 && errno != EINTR) return Errno("poll");
    if (ready <= 0) continue;
    char buffer[512];
    const ssize_t n = read(stdout_fd_, buffer, sizeof(buffer));
    if (n < 0 && errno != EINTR) return Errno("read");
    if (n == 0) {
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
      return absl::InternalError(
          absl::StrCat("server exited before listening (status ", status, ")"));
    }
    if (n > 0) output.append(buffer, static_cast<size_t>(n));
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::unique_ptr<v1::RefundDecisionService::Stub> ServerProcess::NewStub()
    const {
  return v1::RefundDecisionService::NewStub(channel_);
}

absl::Status ServerProcess::Signal(int signal_number) const {
  if (pid_ <= 0) return absl::FailedPreconditionError("server not running");
  if (kill(pid_, signal_number) != 0) return Errno("kill");
  return absl::OkStatus();
}

absl::StatusOr<int> ServerProcess::Kill() {
  channel_.reset();
  if (absl::Status sent = Signal(SIGKILL); !sent.ok()) return sent;
  int status = 0;
  pid_t done = -1;
  do {
    done = waitpid(pid_, &status, 0);
  } while (done < 0 && errno == EINTR);
  if (done < 0) return Errno("waitpid");
  pid_ = -1;
  if (!WIFSIGNALED(status)) {
    return absl::InternalError(absl::StrCat("server exited by itself (code ",
                                            WEXITSTATUS(status), ")"));
  }
  return WTERMSIG(status);
}

absl::StatusOr<int> ServerProcess::Stop(absl::Duration timeout) {
  channel_.reset();  // closes the connection unless a caller still holds it
  if (absl::Status sent = Signal(SIGTERM); !sent.ok()) return sent;
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return absl::InternalError(
          absl::StrCat("server died of signal ", WTERMSIG(status)));
    }
    if (done < 0) return Errno("waitpid");
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("server did not exit after SIGTERM");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::StatusOr<int> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service) {
  std::unique_ptr<grpc::health::v1::Health::Stub> stub =
      grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return static_cast<int>(response.status());
}

}  // namespace refund::e2e
