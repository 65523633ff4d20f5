// Which shops' decisions a read of the decision log may return: a principal
// limited to some shops reads through a scope, and the store applies it in
// its query, so another shop's decisions never leave the store.
#ifndef SERVER_LOG_SHOP_SCOPE_H_
#define SERVER_LOG_SHOP_SCOPE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace refund::server {

// Every shop, or exactly the listed ones. There is no "empty means all":
// Only({}) matches nothing. Immutable, cheap to copy for a few shops.
class ShopScope {
 public:
  // Every shop (what a reader without limits, or the server itself, uses).
  static ShopScope All() { return ShopScope(true, {}); }
  // Only these shops (sorted and deduplicated here).
  static ShopScope Only(std::vector<std::string> shop_ids);

  bool all() const { return all_; }
  // Sorted, each once; empty when all() (or when nothing matches).
  const std::vector<std::string>& shop_ids() const { return shop_ids_; }
  bool Contains(absl::string_view shop_id) const;

 private:
  ShopScope(bool all, std::vector<std::string> shop_ids)
      : all_(all), shop_ids_(std::move(shop_ids)) {}

  bool all_;
  std::vector<std::string> shop_ids_;
};

}  // namespace refund::server

#endif  // SERVER_LOG_SHOP_SCOPE_H_
