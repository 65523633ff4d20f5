// The server's periodic checkpoints: a thread of its own ("log-signer")
// looks at the decision log's committed head every `poll` and, when the
// head has moved `every_rows` rows past the last checkpoint, or moved at all
// and `every` has passed since the last one, signs it (HeadSigner) and
// replaces the checkpoint file with the note (WriteCheckpointFile). Finish,
// after the log is closed, writes one more with the final head.
//
// Off the Decide path: the thread reads the head under the log's head mutex
// (taken by the writer once per committed batch) and signs on its own time.
// The file holds the latest checkpoint only; an operator copies it
// elsewhere (a checkpoint kept beside the log can be rewritten with it).
#ifndef SERVER_LOG_CHECKPOINT_CHECKPOINT_PUBLISHER_H_
#define SERVER_LOG_CHECKPOINT_CHECKPOINT_PUBLISHER_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/log/checkpoint/head_signer.h"
#include "server/log/hash_chain.h"

namespace refund::server {

struct CheckpointSchedule {
  // A checkpoint once the head is this many rows past the last one; 0: not
  // by rows.
  int64_t every_rows = 10000;
  // A checkpoint once this long has passed since the last one (or the
  // start) and the head has moved; zero: not by time.
  absl::Duration every = absl::Minutes(5);
  // How often the head is looked at.
  absl::Duration poll = absl::Milliseconds(250);
  // After a checkpoint that could not be signed or written, the next try
  // waits at least this long (one message per try).
  absl::Duration retry = absl::Seconds(5);
};

// Thread-safe. Borrows `signer` (and its log), which must outlive it.
class CheckpointPublisher {
 public:
  // Starts the thread. The head at start counts as checkpointed (the first
  // checkpoint comes after `every_rows` more rows or after `every`); each
  // checkpoint written is told to `diagnostics` in one line (seq, row_hash,
  // file), and so is each failure.
  CheckpointPublisher(const HeadSigner& signer, std::string path,
                      CheckpointSchedule schedule, std::ostream& diagnostics);
  // Stops the thread (without a final checkpoint).
  ~CheckpointPublisher();
  CheckpointPublisher(const CheckpointPublisher&) = delete;
  CheckpointPublisher& operator=(const CheckpointPublisher&) = delete;

  // Stops the thread, then signs and writes the head as it is now: call it
  // once the log is closed, for the final head. OK without writing when the
  // log is empty; otherwise the signer's or the file's error.
  absl::Status Finish();

  // Checkpoints written so far (for tests and logs).
  int64_t written() const;

 private:
  void Loop();
  // Signs the head and writes the file; records it as the last one.
  absl::Status Publish(const char* why);
  bool Stopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; }

  const HeadSigner& signer_;
  const std::string path_;
  const CheckpointSchedule schedule_;
  std::ostream& diagnostics_;

  mutable absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  // The last head checkpointed (or the head at start) and when.
  int64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_time_ ABSL_GUARDED_BY(mu_);
  // No try before this, after a failure.
  absl::Time next_try_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();

  // Serializes Finish and the destructor.
  absl::Mutex stop_mu_;
  std::thread thread_ ABSL_GUARDED_BY(stop_mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_CHECKPOINT_CHECKPOINT_PUBLISHER_H_
