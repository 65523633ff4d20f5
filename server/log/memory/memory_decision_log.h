// The in-memory decision log: every row kept in the process, nothing on
// disk. It is the reference store: the simplest code that has the semantics
// of server/log/decision_log.h, which every other store must match
// (tests/server/log/decision_log_conformance_test.cc runs the same cases on
// it and on the SQLite store). Also useful to tests and tools that need a
// DecisionLog without a file.
//
// Storage: rows are appended under one mutex, chained with HashChain
// (server/log/hash_chain.h) exactly as the SQLite store chains them, and
// kept as immutable LogRecords shared with the snapshots that see them.
// Decisions are kept plain: the decision dictionary given to PutBundle is
// never used (it only ever changes how a store keeps the bytes, never the
// bytes it answers with), only kept with the bundle's name for the
// snapshot's Bundles, so that a copy of the log (server/log/log_copier.h)
// gets them.
//
// Durability: none beyond the process. A row is "durable" as soon as it is
// in memory, so Append's callback runs once the row is stored.
//
// Answers: Append stores the entry on the caller's thread (so everything
// appended before Close is stored when Close returns) and hands the callback
// to the log's answer thread, which runs callbacks in the order the entries
// were stored; a callback never runs on the caller's thread, except after
// Close, where it runs at once with UNAVAILABLE (as the interface says).
#ifndef SERVER_LOG_MEMORY_MEMORY_DECISION_LOG_H_
#define SERVER_LOG_MEMORY_MEMORY_DECISION_LOG_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/log/decision_log.h"
#include "server/log/hash_chain.h"
#include "server/log/log_entry.h"
#include "server/log/log_snapshot.h"

namespace refund::server {

// Thread-safe (all methods, as DecisionLog says). Reads (GetDecision,
// ListDecisions, GetBundleText, OpenSnapshot) keep working after Close;
// Append answers UNAVAILABLE and PutBundle returns UNAVAILABLE after it.
class MemoryDecisionLog final : public DecisionLog {
 public:
  // An empty log (no rows, no bundles; chain head at seq 0, the genesis
  // hash) with its answer thread running.
  MemoryDecisionLog();
  // Close()s.
  ~MemoryDecisionLog() override;
  MemoryDecisionLog(const MemoryDecisionLog&) = delete;
  MemoryDecisionLog& operator=(const MemoryDecisionLog&) = delete;

  // Stores `entry` before returning; `done` runs on the answer thread.
  void Append(DecisionLogEntry entry, AppendCallback done) override;
  // Keeps the first text, name and dictionary of a version (given back by
  // the snapshot's Bundles); never fails before Close.
  absl::Status PutBundle(const std::string& version, const std::string& name,
                         const std::string& canonical_text,
                         const std::string& decision_dictionary) override;
  // DATA_LOSS when the stored decision does not parse (an entry appended
  // with bytes that are no Decision).
  using DecisionLog::GetDecision;
  absl::StatusOr<StoredDecision> GetDecision(const std::string& decision_id,
                                             const ShopScope& scope) override;
  absl::StatusOr<DecisionPage> ListDecisions(
      const DecisionFilter& filter) override;
  absl::StatusOr<std::string> GetBundleText(
      const std::string& version) override;
  // A view of the rows stored when it is called (it shares them, immutable,
  // with the log): Head is kept, OrphanIndexedSeqs is always empty (the
  // rule index lives in the row), Bundles are in version order. Never fails.
  absl::StatusOr<std::unique_ptr<LogSnapshot>> OpenSnapshot() override;
  // The chain's head after the last stored row. Never fails.
  absl::StatusOr<ChainHead> CommittedHead() override;
  LogHealth Health() override { return {}; }
  // Runs every callback already handed to the answer thread, then stops it.
  // Idempotent.
  void Close() override;

 private:
  struct Answer {
    AppendCallback done;
    absl::StatusOr<std::string> outcome;
  };

  // The outcome of `entry`: stores it, or says why not.
  absl::StatusOr<std::string> Store(DecisionLogEntry& entry)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A StoredDecision of `record`; DATA_LOSS when its decision does not parse.
  static absl::StatusOr<StoredDecision> ToStoredDecision(
      const LogRecord& record);
  bool HasAnswersOrClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AnswerLoop();

  absl::Mutex mu_;
  // rows_[i] has seq i + 1.
  std::vector<std::shared_ptr<const LogRecord>> rows_ ABSL_GUARDED_BY(mu_);
  // Index into rows_ by request_id and by decision_id.
  absl::flat_hash_map<std::string, size_t> by_request_id_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> by_decision_id_ ABSL_GUARDED_BY(mu_);
  // Bundle versions as PutBundle first stored them, by version.
  std::map<std::string, StoredBundleText> bundles_ ABSL_GUARDED_BY(mu_);
  HashChain chain_ ABSL_GUARDED_BY(mu_);
  std::deque<Answer> answers_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  // Serializes Close (joins the answer thread once).
  absl::Mutex close_mu_;
  std::thread answer_thread_ ABSL_GUARDED_BY(close_mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_MEMORY_MEMORY_DECISION_LOG_H_
