// The server's Prometheus metrics, served as text on their own HTTP port
// (refund-server --metrics_listen): gRPC calls under the names of gRPC's
// OpenTelemetry metrics, decisions, rule hits, refused calls, policy
// reloads and the active bundle, and the decision log's writer. Every label
// takes few values by construction (methods the server serves, status
// codes, verdicts, platforms, the active bundle's rule ids); shop ids only
// when asked for. The names are in README.md, "Operating it".
#ifndef SERVER_METRICS_SERVER_METRICS_H_
#define SERVER_METRICS_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/log/log_writer_observer.h"
#include "server/telemetry/server_observer.h"

namespace refund::server {

struct MetricsOptions {
  // host:port the metrics are served on (GET /metrics); port 0 picks one.
  std::string listen;
  // Also count decisions by shop (refund_shop_decisions_total): one series
  // per shop, and a map lookup per decision.
  bool shop_label = false;
  // The SQLite log's WAL file, whose size is reported at each scrape
  // (refund_decision_log_wal_bytes); empty: none (other stores).
  std::string wal_file;
};

// Thread-safe. Observes the server (ServerObserver) and the decision log's
// writer (LogWriterObserver); the values are read by the HTTP threads of
// prometheus-cpp (CivetWeb) at each scrape. On the Decide path a call costs
// a few atomic adds and three histogram observations: every label set used
// per call is looked up once and kept.
class ServerMetrics final : public ServerObserver, public LogWriterObserver {
 public:
  // Starts serving on options.listen. INVALID_ARGUMENT naming the address
  // when it is not host:port or cannot be bound.
  static absl::StatusOr<std::unique_ptr<ServerMetrics>> Start(
      const MetricsOptions& options);
  ~ServerMetrics() override;

  // The port the metrics are served on.
  int port() const { return port_; }

  void OnCallStarted(KnownMethod method) override;
  void OnCall(const CallRecord& call) override;
  void OnDecision(const DecisionFacts& decision) override;
  void OnRefusedCall(const RefusedCall& call) override;
  void OnReload(const ReloadEvent& reload) override;

  void QueueDepth(size_t depth) override;
  void BatchCommitted(size_t writes, absl::Duration commit) override;
  void BatchFailed(size_t writes, LogStoreError error) override;

 private:
  class WalSize;
  // The rule-hit counters of one bundle, by rule index.
  struct RuleCounters {
    const CompiledBundle* bundle = nullptr;
    std::vector<prometheus::Counter*> by_rule;
    // kSourceFallback, kSourceRuleError, kSourceRejectNeedsEvidence.
    std::array<prometheus::Counter*, 3> engine = {};
  };
  // The per-method-and-status histograms of calls, resolved on first use.
  struct CallSeries {
    std::atomic<prometheus::Histogram*> duration{nullptr};
    std::atomic<prometheus::Histogram*> sent{nullptr};
    std::atomic<prometheus::Histogram*> received{nullptr};
  };

  explicit ServerMetrics(const MetricsOptions& options);
  CallSeries& SeriesOf(KnownMethod method, int status_code);
  const RuleCounters& RuleCountersOf(const CompiledBundle& bundle);
  std::unique_ptr<RuleCounters> MakeRuleCounters(const CompiledBundle& bundle);

  const bool shop_label_;
  std::shared_ptr<prometheus::Registry> registry_;

  prometheus::Family<prometheus::Counter>& calls_started_;
  prometheus::Family<prometheus::Histogram>& call_duration_;
  prometheus::Family<prometheus::Histogram>& call_sent_;
  prometheus::Family<prometheus::Histogram>& call_received_;
  prometheus::Family<prometheus::Counter>& refused_calls_;
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Counter>& shop_decisions_;
  prometheus::Family<prometheus::Counter>& rule_hits_;
  prometheus::Family<prometheus::Gauge>& bundle_info_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Gauge& last_reload_;
  prometheus::Gauge& queue_depth_;
  prometheus::Histogram& batch_size_;
  prometheus::Histogram& commit_seconds_;
  prometheus::Family<prometheus::Counter>& store_errors_;

  std::array<prometheus::Counter*, kKnownMethodCount> started_ = {};
  std::array<std::array<CallSeries, kStatusCodeCount>, kKnownMethodCount>
      series_;
  // [verdict][platform]
  std::array<std::array<prometheus::Counter*, 6>, 4> decision_counters_ = {};
  std::array<prometheus::Counter*, 3> store_error_counters_ = {};

  // The active bundle's rule counters; older bundles' stay in rule_tables_
  // (a reload is rare) so that a Decide racing a reload reads valid ones.
  std::atomic<const RuleCounters*> rules_{nullptr};
  absl::Mutex mu_;
  std::vector<std::unique_ptr<RuleCounters>> rule_tables_ ABSL_GUARDED_BY(mu_);
  prometheus::Gauge* bundle_info_child_ ABSL_GUARDED_BY(mu_) = nullptr;

  std::shared_ptr<WalSize> wal_size_;
  int port_ = 0;
  // Last: it stops serving before anything it reads is destroyed.
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace refund::server

#endif  // SERVER_METRICS_SERVER_METRICS_H_
