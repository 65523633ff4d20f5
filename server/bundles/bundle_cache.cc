#include "server/bundles/bundle_cache.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/policy_issue.h"
#include "engine/load/shop_layer_loader.h"

namespace refund::server {

BundleCache::BundleCache(DecisionLog& log, size_t capacity)
    : log_(log), capacity_(std::max<size_t>(capacity, 1)) {}

void BundleCache::Add(std::shared_ptr<const CompiledBundle> bundle) {
  absl::MutexLock lock(&mu_);
  if (Lookup(bundle->version()) == nullptr) Insert(std::move(bundle));
}

absl::StatusOr<std::shared_ptr<const CompiledBundle>> BundleCache::Get(
    const std::string& version) {
  {
    absl::MutexLock lock(&mu_);
    if (std::shared_ptr<const CompiledBundle> hit = Lookup(version)) {
      return hit;
    }
  }
  // Compiled outside the lock: two callers may compile the same version at
  // once, and the second insert is dropped.
  absl::StatusOr<std::string> text = log_.GetBundleText(version);
  if (!text.ok()) return text.status();
  std::vector<PolicyIssue> issues;
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> compiled;
  // A shop layer's text names its floor, stored under its own version.
  if (const std::string floor_version = FloorVersionOf(*text);
      !floor_version.empty()) {
    absl::StatusOr<std::shared_ptr<const CompiledBundle>> floor =
        Get(floor_version);
    if (!floor.ok()) {
      return absl::Status(floor.status().code(),
                          absl::StrCat("shop layer ", version, ": its floor: ",
                                       floor.status().message()));
    }
    compiled = ShopLayerLoader(*floor).LoadCanonicalText(*text, &issues);
  } else {
    compiled = LoadBundleFromCanonicalText(*text, &issues);
  }
  if (!compiled.ok()) {
    return absl::DataLossError(absl::StrCat(
        "bundle ", version, ": the stored text no longer compiles: ",
        issues.empty() ? compiled.status().message() : issues[0].message));
  }
  if ((*compiled)->version() != version) {
    return absl::DataLossError(absl::StrCat("bundle ", version,
                                            ": the stored text hashes to ",
                                            (*compiled)->version()));
  }
  std::shared_ptr<const CompiledBundle> bundle = *std::move(compiled);
  absl::MutexLock lock(&mu_);
  if (std::shared_ptr<const CompiledBundle> raced = Lookup(version)) {
    return raced;
  }
  Insert(bundle);
  return bundle;
}

std::shared_ptr<const CompiledBundle> BundleCache::Lookup(
    const std::string& version) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == version) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().second;
    }
  }
  return nullptr;
}

void BundleCache::Insert(std::shared_ptr<const CompiledBundle> bundle) {
  std::string version = bundle->version();
  entries_.emplace_front(std::move(version), std::move(bundle));
  if (entries_.size() > capacity_) entries_.pop_back();
}

}  // namespace refund::server
