// Keeps the gRPC health service in step with the decision log: a replica
// whose log cannot record decisions (server/log/log_health.h) reports
// NOT_SERVING, for the whole server ("") and for the refund service, so that
// load balancers and supervisors stop sending it Decide calls; SERVING again
// when the log recovers. A listener that stopped accepting connections
// (server/grpc/listener_failure.h) keeps it NOT_SERVING for good. Each change
// is written to `out` with its reason.
#ifndef SERVER_GRPC_LOG_HEALTH_WATCHER_H_
#define SERVER_GRPC_LOG_HEALTH_WATCHER_H_

#include <ostream>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/log/decision_log.h"

namespace refund::server {

class LogHealthWatcher {
 public:
  // Polls `log` every `period` on a thread of its own. `log`, `health` and
  // `out` must outlive the watcher.
  LogHealthWatcher(DecisionLog& log, grpc::HealthCheckServiceInterface& health,
                   absl::Duration period, std::ostream& out);
  // Stops the thread (Stop).
  ~LogHealthWatcher();

  // Stops polling; idempotent.
  void Stop();

 private:
  void Run();
  bool Stopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; }

  DecisionLog& log_;
  grpc::HealthCheckServiceInterface& health_;
  const absl::Duration period_;
  std::ostream& out_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace refund::server

#endif  // SERVER_GRPC_LOG_HEALTH_WATCHER_H_
