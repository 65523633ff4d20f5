#include "server/log/checkpoint/checkpoint_publisher.h"

#include <pthread.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/base/sha256.h"
#include "server/log/checkpoint/checkpoint_file.h"

namespace refund::server {

CheckpointPublisher::CheckpointPublisher(const HeadSigner& signer,
                                         std::string path,
                                         CheckpointSchedule schedule,
                                         std::ostream& diagnostics)
    : signer_(signer),
      path_(std::move(path)),
      schedule_(schedule),
      diagnostics_(diagnostics) {
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<ChainHead> head = signer_.log().CommittedHead();
    last_seq_ = head.ok() ? head->last_seq : 0;
    last_time_ = absl::Now();
  }
  absl::MutexLock lock(&stop_mu_);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-signer");
    Loop();
  });
}

CheckpointPublisher::~CheckpointPublisher() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  absl::MutexLock lock(&stop_mu_);
  if (thread_.joinable()) thread_.join();
}

absl::Status CheckpointPublisher::Finish() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  {
    absl::MutexLock lock(&stop_mu_);
    if (thread_.joinable()) thread_.join();
  }
  absl::StatusOr<ChainHead> head = signer_.log().CommittedHead();
  if (head.ok() && head->last_seq == 0) return absl::OkStatus();
  absl::Status published = Publish("final");
  if (!published.ok()) {
    diagnostics_ << "log-signer: final checkpoint failed: "
                 << published.message() << std::endl;
  }
  return published;
}

int64_t CheckpointPublisher::written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

void CheckpointPublisher::Loop() {
  for (;;) {
    int64_t last_seq = 0;
    absl::Time last_time;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(
          absl::Condition(this, &CheckpointPublisher::Stopping),
          schedule_.poll);
      if (stop_) return;
      if (absl::Now() < next_try_) continue;
      last_seq = last_seq_;
      last_time = last_time_;
    }
    absl::StatusOr<ChainHead> head = signer_.log().CommittedHead();
    if (!head.ok()) continue;
    const int64_t rows = head->last_seq - last_seq;
    const bool by_rows =
        schedule_.every_rows > 0 && rows >= schedule_.every_rows;
    const bool by_time = schedule_.every > absl::ZeroDuration() && rows > 0 &&
                         absl::Now() - last_time >= schedule_.every;
    if (!by_rows && !by_time) continue;
    absl::Status published = Publish(by_rows ? "rows" : "time");
    if (!published.ok()) {
      diagnostics_ << "log-signer: checkpoint failed (next try in "
                   << absl::FormatDuration(schedule_.retry)
                   << "): " << published.message() << std::endl;
      absl::MutexLock lock(&mu_);
      next_try_ = absl::Now() + schedule_.retry;
    }
  }
}

absl::Status CheckpointPublisher::Publish(const char* why) {
  absl::StatusOr<SignedHead> signed_head = signer_.Sign();
  if (!signed_head.ok()) return signed_head.status();
  if (absl::Status written = WriteCheckpointFile(path_, signed_head->note);
      !written.ok()) {
    return written;
  }
  const LogCheckpoint& checkpoint = signed_head->checkpoint;
  diagnostics_ << absl::StrCat("log-signer: checkpoint (", why, ") seq ",
                               checkpoint.seq, " row_hash ",
                               ToHex(checkpoint.row_hash), " written to ",
                               path_, "\n")
               << std::flush;
  absl::MutexLock lock(&mu_);
  last_seq_ = checkpoint.seq;
  last_time_ = absl::Now();
  ++written_;
  return absl::OkStatus();
}

}  // namespace refund::server
