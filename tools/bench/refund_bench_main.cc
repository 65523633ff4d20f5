// refund-bench: load generator for the refund service and the bare echo
// service (load_generator.h). Examples:
//   refund-bench --target=refund --address=127.0.0.1:50051
//       --concurrency=64 --channels=4 --duration=10s
//   refund-bench --target=echo --address=127.0.0.1:50052 --rate=20000
//   refund-bench --rate=1000 --flood_verifies=16 --flood_slow_replays=100
//       (Decide's latency while audit calls flood the server)
//   refund-bench --address=refund.internal:50051 --tls_ca=ca.crt
//       --tls_cert=client.crt --tls_key=client.key   (mutual TLS)
// tools/bench/run_server_bench.sh runs both servers and reports the ratio.
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/bench/audit_flood.h"
#include "tools/bench/load_generator.h"
#include "tools/bench/request_mix.h"

ABSL_FLAG(std::string, target, "refund", "refund or echo");
ABSL_FLAG(std::string, address, "127.0.0.1:50051", "server host:port");
ABSL_FLAG(std::string, tls_ca, "",
          "TLS: PEM file of the CA that signed the server's certificate "
          "(empty: plaintext)");
ABSL_FLAG(std::string, tls_cert, "",
          "mutual TLS: PEM file of this client's certificate");
ABSL_FLAG(std::string, tls_key, "", "mutual TLS: PEM file of its key");
ABSL_FLAG(std::string, tls_server_name, "",
          "the name the server's certificate carries, if not the address's "
          "host");
ABSL_FLAG(std::string, token_file, "",
          "file with a bearer token sent with every call "
          "(authorization: Bearer ...; mode 600)");
ABSL_FLAG(int, concurrency, 64, "closed loop: calls in flight");
ABSL_FLAG(int, channels, 4, "connections to spread the calls over");
ABSL_FLAG(double, rate, 0,
          "open loop: calls per second, latency from the intended send time "
          "(0: closed loop)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "how long to run, warm-up included");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "calls completing in the first part of the run are not counted");
ABSL_FLAG(std::string, requests, "policies/tests",
          "directory of policy tests whose requests are sent in turn");
ABSL_FLAG(std::string, id_prefix, "",
          "request_id prefix (default: bench-<random>)");
ABSL_FLAG(int, flood_verifies, 0,
          "while the load runs, this many threads call VerifyDecisionLog "
          "back to back");
ABSL_FLAG(int, flood_slow_replays, 0,
          "while the load runs, this many Replay streams are open, each "
          "reading one result per --flood_replay_read_every");
ABSL_FLAG(absl::Duration, flood_replay_read_every, absl::Seconds(1),
          "how often a slow replay reader reads");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "refund-bench --target=refund|echo --address=HOST:PORT "
      "[--concurrency=N --channels=M | --rate=R] --duration=10s");
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_target);
  if (target != "refund" && target != "echo") {
    std::cerr << "refund-bench: --target must be refund or echo" << std::endl;
    return 2;
  }
  auto mix = refund::bench::ReadRequestMix(absl::GetFlag(FLAGS_requests));
  if (!mix.ok()) {
    std::cerr << "refund-bench: " << mix.status().message() << std::endl;
    return 2;
  }
  refund::bench::LoadOptions options;
  options.server.address = absl::GetFlag(FLAGS_address);
  options.server.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  options.server.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.server.tls_key = absl::GetFlag(FLAGS_tls_key);
  options.server.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  options.server.token_file = absl::GetFlag(FLAGS_token_file);
  options.target = target == "refund" ? refund::bench::Target::kRefund
                                      : refund::bench::Target::kEcho;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.id_prefix = absl::GetFlag(FLAGS_id_prefix);
  options.mix = *std::move(mix);
  std::unique_ptr<refund::bench::AuditFlood> flood;
  if (absl::GetFlag(FLAGS_flood_verifies) > 0 ||
      absl::GetFlag(FLAGS_flood_slow_replays) > 0) {
    refund::bench::AuditFloodOptions flood_options;
    flood_options.server = options.server;
    flood_options.verifies = absl::GetFlag(FLAGS_flood_verifies);
    flood_options.slow_replays = absl::GetFlag(FLAGS_flood_slow_replays);
    flood_options.replay_read_every =
        absl::GetFlag(FLAGS_flood_replay_read_every);
    auto started = refund::bench::AuditFlood::Start(flood_options);
    if (!started.ok()) {
      std::cerr << "refund-bench: " << started.status().message() << std::endl;
      return 2;
    }
    flood = *std::move(started);
  }
  auto report = refund::bench::RunLoad(options);
  if (flood != nullptr) std::cout << flood->Stop().Format();
  if (!report.ok()) {
    std::cerr << "refund-bench: " << report.status().message() << std::endl;
    return 2;
  }
  std::cout << report->Format();
  return report->error_count() == 0 ? 0 : 1;
}
