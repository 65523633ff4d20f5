#include "server/log/log_health.h"

#include <string>

namespace refund::server {

void LogHealthState::CommitSucceeded() {
  absl::MutexLock lock(&mu_);
  failing_.clear();
}

void LogHealthState::CommitFailed(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  failing_ = reason.empty() ? "a commit failed" : reason;
}

void LogHealthState::Broken(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  if (broken_.empty()) broken_ = reason.empty() ? "broken" : reason;
}

bool LogHealthState::broken() const {
  absl::MutexLock lock(&mu_);
  return !broken_.empty();
}

LogHealth LogHealthState::Get() const {
  absl::MutexLock lock(&mu_);
  if (!broken_.empty()) return {false, broken_};
  if (!failing_.empty()) return {false, failing_};
  return {};
}

}  // namespace refund::server
