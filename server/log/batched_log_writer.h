// The queue and the threads of a store that writes in batches: appends and
// bundle puts are queued; one writer thread takes everything queued (up to
// max_batch) and hands it to the store as one transaction, so that one
// durable commit covers many decisions under load while a lone request
// still commits at once; an answer thread runs the callbacks of committed
// batches, in order, off the writer's path. Shared by the SQLite and the
// PostgreSQL stores; what a batch writes is the store's (LogBatchStore).
#ifndef SERVER_LOG_BATCHED_LOG_WRITER_H_
#define SERVER_LOG_BATCHED_LOG_WRITER_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/log/decision_log.h"
#include "server/log/hash_chain.h"
#include "server/log/log_health.h"
#include "server/log/log_write.h"
#include "server/log/log_writer_observer.h"

namespace refund::server {

// What a store does with one batch, on the writer thread only.
class LogBatchStore {
 public:
  virtual ~LogBatchStore() = default;

  // Stores `writes` in one transaction. `outcomes` gets one per write: for
  // an append, the decision bytes to answer with, or the entry's own
  // refusal (DecisionLog's AppendCallback contract); for a bundle, an empty
  // string. When storing or committing fails, nothing of the batch is kept
  // (or, when the commit's outcome is unknown, the batch may be whole in the
  // store) and every outcome is UNAVAILABLE. Returns OK when the batch
  // committed; otherwise DATA_LOSS when the store must not be written any
  // more, or UNAVAILABLE for a failure that may pass.
  virtual absl::Status Write(
      std::vector<LogWrite>& writes,
      std::vector<absl::StatusOr<std::string>>* outcomes) = 0;

  // The chain's head after the last committed Write (or as found at open).
  virtual ChainHead head() const = 0;

  // Runs before each batch (the SQLite store restarts its WAL here).
  virtual void BeforeBatch() {}

  // Runs after a batch of `writes` writes committed.
  virtual void Committed(size_t /*writes*/) {}

  // While the store is failing (health not serving, not broken) and nothing
  // is queued, the writer calls this every probe_interval: OK when the
  // store can take writes again (the PostgreSQL store reconnects here).
  virtual absl::Status Probe() { return absl::UnimplementedError("no probe"); }
};

struct BatchedLogWriterOptions {
  // Most writes committed in one transaction.
  int max_batch = 512;
  // How often a failing store is probed while idle; zero: never (its health
  // then comes back with the next good commit).
  absl::Duration probe_interval = absl::ZeroDuration();
  // Told the queue's depth and each batch's outcome (borrowed; null: none).
  LogWriterObserver* observer = nullptr;
};

// Thread-safe.
class BatchedLogWriter {
 public:
  // Starts the writer ("log-writer") and answer ("log-answers") threads.
  // `health` (written by the writer: each batch's outcome) must outlive
  // this.
  BatchedLogWriter(std::unique_ptr<LogBatchStore> store, LogHealthState& health,
                   BatchedLogWriterOptions options);
  // Close()s.
  ~BatchedLogWriter();
  BatchedLogWriter(const BatchedLogWriter&) = delete;
  BatchedLogWriter& operator=(const BatchedLogWriter&) = delete;

  // DecisionLog::Append: queued; `done` runs on the answer thread once the
  // batch holding it committed or failed (UNAVAILABLE at once after Close,
  // or while the store is broken).
  void Append(DecisionLogEntry entry, AppendCallback done);
  // DecisionLog::PutBundle: queued, and waited for.
  absl::Status PutBundle(BundleWrite bundle);
  // The store's head after the last committed batch.
  ChainHead CommittedHead();
  // Stores everything already queued, answers it, then stops the threads.
  // Idempotent.
  void Close();

 private:
  // A write waiting for the writer thread, with whom to answer.
  struct Job {
    LogWrite write;
    // Appends: called from the answer thread.
    AppendCallback done;
    // Bundles: owned by the PutBundle call, which waits for `bundle_done`.
    absl::Status* bundle_status = nullptr;
    absl::Notification* bundle_done = nullptr;
  };

  bool HasWorkOrClosing() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriterLoop();
  void CommitBatch(std::vector<Job>& batch);
  void AnswerLoop();
  bool HasAnswersOrClosing() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(answers_mu_);

  const std::unique_ptr<LogBatchStore> store_;
  LogHealthState& health_;
  const BatchedLogWriterOptions options_;

  absl::Mutex head_mu_;
  ChainHead committed_head_ ABSL_GUARDED_BY(head_mu_);

  absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex answers_mu_;
  std::deque<std::pair<AppendCallback, absl::StatusOr<std::string>>> answers_
      ABSL_GUARDED_BY(answers_mu_);
  bool answers_closing_ ABSL_GUARDED_BY(answers_mu_) = false;

  absl::Mutex close_mu_;
  std::thread writer_thread_ ABSL_GUARDED_BY(close_mu_);
  std::thread answer_thread_ ABSL_GUARDED_BY(close_mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_BATCHED_LOG_WRITER_H_
