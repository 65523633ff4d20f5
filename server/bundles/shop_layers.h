// The shop policy layers a server serves (policies/README.md, "Shop
// layers"), by shop id: immutable, replaced as a whole on every reload (a
// one-shop reload copies the map with that shop's entry changed), so a call
// that took a snapshot finishes on it.
#ifndef SERVER_BUNDLES_SHOP_LAYERS_H_
#define SERVER_BUNDLES_SHOP_LAYERS_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "engine/decide/compiled_bundle.h"

namespace refund::server {

class ShopLayers {
 public:
  struct Entry {
    std::shared_ptr<const CompiledBundle> layer;
    // The folder under --shop_policies it was read from (the shop id, unless
    // the layer's files name another).
    std::string directory;
    // Whether the decision log holds the layer's text yet: set once stored
    // (the first decision of the shop stores it), shared by the copies of
    // this entry in later maps.
    std::shared_ptr<std::atomic<bool>> stored =
        std::make_shared<std::atomic<bool>>(false);
  };
  using Map = absl::flat_hash_map<std::string, Entry>;

  ShopLayers() = default;
  explicit ShopLayers(Map by_shop) : by_shop_(std::move(by_shop)) {}

  // Null when the shop has no layer.
  const Entry* Find(absl::string_view shop_id) const {
    auto it = by_shop_.find(shop_id);
    return it == by_shop_.end() ? nullptr : &it->second;
  }
  const Map& entries() const { return by_shop_; }
  size_t size() const { return by_shop_.size(); }

  // A copy with `shop_id`'s entry set to `entry`, or removed when
  // `entry.layer` is null.
  std::shared_ptr<const ShopLayers> With(const std::string& shop_id,
                                         Entry entry) const {
    Map copy = by_shop_;
    if (entry.layer == nullptr) {
      copy.erase(shop_id);
    } else {
      copy[shop_id] = std::move(entry);
    }
    return std::make_shared<const ShopLayers>(std::move(copy));
  }

 private:
  Map by_shop_;
};

}  // namespace refund::server

#endif  // SERVER_BUNDLES_SHOP_LAYERS_H_
