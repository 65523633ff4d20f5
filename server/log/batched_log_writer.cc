#include "server/log/batched_log_writer.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace refund::server {

BatchedLogWriter::BatchedLogWriter(std::unique_ptr<LogBatchStore> store,
                                   LogHealthState& health,
                                   BatchedLogWriterOptions options)
    : store_(std::move(store)), health_(health), options_(options) {
  {
    absl::MutexLock lock(&head_mu_);
    committed_head_ = store_->head();
  }
  absl::MutexLock lock(&close_mu_);
  // Named, so that `top -H` and profiles tell the log's threads apart.
  writer_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-writer");
    WriterLoop();
  });
  answer_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-answers");
    AnswerLoop();
  });
}

BatchedLogWriter::~BatchedLogWriter() { Close(); }

void BatchedLogWriter::Close() {
  absl::MutexLock close_lock(&close_mu_);
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  if (writer_thread_.joinable()) writer_thread_.join();
  // The writer has handed over every answer; the answerer runs them all.
  {
    absl::MutexLock lock(&answers_mu_);
    answers_closing_ = true;
  }
  if (answer_thread_.joinable()) answer_thread_.join();
}

void BatchedLogWriter::Append(DecisionLogEntry entry, AppendCallback done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      queue_.push_back(Job{std::move(entry), std::move(done)});
      if (options_.observer != nullptr) {
        options_.observer->QueueDepth(queue_.size());
      }
      return;
    }
  }
  done(absl::UnavailableError("decision log: closed"));
}

absl::Status BatchedLogWriter::PutBundle(BundleWrite bundle) {
  absl::Status status;
  absl::Notification done;
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return absl::UnavailableError("decision log: closed");
    queue_.push_back(Job{std::move(bundle), nullptr, &status, &done});
  }
  done.WaitForNotification();
  return status;
}

ChainHead BatchedLogWriter::CommittedHead() {
  absl::MutexLock lock(&head_mu_);
  return committed_head_;
}

bool BatchedLogWriter::HasWorkOrClosing() const {
  return !queue_.empty() || closing_;
}

void BatchedLogWriter::WriterLoop() {
  const size_t max_batch =
      static_cast<size_t>(options_.max_batch > 0 ? options_.max_batch : 1);
  for (;;) {
    std::vector<Job> batch;
    bool probe = false;
    {
      absl::MutexLock lock(&mu_);
      const auto has_work =
          absl::Condition(this, &BatchedLogWriter::HasWorkOrClosing);
      if (options_.probe_interval > absl::ZeroDuration() &&
          !health_.Get().serving && !health_.broken()) {
        probe = !mu_.AwaitWithTimeout(has_work, options_.probe_interval);
      } else {
        mu_.Await(has_work);
      }
      // Closing with nothing left: everything queued before Close is stored.
      if (!probe && queue_.empty()) return;
      while (!queue_.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (options_.observer != nullptr && !batch.empty()) {
        options_.observer->QueueDepth(queue_.size());
      }
    }
    if (probe) {
      if (store_->Probe().ok()) health_.CommitSucceeded();
      continue;
    }
    CommitBatch(batch);
  }
}

void BatchedLogWriter::CommitBatch(std::vector<Job>& batch) {
  store_->BeforeBatch();
  std::vector<LogWrite> writes;
  writes.reserve(batch.size());
  for (Job& job : batch) writes.push_back(std::move(job.write));
  std::vector<absl::StatusOr<std::string>> outcomes;
  LogWriterObserver* const observer = options_.observer;
  const absl::Time start = observer != nullptr ? absl::Now() : absl::Time();
  if (health_.broken()) {
    if (observer != nullptr) {
      observer->BatchFailed(batch.size(), LogStoreError::kBroken);
    }
    // Nothing more is written to a store that must not be written.
    outcomes.assign(batch.size(),
                    absl::UnavailableError(absl::StrCat(
                        "decision log: not serving: ", health_.Get().reason)));
  } else if (absl::Status written = store_->Write(writes, &outcomes);
             written.ok()) {
    health_.CommitSucceeded();
    {
      absl::MutexLock lock(&head_mu_);
      committed_head_ = store_->head();
    }
    store_->Committed(batch.size());
    if (observer != nullptr) {
      observer->BatchCommitted(batch.size(), absl::Now() - start);
    }
  } else if (absl::IsDataLoss(written)) {
    health_.Broken(std::string(written.message()));
    if (observer != nullptr) {
      observer->BatchFailed(batch.size(), LogStoreError::kDataLoss);
    }
  } else {
    health_.CommitFailed(std::string(written.message()));
    if (observer != nullptr) {
      observer->BatchFailed(batch.size(), LogStoreError::kUnavailable);
    }
  }
  // Only now, with the batch durable (or not stored), answer.
  absl::MutexLock lock(&answers_mu_);
  for (size_t i = 0; i < batch.size(); ++i) {
    Job& job = batch[i];
    if (job.bundle_done == nullptr) {
      answers_.emplace_back(std::move(job.done), std::move(outcomes[i]));
    } else {
      *job.bundle_status = outcomes[i].status();
      job.bundle_done->Notify();
    }
  }
}

bool BatchedLogWriter::HasAnswersOrClosing() const {
  return !answers_.empty() || answers_closing_;
}

void BatchedLogWriter::AnswerLoop() {
  for (;;) {
    std::deque<std::pair<AppendCallback, absl::StatusOr<std::string>>> ready;
    {
      absl::MutexLock lock(&answers_mu_);
      answers_mu_.Await(
          absl::Condition(this, &BatchedLogWriter::HasAnswersOrClosing));
      if (answers_.empty()) return;  // closing, everything answered
      ready.swap(answers_);
    }
    for (auto& [done, outcome] : ready) done(std::move(outcome));
  }
}

}  // namespace refund::server
