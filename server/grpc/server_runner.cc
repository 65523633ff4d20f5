#include "server/grpc/server_runner.h"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
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
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "refund/build_info.h"
#include "server/access/access_policy.h"
#include "server/access/refused_call_log.h"
#include "server/bundles/bundle_holder.h"
#include "server/bundles/candidate_root.h"
#include "server/bundles/policy_reloader.h"
#include "server/grpc/bind_check.h"
#include "server/grpc/call_authorizer.h"
#include "server/grpc/call_interceptor.h"
#include "server/grpc/descriptor_limit.h"
#include "server/grpc/grpc_log_routing.h"
#include "server/grpc/listener_failure.h"
#include "server/grpc/log_health_watcher.h"
#include "server/grpc/pid_file.h"
#include "server/grpc/refund_service.h"
#include "server/grpc/server_credentials.h"
#include "server/grpc/systemd_notify.h"
#include "server/log/checkpoint/checkpoint_signer.h"
#include "server/log/checkpoint/head_signer.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "server/log/log_keyring.h"
#include "server/log/log_spec.h"
#include "server/log/open/open_decision_log.h"
#include "server/logging/call_logger.h"
#include "server/logging/log_line_stream.h"
#include "server/logging/server_logger.h"
#include "server/metrics/server_metrics.h"
#include "server/telemetry/server_observer.h"

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

// A notification systemd did not get (server/grpc/systemd_notify.h) is
// said, not fatal.
void WarnIfUnnotified(const absl::Status& notified) {
  if (notified.ok()) return;
  std::cerr << "refund-server: systemd: " << notified.message() << std::endl;
}

// The signal thread: SIGHUP reloads, SIGINT/SIGTERM start the shutdown.
// SIGHUP's second half: the access policy, when there is one. A policy that
// does not load leaves the last good one in force.
void ReloadAccessPolicy(const std::string& path, CallAuthorizer& authorizer,
                        std::ostream& out) {
  if (path.empty()) return;
  absl::StatusOr<std::shared_ptr<const AccessPolicy>> policy =
      AccessPolicy::Load(path);
  if (!policy.ok()) {
    out << "refund-server: SIGHUP: access policy refused, the last "
           "good one stays:\n"
        << policy.status().message() << std::endl;
    return;
  }
  const int principals = (*policy)->principal_count();
  authorizer.SetPolicy(*std::move(policy));
  out << "refund-server: SIGHUP: access policy reloaded, " << principals
      << " principals" << std::endl;
}

// The drain of a SIGTERM: waits `drain`, or until SIGINT or another SIGTERM
// cuts it short (SIGHUP is not acted on meanwhile).
void Drain(const sigset_t& signals, absl::Duration drain, std::ostream& out) {
  const absl::Time end = absl::Now() + drain;
  for (;;) {
    const absl::Duration left = end - absl::Now();
    if (left <= absl::ZeroDuration()) return;
    const timespec wait = absl::ToTimespec(left);
    siginfo_t info;
    const int signal_number = sigtimedwait(&signals, &info, &wait);
    if (signal_number == SIGINT || signal_number == SIGTERM) {
      out << "refund-server: signal " << signal_number
          << " during the drain: stopping now" << std::endl;
      return;
    }
  }
}

void HandleSignals(grpc::Server& server, PolicyReloader& reloader,
                   const std::string& access_policy, CallAuthorizer& authorizer,
                   absl::Duration drain, absl::Duration grace,
                   std::ostream& out) {
  const sigset_t signals = ServerSignals();
  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number == SIGHUP) {
      WarnIfUnnotified(NotifyReloading());
      // Logged, with its result, by the reloader's listener.
      absl::StatusOr<std::shared_ptr<const ActiveBundle>> active =
          reloader.Reload(ReloadSource::kSignal);
      ReloadAccessPolicy(access_policy, authorizer, out);
      WarnIfUnnotified(NotifyReady(
          active.ok()
              ? absl::StrCat("reloaded version=", (*active)->bundle->version())
              : "reload refused, the last good bundle serves"));
      continue;
    }
    WarnIfUnnotified(NotifyStopping());
    // Probes see NOT_SERVING first (every service, for good), so load
    // balancers drain this replica while it still answers.
    if (grpc::HealthCheckServiceInterface* health =
            server.GetHealthCheckService()) {
      health->Shutdown();
    }
    if (signal_number == SIGTERM && drain > absl::ZeroDuration()) {
      out << "refund-server: SIGTERM: health NOT_SERVING, draining for "
          << absl::FormatDuration(drain) << std::endl;
      Drain(signals, drain, out);
    }
    out << "refund-server: signal " << signal_number << ", shutting down"
        << std::endl;
    server.Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
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
  // One server per port: with SO_REUSEPORT (gRPC's default) a second server
  // on the same port would start and take half the connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
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

// The metrics endpoint of --metrics_listen; null without one.
absl::StatusOr<std::unique_ptr<ServerMetrics>> StartMetrics(
    const ServerOptions& options) {
  if (options.metrics_listen.empty()) return nullptr;
  MetricsOptions metrics;
  metrics.listen = options.metrics_listen;
  metrics.shop_label = options.metrics_shop_label;
  // A SQLite file's WAL beside it; no WAL for PostgreSQL or memory:.
  if (!IsPostgresUri(options.log_spec) && options.log_spec != "memory:") {
    absl::string_view path = options.log_spec;
    absl::ConsumePrefix(&path, "sqlite:");
    metrics.wal_file = absl::StrCat(path, "-wal");
  }
  return ServerMetrics::Start(metrics);
}

// The start-up line: what runs, where, on what.
void LogStartUp(const ServerOptions& options, ServerLogger& logger,
                const ServerMetrics* metrics, const ActiveBundle& active,
                absl::string_view tls, int port) {
  const std::string listen =
      absl::StrCat(ListenHost(options.listen), ":", port);
  const std::string metrics_at =
      metrics == nullptr ? std::string("off")
                         : absl::StrCat(ListenHost(options.metrics_listen), ":",
                                        metrics->port());
  logger.Log(LogLevel::kInfo, "start",
             {{"version", kBuildVersion},
              {"commit", kBuildCommit},
              {"build_type", kBuildType},
              {"listen", listen},
              {"tls", tls},
              {"metrics", metrics_at},
              {"store", options.log_spec},
              {"bundle_name", active.bundle->name()},
              {"bundle_version", active.bundle->version()}});
  logger.Flush();
}

// The error of a log that cannot be opened, in one line naming the spec (a
// store's message may run over several lines, as libpq's do).
absl::Status OpenFailure(const std::string& spec, const absl::Status& status) {
  std::string message;
  bool space = false;
  for (char c : status.message()) {
    if (c == '\n' || c == '\r' || c == '\t') {
      space = !message.empty();
      continue;
    }
    if (space) {
      absl::StrAppend(&message, c == ' ' ? ";" : "; ");
      space = false;
    }
    message.push_back(c);
  }
  absl::string_view why = message;
  absl::ConsumePrefix(&why, "decision log: ");
  return absl::Status(status.code(),
                      absl::StrCat("decision log ", spec, ": ", why));
}

}  // namespace

std::string DefaultCheckpointOrigin(const std::string& log_spec) {
  std::string origin;
  if (IsPostgresUri(log_spec)) {
    // The database server's name, not this machine's: every replica that
    // shares the database signs the same log.
    absl::StatusOr<PostgresUri> uri = ParsePostgresUri(log_spec);
    std::string hosts = "localhost";
    std::string database = "postgres";
    if (uri.ok()) {
      if (!uri->hosts.empty()) hosts = absl::StrJoin(uri->hosts, ",");
      if (!uri->database.empty()) {
        database = uri->database;
      } else if (!uri->user.empty()) {
        database = uri->user;
      }
    }
    origin = absl::StrCat(hosts, "/", database);
  } else {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
      std::strcpy(host, "localhost");
    }
    std::string name = log_spec;
    if (absl::StartsWith(name, "sqlite:")) {
      name = name.substr(strlen("sqlite:"));
    }
    if (name == "memory:") name = "memory";
    const size_t slash = name.rfind('/');
    if (slash != std::string::npos) name = name.substr(slash + 1);
    origin = absl::StrCat(host, "/", name.empty() ? "log" : name);
  }
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
  // First: a refused listener is reported before anything else is said.
  ASSIGN_OR_RETURN(
      ListenerCredentials listener,
      MakeListenerCredentials(options.listen, options.tls, options.insecure));
  // Off loopback, someone must decide who may call: the access policy, or
  // the client CA (every holder of its certificates may call everything), or
  // the operator saying --insecure.
  if (options.access_policy.empty() && !options.insecure &&
      listener.security != TransportSecurity::kMutualTls &&
      !IsLoopbackHost(ListenHost(options.listen))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to serve ", options.listen,
        " to every caller: give --access_policy (or --tls_client_ca, so that "
        "only holders of its certificates connect), or --insecure"));
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
                                 ? DefaultCheckpointOrigin(options.log_spec)
                                 : options.checkpoint_origin;
  if (checkpoint_key != nullptr) {
    if (absl::Status valid = ValidateCheckpointOrigin(origin); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--checkpoint_origin: ", valid.message()));
    }
  }
  // Before the log is opened too: a policy that does not load stops the
  // start with nothing created.
  std::shared_ptr<const AccessPolicy> access_policy;
  if (!options.access_policy.empty()) {
    absl::StatusOr<std::shared_ptr<const AccessPolicy>> loaded =
        AccessPolicy::Load(options.access_policy);
    if (!loaded.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--access_policy: ", loaded.status().message()));
    }
    access_policy = *std::move(loaded);
  }
  std::ofstream access_log_file;
  if (!options.access_log.empty()) {
    access_log_file.open(options.access_log, std::ios::app);
    if (!access_log_file) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--access_log: cannot open ", options.access_log, " to append"));
    }
  }
  // The log lines and metrics, before the log is opened: a bad
  // --metrics_listen or --log_file stops the start with nothing created.
  ASSIGN_OR_RETURN(std::unique_ptr<ServerLogger> logger,
                   ServerLogger::Create(options.logging));
  ASSIGN_OR_RETURN(std::unique_ptr<ServerMetrics> metrics,
                   StartMetrics(options));
  RouteGrpcLogTo(*logger);
  struct StopRouting {
    ~StopRouting() { StopRoutingGrpcLog(); }
  } stop_routing;
  CallLogger call_logger(*logger);
  ObserverSet observers;
  observers.Add(&call_logger);
  if (metrics != nullptr) observers.Add(metrics.get());

  OpenLogOptions log_options;
  log_options.writer_observer = metrics.get();
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
  absl::StatusOr<std::unique_ptr<DecisionLog>> opened =
      OpenDecisionLog(options.log_spec, log_options);
  if (!opened.ok()) return OpenFailure(options.log_spec, opened.status());
  std::unique_ptr<DecisionLog> log = *std::move(opened);
  BundleHolder bundles;
  PolicyReloader reloader(options.policies_dir, bundles, *log,
                          options.shop_policies_dir);
  reloader.SetListener(
      [&observers](const ReloadEvent& reload) { observers.OnReload(reload); });
  ASSIGN_OR_RETURN(std::shared_ptr<const ActiveBundle> active,
                   reloader.Reload());
  std::unique_ptr<HeadSigner> head_signer;
  if (checkpoint_key != nullptr) {
    ASSIGN_OR_RETURN(head_signer, HeadSigner::Create(
                                      *log, std::move(checkpoint_key), origin));
  }
  AuditCallPool audit_pool(options.audit);

  RefusedCallLog refusals(options.access_log.empty() ? std::cerr
                                                     : access_log_file);
  refusals.SetWatcher(
      [&observers](const RefusedCall& call) { observers.OnRefusedCall(call); });
  if (options.access_log.empty()) {
    refusals.SetLineWriter([&logger](const std::string& line) {
      absl::string_view text = line;
      absl::ConsumePrefix(&text, "refund-server: refused ");
      logger->Log(LogLevel::kWarn, "refused", {{"call", text}});
    });
  }
  CallAuthorizer authorizer(std::move(access_policy), refusals);
  RefundService service(bundles, reloader, *log, audit_pool, authorizer,
                        std::move(candidate_root), head_signer.get(),
                        metrics.get());

  grpc::EnableDefaultHealthCheckService(true);
  // Puts grpc.health.v1 in the generated descriptor pool
  // (proto/grpc/health/v1/health.proto), where reflection looks for it.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, listener.credentials, &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  SetConnectionLimits(options, builder);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<CallInterceptorFactory>(
      observers, call_logger.logs_ok_calls()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    const std::string why = WhyCannotBind(options.listen);
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen, why.empty() ? "" : ": ", why));
  }
  std::optional<PidFile> pid_file;
  if (!options.pid_file.empty()) {
    absl::StatusOr<PidFile> written = PidFile::Write(options.pid_file);
    if (!written.ok()) {
      server->Shutdown();
      return written.status();
    }
    pid_file.emplace(*std::move(written));
  }
  out << "refund-server listening on " << ListenHost(options.listen) << ":"
      << port << " version=" << active->bundle->version()
      << " tls=" << TransportSecurityName(listener.security) << std::endl;
  WarnIfUnnotified(
      NotifyReady(absl::StrCat("serving ", ListenHost(options.listen), ":",
                               port, " version=", active->bundle->version())));
  LogStartUp(options, *logger, metrics.get(), *active,
             TransportSecurityName(listener.security), port);
  active.reset();  // a reload may free it

  // What the threads below say, as log lines (one stream per thread).
  LogLineStream health_lines(*logger, LogLevel::kWarn);
  LogLineStream checkpoint_lines(*logger, LogLevel::kInfo);
  LogLineStream signal_lines(*logger, LogLevel::kInfo);
  std::optional<LogHealthWatcher> watcher;
  if (grpc::HealthCheckServiceInterface* health =
          server->GetHealthCheckService()) {
    // A log that is already not serving (found broken at open) is reported
    // at the first poll.
    watcher.emplace(*log, *health, options.health_poll, health_lines);
  }
  std::optional<CheckpointPublisher> publisher;
  if (head_signer != nullptr) {
    const CheckpointSigner& key = head_signer->signer();
    LogLineStream start_lines(*logger, LogLevel::kInfo);
    start_lines << "checkpoints signed by key " << key.key_name() << " (key id "
                << ToHex(key.key_id()) << "), origin " << head_signer->origin();
    if (options.checkpoint_file.empty()) {
      start_lines << ", on request only (GetCheckpoint; no --checkpoint_file)";
    } else {
      publisher.emplace(*head_signer, options.checkpoint_file,
                        options.checkpoint_schedule, checkpoint_lines);
      start_lines << ", written to " << options.checkpoint_file;
    }
    start_lines << std::endl;
  }
  std::thread signal_thread(HandleSignals, std::ref(*server),
                            std::ref(reloader), options.access_policy,
                            std::ref(authorizer), options.drain,
                            options.shutdown_grace, std::ref(signal_lines));
  server->Wait();
  signal_thread.join();
  if (watcher) watcher->Stop();
  // In-flight Decides have finished (or were cancelled); store what is queued.
  log->Close();
  // The final head, once nothing more can be appended. A failure is printed
  // by Finish; the shutdown itself was clean.
  if (publisher) publisher->Finish().IgnoreError();
  // Stopping CivetWeb waits for its listener's poll (~2 s); nothing reads
  // the metrics once the log is closed and the process is about to exit, so
  // the endpoint is left to the exit instead of delaying the shutdown.
  // Not a leak to LeakSanitizer: left on purpose.
  if (metrics != nullptr) {
    [[maybe_unused]] ServerMetrics* left = metrics.release();
#if defined(__SANITIZE_ADDRESS__)
    __lsan_ignore_object(left);
#endif
  }
  return absl::OkStatus();
}

}  // namespace refund::server
