// The active policy bundle, swapped atomically on reload. An RPC takes a
// snapshot (a shared_ptr) when it starts and finishes on it, even if a reload
// swaps the bundle meanwhile; the old bundle is freed when its last
// in-flight request ends.
#ifndef SERVER_BUNDLES_BUNDLE_HOLDER_H_
#define SERVER_BUNDLES_BUNDLE_HOLDER_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/decide/compiled_bundle.h"
#include "server/bundles/shop_layers.h"

namespace refund::server {

// A loaded bundle and where and when it came from, with the shop layers
// over it. Immutable.
struct ActiveBundle {
  std::shared_ptr<const CompiledBundle> bundle;  // the floor
  absl::Time loaded_at;
  std::string source;  // the directory it was loaded from
  // The shops' layers over `bundle` (null: none).
  std::shared_ptr<const ShopLayers> layers;
  // The issues of the layers the last whole reload refused
  // ("file:line:col: message", one per line; empty when none was).
  std::string layer_issues;

  // What decides `shop_id`'s requests: its layer, else the floor.
  const CompiledBundle& For(absl::string_view shop_id) const {
    const ShopLayers::Entry* entry = LayerEntry(shop_id);
    return entry != nullptr ? *entry->layer : *bundle;
  }
  // The shop's layer entry, or null.
  const ShopLayers::Entry* LayerEntry(absl::string_view shop_id) const {
    return layers == nullptr ? nullptr : layers->Find(shop_id);
  }
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
