// Starts the real refund-server binary for end-to-end tests and talks to it
// through the generated client stub.
#ifndef TESTS_TESTING_SERVER_PROCESS_H_
#define TESTS_TESTING_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"

namespace refund::e2e {

struct ServerProcessOptions {
  // Flags added after --listen, --policies and --db (e.g. --log, with an
  // empty db_path).
  std::vector<std::string> extra_args;
  // > 0: the child's hard RLIMIT_NOFILE, and its soft one
  // (`soft_descriptor_limit`, or the hard one when 0), set by prlimit(1),
  // which then executes the server, so the child's pid is the server's.
  int descriptor_limit = 0;
  int soft_descriptor_limit = 0;
  // How long to wait for the "listening on" line.
  absl::Duration timeout = absl::Seconds(60);
  // The credentials of channel() (a TLS server needs TLS ones, e.g.
  // grpc::experimental::TlsCredentials trusting the test CA); null:
  // plaintext.
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials = nullptr;
};

// One refund-server child process. Not thread-safe.
class ServerProcess {
 public:
  // As below, with `options`.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& binary, const std::string& policies_dir,
      const std::string& db_path, const ServerProcessOptions& options);

  // Spawns `binary --listen=127.0.0.1:0 --policies=... --db=... --drain=0s
  // --log_level=warn` (no --db when `db_path` is empty: the server's
  // default, or options' --log; options' flags replace these) and
  // waits (up to `timeout`) for its "listening on" line. The child's stderr is
  // the test's, so its messages appear in the test log.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& binary, const std::string& policies_dir,
      const std::string& db_path, absl::Duration timeout = absl::Seconds(60));

  // Kills the child (SIGKILL) if it still runs.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // "127.0.0.1:PORT", the bundle version and the transport ("off", "tls",
  // "mtls", "mtls_optional"), from the first stdout line.
  const std::string& address() const { return address_; }
  const std::string& version() const { return version_; }
  const std::string& tls() const { return tls_; }
  pid_t pid() const { return pid_; }

  std::unique_ptr<v1::RefundDecisionService::Stub> NewStub() const;
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  absl::Status Signal(int signal_number) const;

  // Sends SIGKILL (no chance to finish anything: what a crash or the OOM
  // killer does) and waits for the child; returns the signal it died of, or
  // an error when it had exited by itself.
  absl::StatusOr<int> Kill();

  // Drops this object's channel, sends SIGTERM and waits for the exit; returns
  // the exit code, or an error when it does not exit within `timeout` or dies
  // of a signal.
  absl::StatusOr<int> Stop(absl::Duration timeout = absl::Seconds(30));

 private:
  ServerProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  absl::Status ReadListeningLine(absl::Duration timeout);

  pid_t pid_;
  int stdout_fd_;
  std::string address_;
  std::string version_;
  std::string tls_;
  std::shared_ptr<grpc::Channel> channel_;
};

// Asks grpc.health.v1.Health/Check for `service`'s status (empty: the
// server's overall status); returns the ServingStatus number (1 = SERVING,
// 2 = NOT_SERVING), or the call's error (NOT_FOUND: an unknown service).
absl::StatusOr<int> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service = "");

}  // namespace refund::e2e

#endif  // TESTS_TESTING_SERVER_PROCESS_H_
