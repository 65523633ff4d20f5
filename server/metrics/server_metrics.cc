#include "server/metrics/server_metrics.h"

#include <sys/stat.h>

#include <exception>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/decide/bundle_internals.h"
#include "engine/decide/decision_combiner.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace refund::server {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// Seconds: 100 µs to 10 s (a decision takes ~1 ms with its commit).
const Histogram::BucketBoundaries& DurationBuckets() {
  static const auto* const buckets = new Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

// Bytes: 64 B to 4 MiB (the largest message the server takes).
const Histogram::BucketBoundaries& SizeBuckets() {
  static const auto* const buckets = new Histogram::BucketBoundaries{
      64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304};
  return *buckets;
}

// Writes per batch: 1 to the writer's largest batch (512).
const Histogram::BucketBoundaries& BatchBuckets() {
  static const auto* const buckets =
      new Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
  return *buckets;
}

// "VERDICT_APPROVE" -> "approve".
std::string EnumLabel(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  absl::ConsumePrefix(&rest, prefix);
  return absl::AsciiStrToLower(rest);
}

}  // namespace

// The SQLite WAL file's size, read at each scrape (a stat per scrape, none
// on the Decide path).

class ServerMetrics::WalSize final : public prometheus::Collectable {
 public:
  explicit WalSize(std::string path) : path_(std::move(path)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily family;
    family.name = "refund_decision_log_wal_bytes";
    family.help =
        "Size of the SQLite decision log's write-ahead log file (0 when "
        "there is none)";
    family.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric metric;
    struct stat info;
    metric.gauge.value = stat(path_.c_str(), &info) == 0
                             ? static_cast<double>(info.st_size)
                             : 0.0;
    family.metric.push_back(std::move(metric));
    return {std::move(family)};
  }

 private:
  const std::string path_;
};

ServerMetrics::ServerMetrics(const MetricsOptions& options)
    : shop_label_(options.shop_label),
      registry_(std::make_shared<prometheus::Registry>()),
      calls_started_(prometheus::BuildCounter()
                         .Name("grpc_server_call_started_total")
                         .Help("Calls started (grpc.server.call.started)")
                         .Register(*registry_)),
      call_duration_(prometheus::BuildHistogram()
                         .Name("grpc_server_call_duration_seconds")
                         .Help("From a call's start to its status being sent "
                               "(grpc.server.call.duration)")
                         .Register(*registry_)),
      call_sent_(prometheus::BuildHistogram()
                     .Name("grpc_server_call_sent_total_compressed_message_"
                           "size_bytes")
                     .Help("Message bytes sent per call (uncompressed: the "
                           "server compresses nothing) "
                           "(grpc.server.call.sent_total_compressed_message_"
                           "size)")
                     .Register(*registry_)),
      call_received_(
          prometheus::BuildHistogram()
              .Name("grpc_server_call_rcvd_total_compressed_message_size_"
                    "bytes")
              .Help("Message bytes received per call "
                    "(grpc.server.call.rcvd_total_compressed_message_size)")
              .Register(*registry_)),
      refused_calls_(prometheus::BuildCounter()
                         .Name("refund_refused_calls_total")
                         .Help("Calls refused by the access policy, by "
                               "method and reason")
                         .Register(*registry_)),
      decisions_(prometheus::BuildCounter()
                     .Name("refund_decisions_total")
                     .Help("Decisions made, by verdict and platform")
                     .Register(*registry_)),
      shop_decisions_(prometheus::BuildCounter()
                          .Name("refund_shop_decisions_total")
                          .Help("Decisions made, by shop and verdict (only "
                                "with --metrics_shop_label)")
                          .Register(*registry_)),
      rule_hits_(prometheus::BuildCounter()
                     .Name("refund_rule_hits_total")
                     .Help("Rules matched in decisions, by rule id")
                     .Register(*registry_)),
      bundle_info_(prometheus::BuildGauge()
                       .Name("refund_bundle_info")
                       .Help("The active policy bundle (always 1)")
                       .Register(*registry_)),
      reloads_(prometheus::BuildCounter()
                   .Name("refund_policy_reloads_total")
                   .Help("Policy reloads by result (ok, refused, error) and "
                         "source (start, signal, rpc)")
                   .Register(*registry_)),
      last_reload_(
          prometheus::BuildGauge()
              .Name("refund_policy_last_reload_success_timestamp_seconds")
              .Help("When a bundle was last loaded (unix seconds)")
              .Register(*registry_)
              .Add({})),
      queue_depth_(prometheus::BuildGauge()
                       .Name("refund_decision_log_queue_depth")
                       .Help("Writes waiting for the decision log's writer")
                       .Register(*registry_)
                       .Add({})),
      batch_size_(prometheus::BuildHistogram()
                      .Name("refund_decision_log_batch_size")
                      .Help("Writes committed per batch")
                      .Register(*registry_)
                      .Add({}, BatchBuckets())),
      commit_seconds_(prometheus::BuildHistogram()
                          .Name("refund_decision_log_commit_duration_seconds")
                          .Help("Time to write and commit one batch")
                          .Register(*registry_)
                          .Add({}, DurationBuckets())),
      store_errors_(prometheus::BuildCounter()
                        .Name("refund_decision_log_store_errors_total")
                        .Help("Batches not stored, by kind (unavailable, "
                              "data_loss, broken)")
                        .Register(*registry_)) {
  for (int m = 0; m < kKnownMethodCount; ++m) {
    started_[m] = &calls_started_.Add(
        {{"grpc_method",
          std::string(KnownMethodName(static_cast<KnownMethod>(m)))}});
  }
  for (int v = 0; v < 4; ++v) {
    for (int p = 0; p < 6; ++p) {
      decision_counters_[v][p] = &decisions_.Add(
          {{"verdict", EnumLabel(v1::Verdict_Name(v), "VERDICT_")},
           {"platform", EnumLabel(v1::Platform_Name(p), "PLATFORM_")}});
    }
  }
  for (LogStoreError error :
       {LogStoreError::kUnavailable, LogStoreError::kDataLoss,
        LogStoreError::kBroken}) {
    store_error_counters_[static_cast<int>(error)] =
        &store_errors_.Add({{"kind", LogStoreErrorName(error)}});
  }
  for (const char* result : {"ok", "refused", "error"}) {
    for (ReloadSource source :
         {ReloadSource::kStart, ReloadSource::kSignal, ReloadSource::kRpc}) {
      reloads_.Add({{"result", result}, {"source", ReloadSourceName(source)}});
    }
  }
  if (!options.wal_file.empty()) {
    wal_size_ = std::make_shared<WalSize>(options.wal_file);
  }
}

ServerMetrics::~ServerMetrics() = default;

absl::StatusOr<std::unique_ptr<ServerMetrics>> ServerMetrics::Start(
    const MetricsOptions& options) {
  const size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      colon + 1 == options.listen.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics_listen: ", options.listen, " is not HOST:PORT"));
  }
  std::unique_ptr<ServerMetrics> metrics(new ServerMetrics(options));
  try {
    // One thread: a scrape every few seconds needs no more.
    metrics->exposer_ =
        std::make_unique<prometheus::Exposer>(options.listen, /*threads=*/1);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics_listen: cannot listen on ", options.listen, ": ", e.what()));
  }
  const std::vector<int> ports = metrics->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_listen: cannot listen on ", options.listen));
  }
  metrics->port_ = ports.front();
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  if (metrics->wal_size_ != nullptr) {
    metrics->exposer_->RegisterCollectable(metrics->wal_size_);
  }
  return metrics;
}

ServerMetrics::CallSeries& ServerMetrics::SeriesOf(KnownMethod method,
                                                   int status_code) {
  if (status_code < 0 || status_code >= kStatusCodeCount) status_code = 2;
  CallSeries& series = series_[static_cast<int>(method)][status_code];
  if (series.received.load(std::memory_order_acquire) == nullptr) {
    // First call of this method with this status: Family::Add takes the
    // family's lock and returns the same child to every thread.
    const prometheus::Labels labels = {
        {"grpc_method", std::string(KnownMethodName(method))},
        {"grpc_status", std::string(StatusCodeName(status_code))}};
    series.duration.store(&call_duration_.Add(labels, DurationBuckets()),
                          std::memory_order_release);
    series.sent.store(&call_sent_.Add(labels, SizeBuckets()),
                      std::memory_order_release);
    series.received.store(&call_received_.Add(labels, SizeBuckets()),
                          std::memory_order_release);
  }
  return series;
}

void ServerMetrics::OnCallStarted(KnownMethod method) {
  started_[static_cast<int>(method)]->Increment();
}

void ServerMetrics::OnCall(const CallRecord& call) {
  CallSeries& series = SeriesOf(call.method, call.status_code);
  series.duration.load(std::memory_order_acquire)
      ->Observe(absl::ToDoubleSeconds(call.latency));
  if (call.sent_bytes >= 0) {
    series.sent.load(std::memory_order_acquire)
        ->Observe(static_cast<double>(call.sent_bytes));
  }
  if (call.received_bytes >= 0) {
    series.received.load(std::memory_order_acquire)
        ->Observe(static_cast<double>(call.received_bytes));
  }
}

std::unique_ptr<ServerMetrics::RuleCounters> ServerMetrics::MakeRuleCounters(
    const CompiledBundle& bundle) {
  auto table = std::make_unique<RuleCounters>();
  table->bundle = &bundle;
  for (const CompiledRule& rule : bundle.internals().rules) {
    table->by_rule.push_back(&rule_hits_.Add({{"rule_id", rule.id}}));
  }
  table->engine[0] = &rule_hits_.Add({{"rule_id", kFallbackRuleId}});
  table->engine[1] = &rule_hits_.Add({{"rule_id", kRuleErrorRuleId}});
  table->engine[2] = &rule_hits_.Add({{"rule_id", kRejectNeedsEvidenceRuleId}});
  return table;
}

const ServerMetrics::RuleCounters& ServerMetrics::RuleCountersOf(
    const CompiledBundle& bundle) {
  const RuleCounters* active = rules_.load(std::memory_order_acquire);
  if (active != nullptr && active->bundle == &bundle) return *active;
  // A decision on a bundle that is not (or not yet) the one reloads
  // reported: find or make its table.
  absl::MutexLock lock(&mu_);
  for (const auto& table : rule_tables_) {
    if (table->bundle == &bundle) return *table;
  }
  rule_tables_.push_back(MakeRuleCounters(bundle));
  return *rule_tables_.back();
}

void ServerMetrics::OnDecision(const DecisionFacts& decision) {
  const int verdict = decision.outcome.verdict;
  const int platform = decision.platform;
  if (verdict >= 0 && verdict < 4 && platform >= 0 && platform < 6) {
    decision_counters_[verdict][platform]->Increment();
  }
  if (shop_label_) {
    shop_decisions_
        .Add({{"shop_id", std::string(decision.shop_id)},
              {"verdict", EnumLabel(v1::Verdict_Name(decision.outcome.verdict),
                                    "VERDICT_")}})
        .Increment();
  }
  const RuleCounters& rules = RuleCountersOf(decision.bundle);
  for (const DecisionOutcome::Matched& matched : decision.outcome.matched) {
    const int source = matched.source;
    if (source >= 0 && static_cast<size_t>(source) < rules.by_rule.size()) {
      rules.by_rule[source]->Increment();
    } else if (source < 0 && source >= -3) {
      rules.engine[-source - 1]->Increment();
    }
  }
}

void ServerMetrics::OnRefusedCall(const RefusedCall& call) {
  const std::string reason = call.code == absl::StatusCode::kUnauthenticated
                                 ? "unauthenticated"
                                 : "permission_denied";
  refused_calls_
      .Add({{"grpc_method",
             std::string(KnownMethodName(KnownMethodOf(call.method)))},
            {"reason", reason}})
      .Increment();
}

void ServerMetrics::OnReload(const ReloadEvent& reload) {
  const char* result = reload.status.ok()                          ? "ok"
                       : absl::IsFailedPrecondition(reload.status) ? "refused"
                                                                   : "error";
  reloads_
      .Add({{"result", result}, {"source", ReloadSourceName(reload.source)}})
      .Increment();
  if (!reload.status.ok() || reload.active == nullptr) return;
  const CompiledBundle& bundle = *reload.active->bundle;
  last_reload_.Set(
      absl::ToDoubleSeconds(reload.active->loaded_at - absl::UnixEpoch()));
  absl::MutexLock lock(&mu_);
  if (bundle_info_child_ != nullptr) bundle_info_.Remove(bundle_info_child_);
  bundle_info_child_ = &bundle_info_.Add(
      {{"bundle_name", bundle.name()}, {"version", bundle.version()}});
  bundle_info_child_->Set(1);
  rule_tables_.push_back(MakeRuleCounters(bundle));
  rules_.store(rule_tables_.back().get(), std::memory_order_release);
}

void ServerMetrics::QueueDepth(size_t depth) {
  queue_depth_.Set(static_cast<double>(depth));
}

void ServerMetrics::BatchCommitted(size_t writes, absl::Duration commit) {
  batch_size_.Observe(static_cast<double>(writes));
  commit_seconds_.Observe(absl::ToDoubleSeconds(commit));
}

void ServerMetrics::BatchFailed(size_t /*writes*/, LogStoreError error) {
  store_error_counters_[static_cast<int>(error)]->Increment();
}

}  // namespace refund::server
