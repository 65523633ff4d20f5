#include "server/grpc/log_health_watcher.h"

#include <pthread.h>

#include <ostream>
#include <string>

#include "refund/v1/service.grpc.pb.h"

namespace refund::server {

LogHealthWatcher::LogHealthWatcher(DecisionLog& log,
                                   grpc::HealthCheckServiceInterface& health,
                                   absl::Duration period, std::ostream& out)
    : log_(log), health_(health), period_(period), out_(out) {
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

void LogHealthWatcher::Run() {
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
    const LogHealth now = log_.Health();
    if (now.serving == serving) continue;
    serving = now.serving;
    health_.SetServingStatus(serving);
    health_.SetServingStatus(service, serving);
    if (serving) {
      out_ << "refund-server: decision log recovered: SERVING" << std::endl;
    } else {
      out_ << "refund-server: decision log cannot record decisions ("
           << now.reason << "): NOT_SERVING" << std::endl;
    }
  }
}

}  // namespace refund::server
