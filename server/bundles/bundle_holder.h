// The active policy bundle, swapped atomically on reload. An RPC takes a
// snapshot (a shared_ptr) when it starts and finishes on it, even if a reload
// swaps the bundle meanwhile; the old bundle is freed when its last
// in-flight request ends.
#ifndef SERVER_BUNDLES_BUNDLE_HOLDER_H_
#define SERVER_BUNDLES_BUNDLE_HOLDER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/decide/compiled_bundle.h"

namespace refund::server {

// A loaded bundle and where and when it came from. Immutable.
struct ActiveBundle {
  std::shared_ptr<const CompiledBundle> bundle;
  absl::Time loaded_at;
  std::string source;  // the directory it was loaded from
};

// Thread-safe.
class BundleHolder {
 public:
  BundleHolder() = default;
  BundleHolder(const BundleHolder&) = delete;
  BundleHolder& operator=(const BundleHolder&) = delete;

  // The current bundle; null until the first Set.
  std::shared_ptr<const ActiveBundle> Get() const;
  void Set(std::shared_ptr<const ActiveBundle> next);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const ActiveBundle> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace refund::server

#endif  // SERVER_BUNDLES_BUNDLE_HOLDER_H_
