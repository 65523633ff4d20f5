#include "server/log/shop_scope.h"

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace refund::server {

ShopScope ShopScope::Only(std::vector<std::string> shop_ids) {
  std::sort(shop_ids.begin(), shop_ids.end());
  shop_ids.erase(std::unique(shop_ids.begin(), shop_ids.end()), shop_ids.end());
  return ShopScope(false, std::move(shop_ids));
}

bool ShopScope::Contains(absl::string_view shop_id) const {
  return all_ || std::binary_search(shop_ids_.begin(), shop_ids_.end(), shop_id,
                                    std::less<>());
}

}  // namespace refund::server
