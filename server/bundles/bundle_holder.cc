#include "server/bundles/bundle_holder.h"

#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"

namespace refund::server {

std::shared_ptr<const ActiveBundle> BundleHolder::Get() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void BundleHolder::Set(std::shared_ptr<const ActiveBundle> next) {
  // The old bundle is released outside the lock: destroying it may be slow.
  std::shared_ptr<const ActiveBundle> previous;
  {
    absl::MutexLock lock(&mu_);
    previous = std::exchange(current_, std::move(next));
  }
}

}  // namespace refund::server
