// refund-bench: load generator for the refund service and the bare echo
// service (load_generator.h). Examples:
//   refund-bench --target=refund --address=127.0.0.1:50051
//       --concurrency=64 --channels=4 --duration=10s
//   refund-bench --target=echo --address=127.0.0.1:50052 --rate=20000
// tools/bench/run_server_bench.sh runs both servers and reports the ratio.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tools/bench/load_generator.h"
#include "tools/bench/request_mix.h"

ABSL_FLAG(std::string, target, "refund", "refund or echo");
ABSL_FLAG(std::string, address, "127.0.0.1:50051", "server host:port");
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
  options.address = absl::GetFlag(FLAGS_address);
  options.target = target == "refund" ? refund::bench::Target::kRefund
                                      : refund::bench::Target::kEcho;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.duration = absl::GetFlag(FLAGS_duration);
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.id_prefix = absl::GetFlag(FLAGS_id_prefix);
  options.mix = *std::move(mix);
  auto report = refund::bench::RunLoad(options);
  if (!report.ok()) {
    std::cerr << "refund-bench: " << report.status().message() << std::endl;
    return 2;
  }
  std::cout << report->Format();
  return report->error_count() == 0 ? 0 : 1;
}
