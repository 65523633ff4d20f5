// Whether a decision log can take new decisions now, for health checks and
// load balancers: a replica whose log cannot record decisions must stop
// being sent Decide calls.
#ifndef SERVER_LOG_LOG_HEALTH_H_
#define SERVER_LOG_LOG_HEALTH_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace refund::server {

struct LogHealth {
  bool serving = true;
  // Why not, for an operator (empty when serving).
  std::string reason;
};

// The health state a store keeps. Two kinds of trouble:
// - passing: the last commit failed (full disk, I/O error); the store
//   serves again after its next good commit;
// - lasting: the store must not be written any more (its file was moved or
//   deleted, a page is corrupt); only a restart after repair clears it.
// Thread-safe.
class LogHealthState {
 public:
  void CommitSucceeded();
  void CommitFailed(const std::string& reason);
  // The first lasting reason is kept.
  void Broken(const std::string& reason);

  bool broken() const;
  LogHealth Get() const;

 private:
  mutable absl::Mutex mu_;
  std::string failing_ ABSL_GUARDED_BY(mu_);
  std::string broken_ ABSL_GUARDED_BY(mu_);
};

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_HEALTH_H_
