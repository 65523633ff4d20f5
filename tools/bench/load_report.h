// What a refund-bench run measured: completed calls, errors by gRPC status
// code, latency percentiles, throughput; and how it is printed.
#ifndef TOOLS_BENCH_LOAD_REPORT_H_
#define TOOLS_BENCH_LOAD_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace refund::bench {

struct LoadReport {
  std::string target;  // "refund" or "echo"
  std::string mode;    // "closed (64 in flight over 4 channels)" or "open ..."
  double seconds = 0;  // the measured window (after the warm-up)
  int64_t ok = 0;
  // Failed calls by gRPC status code number.
  std::map<int, int64_t> errors;
  // Latencies of the calls in the window, in nanoseconds, sorted. Closed
  // loop: from sending; open loop: from the intended send time.
  std::vector<int64_t> latencies_ns;
  int64_t response_bytes = 0;  // of the OK responses
  int max_in_flight = 0;

  int64_t calls() const;
  int64_t error_count() const;
  double qps() const;  // completed calls (OK or not) per second
  // The latency at quantile `q` in [0, 1] (nearest rank), in nanoseconds; 0
  // without calls.
  int64_t Percentile(double q) const;

  // Several lines for people, ending with one "RESULT key=value ..." line
  // for scripts.
  std::string Format() const;
};

// "OK", "UNAVAILABLE", ... for a gRPC status code number.
std::string StatusCodeName(int code);

}  // namespace refund::bench

#endif  // TOOLS_BENCH_LOAD_REPORT_H_
