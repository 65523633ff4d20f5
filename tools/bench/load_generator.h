// refund-bench's load generator: sends Decide calls to the refund service or
// to the bare echo service (echo_service.h) and measures them.
//
// - Closed loop: `concurrency` calls in flight over `channels` connections;
//   each completion sends the next call. Measures the most the server does.
// - Open loop (rate > 0): calls are sent at fixed intended times
//   (start + i / rate) whatever the server does, and latency is measured
//   from the intended time, so a stall of the server (or of the generator)
//   shows as latency instead of silently lowering the rate.
// Requests are the `mix` in turn, each with a unique request_id
// ("<prefix>-<n>"), so the refund service stores every one. Calls that
// complete during the warm-up are not counted.
#ifndef TOOLS_BENCH_LOAD_GENERATOR_H_
#define TOOLS_BENCH_LOAD_GENERATOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "refund/v1/refund.pb.h"
#include "tools/bench/load_report.h"
#include "tools/client/channel_options.h"

namespace refund::bench {

enum class Target { kRefund, kEcho };

struct LoadOptions {
  // The server's address and how to reach it (TLS, a token).
  client::ChannelOptions server;
  Target target = Target::kRefund;
  int concurrency = 64;  // closed loop
  int channels = 4;
  double rate = 0;  // > 0: open loop, calls per second
  absl::Duration duration = absl::Seconds(10);  // including the warm-up
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration call_deadline = absl::Seconds(10);
  std::vector<::refund::v1::RefundRequest> mix;  // not empty
  std::string id_prefix;                         // empty: "bench-<random hex>"
};

// Runs the load and returns what was measured. Errors only for bad options
// (INVALID_ARGUMENT, also for a `server` that cannot be used:
// client::ServerConnection::Open); failed calls are counted in the report.
absl::StatusOr<LoadReport> RunLoad(const LoadOptions& options);

}  // namespace refund::bench

#endif  // TOOLS_BENCH_LOAD_GENERATOR_H_
