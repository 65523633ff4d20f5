#include "tools/bench/load_report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace refund::bench {

int64_t LoadReport::calls() const { return ok + error_count(); }

int64_t LoadReport::error_count() const {
  int64_t total = 0;
  for (const auto& [code, count] : errors) total += count;
  return total;
}

double LoadReport::qps() const {
  return seconds > 0 ? static_cast<double>(calls()) / seconds : 0;
}

int64_t LoadReport::Percentile(double q) const {
  if (latencies_ns.empty()) return 0;
  const double rank = std::ceil(q * static_cast<double>(latencies_ns.size()));
  const size_t index = static_cast<size_t>(std::max(1.0, rank)) - 1;
  return latencies_ns[std::min(index, latencies_ns.size() - 1)];
}

std::string StatusCodeName(int code) {
  static constexpr const char* kNames[] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  if (code >= 0 && code < static_cast<int>(std::size(kNames))) {
    return kNames[code];
  }
  return absl::StrCat("CODE_", code);
}

std::string LoadReport::Format() const {
  const auto us = [this](double q) {
    return absl::StrFormat("%.1f", static_cast<double>(Percentile(q)) / 1e3);
  };
  std::string errors_text;
  for (const auto& [code, count] : errors) {
    absl::StrAppend(&errors_text, errors_text.empty() ? "" : ",",
                    StatusCodeName(code), "=", count);
  }
  if (errors_text.empty()) errors_text = "none";
  const int64_t mean_bytes = ok > 0 ? response_bytes / ok : 0;
  std::string out = absl::StrFormat(
      "target: %s, %s\n"
      "window: %.2f s, calls: %d (ok %d), qps: %.0f, max in flight: %d\n"
      "latency (us): p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n"
      "errors: %s\n"
      "mean response: %d bytes\n",
      target, mode, seconds, calls(), ok, qps(), max_in_flight, us(0.5),
      us(0.9), us(0.99), us(0.999), us(1.0), errors_text, mean_bytes);
  absl::StrAppend(
      &out, absl::StrFormat("RESULT target=%s qps=%.0f calls=%d errors=%d "
                            "p50_us=%s p90_us=%s p99_us=%s p999_us=%s\n",
                            target, qps(), calls(), error_count(), us(0.5),
                            us(0.9), us(0.99), us(0.999)));
  return out;
}

}  // namespace refund::bench
