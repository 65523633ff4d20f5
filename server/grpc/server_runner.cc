#include "server/grpc/server_runner.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/bundles/bundle_holder.h"
#include "server/bundles/candidate_root.h"
#include "server/bundles/policy_reloader.h"
#include "server/grpc/descriptor_limit.h"
#include "server/grpc/listener_failure.h"
#include "server/grpc/log_health_watcher.h"
#include "server/grpc/refund_service.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/checkpoint/head_signer.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "server/log/open/open_decision_log.h"

namespace refund::server {
namespace {

sigset_t ServerSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

bool ServerSignalsBlocked() {
  sigset_t current;
  if (pthread_sigmask(SIG_BLOCK, nullptr, &current) != 0) return false;
  return sigismember(&current, SIGHUP) == 1 &&
         sigismember(&current, SIGINT) == 1 &&
         sigismember(&current, SIGTERM) == 1;
}

// "127.0.0.1:0" -> "127.0.0.1", "[::]:0" -> "[::]".
std::string HostOf(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

// The signal thread: SIGHUP reloads, SIGINT/SIGTERM start the shutdown.
void HandleSignals(grpc::Server& server, PolicyReloader& reloader,
                   absl::Duration grace) {
  const sigset_t signals = ServerSignals();
  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      absl::StatusOr<std::shared_ptr<const ActiveBundle>> active =
          reloader.Reload();
      if (active.ok()) {
        std::cerr << "refund-server: SIGHUP: reloaded version="
                  << (*active)->bundle->version() << std::endl;
      } else {
        std::cerr << "refund-server: SIGHUP: " << active.status().message()
                  << std::endl;
      }
      continue;
    }
    std::cerr << "refund-server: signal " << signal_number << ", shutting down"
              << std::endl;
    // Probes see NOT_SERVING first, so load balancers drain this replica.
    if (grpc::HealthCheckServiceInterface* health =
            server.GetHealthCheckService()) {
      health->Shutdown();
    }
    server.Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoSeconds(grace));
    return;
  }
}

int Milliseconds(absl::Duration duration) {
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT32_MAX));
}

void SetConnectionLimits(const ServerOptions& options,
                         grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             Milliseconds(options.max_connection_idle));
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             Milliseconds(options.handshake_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             Milliseconds(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             Milliseconds(options.keepalive_timeout));
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      Milliseconds(options.min_client_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
}

// The checkpoint signer of `options`, or null without a key; a key file
// that others may read is warned about (whoever reads it can sign a
// rewritten log's checkpoints).
absl::StatusOr<std::unique_ptr<const CheckpointSigner>> LoadCheckpointKey(
    const ServerOptions& options) {
  if (options.checkpoint_key.empty()) return nullptr;
  ASSIGN_OR_RETURN(std::unique_ptr<CheckpointSigner> signer,
                   CheckpointSigner::FromPemFile(options.checkpoint_key,
                                                 options.checkpoint_key_name));
  struct stat info;
  if (stat(options.checkpoint_key.c_str(), &info) == 0 &&
      (info.st_mode & 077) != 0) {
    std::cerr << "refund-server: warning: the checkpoint key "
              << options.checkpoint_key
              << " may be read by other users (chmod 600 it): whoever reads "
                 "it can sign checkpoints of a rewritten log"
              << std::endl;
  }
  return std::unique_ptr<const CheckpointSigner>(std::move(signer));
}

}  // namespace

std::string DefaultCheckpointOrigin(const std::string& db_spec) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::strcpy(host, "localhost");
  }
  std::string name = db_spec;
  if (absl::StartsWith(name, "sqlite:")) name = name.substr(strlen("sqlite:"));
  if (name == "memory:") name = "memory";
  const size_t slash = name.rfind('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  std::string origin = absl::StrCat(host, "/", name.empty() ? "log" : name);
  for (char& c : origin) {
    if (c < 0x21 || c > 0x7e) c = '_';
  }
  if (origin.size() > 256) origin.resize(256);
  return origin;
}

absl::Status BlockServerSignals() {
  const sigset_t signals = ServerSignals();
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return absl::InternalError("cannot block SIGHUP/SIGINT/SIGTERM");
  }
  return absl::OkStatus();
}

absl::Status RunServer(const ServerOptions& options, std::ostream& out) {
  if (!ServerSignalsBlocked()) {
    return absl::FailedPreconditionError(
        "RunServer: call BlockServerSignals() before starting any thread");
  }
  WatchForListenerFailure();
  absl::StatusOr<uint64_t> descriptors = RaiseDescriptorLimit();
  if (descriptors.ok()) {
    std::cerr << "refund-server: descriptor limit " << *descriptors
              << std::endl;
  } else {
    std::cerr << "refund-server: " << descriptors.status().message()
              << std::endl;
  }
  ASSIGN_OR_RETURN(CandidateRoot candidate_root,
                   CandidateRoot::Open(options.candidate_root));
  // Before the log is opened (or created): a bad key stops the start.
  ASSIGN_OR_RETURN(std::unique_ptr<const CheckpointSigner> checkpoint_key,
                   LoadCheckpointKey(options));
  const std::string origin = options.checkpoint_origin.empty()
                                 ? DefaultCheckpointOrigin(options.db_path)
                                 : options.checkpoint_origin;
  if (checkpoint_key != nullptr) {
    if (absl::Status valid = ValidateCheckpointOrigin(origin); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--checkpoint_origin: ", valid.message()));
    }
  }
  OpenLogOptions log_options;
  log_options.min_free_bytes = options.min_free_bytes;
  log_options.quick_check = options.quick_check;
  ASSIGN_OR_RETURN(std::unique_ptr<DecisionLog> log,
                   OpenDecisionLog(options.db_path, log_options));
  BundleHolder bundles;
  PolicyReloader reloader(options.policies_dir, bundles, *log);
  ASSIGN_OR_RETURN(std::shared_ptr<const ActiveBundle> active,
                   reloader.Reload());
  std::unique_ptr<HeadSigner> head_signer;
  if (checkpoint_key != nullptr) {
    ASSIGN_OR_RETURN(head_signer, HeadSigner::Create(
                                      *log, std::move(checkpoint_key), origin));
  }
  AuditCallPool audit_pool(options.audit);
  RefundService service(bundles, reloader, *log, audit_pool,
                        std::move(candidate_root), head_signer.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  SetConnectionLimits(options, builder);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  out << "refund-server listening on " << HostOf(options.listen) << ":" << port
      << " version=" << active->bundle->version() << std::endl;
  active.reset();  // a reload may free it

  std::optional<LogHealthWatcher> watcher;
  if (grpc::HealthCheckServiceInterface* health =
          server->GetHealthCheckService()) {
    // A log that is already not serving (found broken at open) is reported
    // at the first poll.
    watcher.emplace(*log, *health, options.health_poll, std::cerr);
  }
  std::optional<CheckpointPublisher> publisher;
  if (head_signer != nullptr) {
    const CheckpointSigner& key = head_signer->signer();
    std::cerr << "refund-server: checkpoints signed by key " << key.key_name()
              << " (key id " << ToHex(key.key_id()) << "), origin "
              << head_signer->origin();
    if (options.checkpoint_file.empty()) {
      std::cerr << ", on request only (GetCheckpoint; no --checkpoint_file)";
    } else {
      publisher.emplace(*head_signer, options.checkpoint_file,
                        options.checkpoint_schedule, std::cerr);
      std::cerr << ", written to " << options.checkpoint_file;
    }
    std::cerr << std::endl;
  }
  std::thread signal_thread(HandleSignals, std::ref(*server),
                            std::ref(reloader), options.shutdown_grace);
  server->Wait();
  signal_thread.join();
  if (watcher) watcher->Stop();
  // In-flight Decides have finished (or were cancelled); store what is queued.
  log->Close();
  // The final head, once nothing more can be appended. A failure is printed
  // by Finish; the shutdown itself was clean.
  if (publisher) publisher->Finish().IgnoreError();
  return absl::OkStatus();
}

}  // namespace refund::server
