#include "server/grpc/server_runner.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
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
#include "server/log/log_keyring.h"
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

}  // namespace

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
  OpenLogOptions log_options;
  log_options.min_free_bytes = options.min_free_bytes;
  log_options.quick_check = options.quick_check;
  if (!options.log_key_file.empty()) {
    ASSIGN_OR_RETURN(log_options.keyring,
                     LogKeyring::ReadFile(options.log_key_file));
    std::cerr << "refund-server: decision log rows sealed with key \""
              << log_options.keyring->current_key_id() << "\" ("
              << log_options.keyring->key_ids().size() << " keys in "
              << options.log_key_file << ")" << std::endl;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<DecisionLog> log,
                   OpenDecisionLog(options.db_path, log_options));
  BundleHolder bundles;
  PolicyReloader reloader(options.policies_dir, bundles, *log);
  ASSIGN_OR_RETURN(std::shared_ptr<const ActiveBundle> active,
                   reloader.Reload());
  AuditCallPool audit_pool(options.audit);
  RefundService service(bundles, reloader, *log, audit_pool,
                        std::move(candidate_root));

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
  std::thread signal_thread(HandleSignals, std::ref(*server),
                            std::ref(reloader), options.shutdown_grace);
  server->Wait();
  signal_thread.join();
  if (watcher) watcher->Stop();
  // In-flight Decides have finished (or were cancelled); store what is queued.
  log->Close();
  return absl::OkStatus();
}

}  // namespace refund::server
