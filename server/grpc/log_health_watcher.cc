#include "server/grpc/log_health_watcher.h"

#include <pthread.h>

#include <optional>
#include <ostream>
#include <string>

#include "refund/v1/service.grpc.pb.h"
#include "server/grpc/listener_failure.h"

namespace refund::server {

LogHealthWatcher::LogHealthWatcher(DecisionLog& log,
                                   grpc::HealthCheckServiceInterface& health,
                                   absl::Duration period, std::ostream& out)
    : log_(log), health_(health), period_(period), out_(out) {
  // Known by name from the start (gRPC's health service knows only "" until
  // a status is set), so a probe may ask for the service itself.
  health_.SetServingStatus(v1::RefundDecisionService::service_full_name(),
                           true);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "log-health");
    Run();
  });
}

LogHealthWatcher::~LogHealthWatcher() { Stop(); }

void LogHealthWatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

// No UBSan vptr check here: to check a virtual call it probes the object's
// memory through a pipe of its own, and this thread must report exactly when
// the descriptors have run out (server/grpc/listener_failure.h): the probe
// fails and UBSan reports a false "invalid vptr" on health_.
__attribute__((no_sanitize("vptr"))) void LogHealthWatcher::Run() {
  const std::string service = v1::RefundDecisionService::service_full_name();
  bool serving = true;  // as the server starts
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(
              absl::Condition(this, &LogHealthWatcher::Stopping), period_)) {
        return;
      }
    }
    const std::optional<std::string> listener = ListenerFailure();
    const LogHealth log = log_.Health();
    const bool now = log.serving && !listener.has_value();
    if (now == serving) continue;
    serving = now;
    health_.SetServingStatus(serving);
    health_.SetServingStatus(service, serving);
    if (serving) {
      out_ << "refund-server: decision log recovered: SERVING" << std::endl;
    } else if (listener.has_value()) {
      out_ << "refund-server: the listener stopped accepting connections ("
           << *listener << "): NOT_SERVING; restart the server" << std::endl;
    } else {
      out_ << "refund-server: decision log cannot record decisions ("
           << log.reason << "): NOT_SERVING" << std::endl;
    }
  }
}

}  // namespace refund::server
