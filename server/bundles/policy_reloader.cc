#include "server/bundles/policy_reloader.h"

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/bundle_loader.h"
#include "engine/load/policy_issue.h"
#include "engine/load/shop_layer_loader.h"
#include "server/log/decision_dictionary.h"

namespace refund::server {

PolicyReloader::PolicyReloader(std::string directory, BundleHolder& holder,
                               DecisionLog& log, std::string shop_directory)
    : directory_(std::move(directory)),
      shop_directory_(std::move(shop_directory)),
      holder_(holder),
      log_(log) {}

const char* ReloadSourceName(ReloadSource source) {
  switch (source) {
    case ReloadSource::kStart:
      return "start";
    case ReloadSource::kSignal:
      return "signal";
    case ReloadSource::kRpc:
      return "rpc";
  }
  return "unknown";
}

absl::StatusOr<std::shared_ptr<const ActiveBundle>> PolicyReloader::Reload(
    ReloadSource source) {
  // Two reloads at once (RPC and SIGHUP) would race to swap; one at a time.
  absl::MutexLock lock(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> result = LoadAndSwap();
  Tell(source, "", result);
  return result;
}

absl::StatusOr<std::shared_ptr<const ActiveBundle>> PolicyReloader::ReloadShop(
    const std::string& shop_id, ReloadSource source) {
  absl::MutexLock lock(&reload_mu_);
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> result =
      LoadShopAndSwap(shop_id);
  Tell(source, shop_id, result);
  return result;
}

void PolicyReloader::Tell(
    ReloadSource source, const std::string& shop_id,
    const absl::StatusOr<std::shared_ptr<const ActiveBundle>>& result) {
  if (!listener_) return;
  ReloadEvent event;
  event.source = source;
  event.status = result.status();
  event.active = result.ok() ? *result : holder_.Get();
  event.shop_id = shop_id;
  listener_(event);
}

absl::StatusOr<std::shared_ptr<const ActiveBundle>>
PolicyReloader::LoadAndSwap() {
  std::vector<PolicyIssue> issues;
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> loaded =
      LoadBundleFromDirectory(directory_, &issues);
  if (!loaded.ok()) {
    std::string detail = issues.empty() ? std::string(loaded.status().message())
                                        : FormatIssues(issues);
    return absl::FailedPreconditionError(
        absl::StrCat("policy bundle in ", directory_,
                     " refused; the active bundle keeps serving:\n", detail));
  }
  std::shared_ptr<const CompiledBundle> bundle = std::move(*loaded);
  absl::Status stored = log_.PutBundle(bundle->version(), bundle->name(),
                                       bundle->canonical_text(),
                                       BuildDecisionDictionary(*bundle));
  if (!stored.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot store policy bundle ",
                                               bundle->version(), ": ",
                                               stored.message()));
  }
  std::shared_ptr<const ShopLayers> layers;
  std::string layer_issues;
  if (!shop_directory_.empty()) {
    const ShopLayerLoader loader(bundle);
    absl::StatusOr<ShopLayerSet> set = LoadShopLayers(loader, shop_directory_);
    if (!set.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "shop policy layers refused; the active bundle keeps serving: ",
          set.status().message()));
    }
    const std::shared_ptr<const ActiveBundle> previous = holder_.Get();
    const bool same_floor =
        previous != nullptr && previous->bundle->version() == bundle->version();
    ShopLayers::Map entries;
    for (auto& [shop_id, layer] : set->layers) {
      entries[shop_id] = ShopLayers::Entry{layer, shop_id};
    }
    for (const auto& [name, shop_id] : set->directories) {
      auto it = entries.find(shop_id);
      if (it != entries.end()) it->second.directory = name;
    }
    // A refused layer: its shop keeps the layer it had over this same floor.
    for (const std::string& refused : set->refused) {
      const ShopLayers::Entry* kept =
          same_floor ? previous->LayerEntry(refused) : nullptr;
      if (kept != nullptr && entries.find(refused) == entries.end()) {
        entries[refused] = *kept;
      }
    }
    layers = std::make_shared<const ShopLayers>(std::move(entries));
    layer_issues = FormatIssues(set->issues);
  }
  auto active = std::make_shared<const ActiveBundle>(
      ActiveBundle{std::move(bundle), absl::Now(), directory_,
                   std::move(layers), std::move(layer_issues)});
  holder_.Set(active);
  return active;
}

absl::StatusOr<std::shared_ptr<const ActiveBundle>>
PolicyReloader::LoadShopAndSwap(const std::string& shop_id) {
  const std::shared_ptr<const ActiveBundle> active = holder_.Get();
  if (shop_directory_.empty()) {
    return absl::FailedPreconditionError(
        "the server has no shop layers (start it with --shop_policies=DIR)");
  }
  if (active == nullptr) {
    return absl::FailedPreconditionError("no policy bundle is loaded yet");
  }
  if (const std::string problem = ShopIdProblem(shop_id); !problem.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("shop_id \"", shop_id, "\": ", problem));
  }
  const ShopLayers::Entry* current = active->LayerEntry(shop_id);
  const std::string directory =
      current != nullptr ? current->directory : shop_id;
  const std::string path = absl::StrCat(shop_directory_, "/", directory);
  const std::shared_ptr<const ShopLayers> layers =
      active->layers != nullptr ? active->layers
                                : std::make_shared<const ShopLayers>();
  std::error_code error;
  std::shared_ptr<const ShopLayers> next;
  if (!std::filesystem::is_directory(path, error)) {
    next = layers->With(shop_id, ShopLayers::Entry{nullptr, directory});
  } else {
    std::vector<PolicyIssue> issues;
    absl::StatusOr<std::unique_ptr<const CompiledBundle>> loaded =
        ShopLayerLoader(active->bundle).LoadDirectory(path, &issues);
    if (loaded.ok() && (*loaded)->shop_id() != shop_id) {
      issues.push_back(
          {directory, 0, 0,
           absl::StrCat("the layer in \"", directory, "\" is for shop \"",
                        (*loaded)->shop_id(), "\", not \"", shop_id, "\"")});
      loaded = absl::InvalidArgumentError("another shop");
    }
    if (!loaded.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "shop layer ", shop_id, " refused; ",
          current != nullptr ? "its previous layer" : "the floor alone",
          " keeps serving it:\n",
          issues.empty() ? std::string(loaded.status().message())
                         : FormatIssues(issues)));
    }
    std::shared_ptr<const CompiledBundle> layer = *std::move(loaded);
    absl::Status stored =
        log_.PutBundle(layer->version(), layer->name(), layer->canonical_text(),
                       /*decision_dictionary=*/"");
    if (!stored.ok()) {
      return absl::UnavailableError(absl::StrCat("cannot store shop layer ",
                                                 layer->version(), ": ",
                                                 stored.message()));
    }
    ShopLayers::Entry entry{std::move(layer), directory};
    entry.stored->store(true);
    next = layers->With(shop_id, std::move(entry));
  }
  auto swapped = std::make_shared<const ActiveBundle>(
      ActiveBundle{active->bundle, active->loaded_at, active->source,
                   std::move(next), active->layer_issues});
  holder_.Set(swapped);
  return swapped;
}

}  // namespace refund::server
