// What a batched store's writer reports as it works, for whoever watches the
// server (metrics): plain numbers through a small interface, so that the log
// knows nothing of how they are exported.
#ifndef SERVER_LOG_LOG_WRITER_OBSERVER_H_
#define SERVER_LOG_LOG_WRITER_OBSERVER_H_

#include <cstddef>

#include "absl/time/time.h"

namespace refund::server {

// Why a batch was not stored.
enum class LogStoreError {
  // The store failed in a way that may pass (UNAVAILABLE): I/O, a lost
  // connection, a full disk.
  kUnavailable,
  // The store must not be written any more (DATA_LOSS): it turns broken.
  kDataLoss,
  // The store is already broken: the batch was refused unwritten.
  kBroken,
};

// "unavailable", "data_loss", "broken".
const char* LogStoreErrorName(LogStoreError error);

// Called from the writer's threads and from Append's caller: implementations
// must be thread-safe and cheap (QueueDepth runs under the queue's lock, on
// the Decide path). The observer must outlive the writer.
class LogWriterObserver {
 public:
  virtual ~LogWriterObserver() = default;

  // The number of writes waiting for the writer thread, after each one is
  // queued and after the writer takes a batch.
  virtual void QueueDepth(size_t depth) = 0;

  // A batch of `writes` writes committed; `commit` is the time the store
  // took to write and commit it.
  virtual void BatchCommitted(size_t writes, absl::Duration commit) = 0;

  // A batch of `writes` writes was not stored.
  virtual void BatchFailed(size_t writes, LogStoreError error) = 0;
};

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_WRITER_OBSERVER_H_
