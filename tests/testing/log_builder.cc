#include "tests/testing/log_builder.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/load/bundle_loader.h"
#include "google/protobuf/util/time_util.h"
#include "server/log/decision_dictionary.h"
#include "server/log/deterministic_serialization.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/test_bundle.h"

namespace refund::testing {

absl::StatusOr<std::vector<v1::Decision>> DecideAndStoreAll(
    server::DecisionLog& log, const CompiledBundle& bundle,
    const std::vector<v1::RefundRequest>& requests,
    const std::string& id_prefix, bool compressed) {
  absl::Status put = log.PutBundle(
      bundle.version(), bundle.name(), bundle.canonical_text(),
      compressed ? server::BuildDecisionDictionary(bundle) : std::string());
  if (!put.ok()) return put;
  constexpr int64_t kJune2026Micros = 1'780'272'000'000'000;
  // Every decision is made before the first append, so that no callback
  // can outlive this function's locals on an early return.
  std::vector<server::DecisionLogEntry> entries(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<v1::Decision> decision = bundle.Decide(requests[i]);
    if (!decision.ok()) return decision.status();
    const int64_t decided_at = kJune2026Micros + 1'000'000 * int64_t(i);
    decision->set_decision_id(absl::StrCat(id_prefix, i));
    *decision->mutable_decided_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(decided_at);
    server::DecisionLogEntry& entry = entries[i];
    entry.request_bytes = server::SerializeDeterministically(requests[i]);
    entry.request_id = requests[i].request_id();
    entry.refund_id = requests[i].refund_id();
    entry.shop_id = requests[i].shop_id();
    entry.verdict = decision->verdict();
    entry.decided_at_micros = decided_at;
    entry.bundle_version = bundle.version();
    for (const v1::MatchedRule& rule : decision->matched_rules()) {
      entry.rule_ids.push_back(rule.rule_id());
    }
    entry.decision_bytes = server::SerializeDeterministically(*decision);
    entry.decision_id = decision->decision_id();
  }
  std::vector<absl::StatusOr<std::string>> outcomes(
      requests.size(), absl::UnknownError("not stored"));
  absl::Mutex mu;
  size_t pending = requests.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    log.Append(std::move(entries[i]),
               [&, i](absl::StatusOr<std::string> stored) {
                 absl::MutexLock lock(&mu);
                 outcomes[i] = std::move(stored);
                 --pending;
               });
  }
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](size_t* left) { return *left == 0; }, &pending));
  std::vector<v1::Decision> stored;
  stored.reserve(outcomes.size());
  for (auto& outcome : outcomes) {
    if (!outcome.ok()) return outcome.status();
    if (!stored.emplace_back().ParseFromString(*outcome)) {
      return absl::InternalError("the log answered with unparsable bytes");
    }
  }
  return stored;
}

absl::StatusOr<std::unique_ptr<StoredLog>> StoredLog::Create(int cases,
                                                             uint64_t seed,
                                                             bool compressed) {
  auto stored = std::make_unique<StoredLog>();
  absl::StatusOr<std::unique_ptr<server::SqliteDecisionLog>> log =
      server::SqliteDecisionLog::Open(stored->path);
  if (!log.ok()) return log.status();
  stored->log = *std::move(log);
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> bundle =
      LoadBundle(TestBundleFiles());
  if (!bundle.ok()) return bundle.status();
  stored->bundle = *std::move(bundle);
  RequestGenerator generator(seed);
  for (int i = 0; i < cases; ++i) {
    stored->requests.push_back(generator.Next("t"));
  }
  absl::StatusOr<std::vector<v1::Decision>> decisions = DecideAndStoreAll(
      *stored->log, *stored->bundle, stored->requests, "d-", compressed);
  if (!decisions.ok()) return decisions.status();
  stored->decisions = *std::move(decisions);
  return stored;
}

}  // namespace refund::testing
