// Loads the policy directory (the floor) and the shop layers over it
// (`--shop_policies`) and makes them active: at start-up, on the
// ReloadPolicies RPC and on SIGHUP; one shop's layer alone on
// ReloadPolicies with a shop id.
#ifndef SERVER_BUNDLES_POLICY_RELOADER_H_
#define SERVER_BUNDLES_POLICY_RELOADER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/bundles/bundle_holder.h"
#include "server/log/decision_log.h"

namespace refund::server {

// What asked for a reload.
enum class ReloadSource { kStart, kSignal, kRpc };

// "start", "signal", "rpc".
const char* ReloadSourceName(ReloadSource source);

// One reload's outcome, as the reloader's listener is told it.
struct ReloadEvent {
  ReloadSource source = ReloadSource::kStart;
  // OK; FAILED_PRECONDITION (the bundle refused, its issues in the
  // message) or UNAVAILABLE (the log could not store it), as Reload returns.
  absl::Status status;
  // The bundle now serving (after a failure: the one that keeps serving,
  // null when none was ever loaded).
  std::shared_ptr<const ActiveBundle> active;
  // A one-shop reload's shop; empty for a whole reload.
  std::string shop_id;
};

// Thread-safe; reloads are serialized. Borrows `holder` and `log`, which must
// outlive it.
class PolicyReloader {
 public:
  // `shop_directory` (may be empty: no layers) holds one folder per shop
  // layer.
  PolicyReloader(std::string directory, BundleHolder& holder, DecisionLog& log,
                 std::string shop_directory = "");

  // Loads and compiles every bundle file of the directory. On success stores
  // the bundle's canonical text in the log (before any decision can use it),
  // then swaps it in and returns it. On failure the active bundle is left
  // serving and the result is FAILED_PRECONDITION listing every issue
  // (file:line:col: message), or UNAVAILABLE when the log cannot store the
  // bundle.
  // `source` says who asked; it is passed on to the listener.
  //
  // With a shop directory, every layer in it is loaded over the new floor
  // (engine/load/shop_layer_loader.h); a layer that is refused is reported
  // in ActiveBundle::layer_issues, and its shop keeps its previous layer
  // when the floor did not change, else gets the floor alone; the other
  // layers serve. A layer's text is stored in the log by the first decision
  // that uses it. NOT_FOUND-like failures of the shop directory itself
  // (missing, unreadable) refuse the reload as a bundle issue does.
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> Reload(
      ReloadSource source = ReloadSource::kStart);

  // Reloads `shop_id`'s layer alone, over the active floor: swaps it in
  // atomically (every other shop keeps its layer), stores its text, and
  // returns the new active bundle. When its folder is gone the shop is left
  // with the floor alone. FAILED_PRECONDITION (the layer's issues; the
  // previous layer keeps serving) when it is refused or there is no shop
  // directory; INVALID_ARGUMENT for a shop id that cannot name a layer;
  // UNAVAILABLE when the log cannot store it.
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> ReloadShop(
      const std::string& shop_id, ReloadSource source = ReloadSource::kRpc);

  // Every Reload's outcome is passed to `listener` (on the reloading
  // thread, one at a time, before Reload returns). Set it before the first
  // Reload, never while one may run.
  void SetListener(std::function<void(const ReloadEvent&)> listener) {
    listener_ = std::move(listener);
  }

  const std::string& directory() const { return directory_; }
  const std::string& shop_directory() const { return shop_directory_; }

 private:
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> LoadAndSwap()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> LoadShopAndSwap(
      const std::string& shop_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  void Tell(ReloadSource source, const std::string& shop_id,
            const absl::StatusOr<std::shared_ptr<const ActiveBundle>>& result);

  const std::string directory_;
  const std::string shop_directory_;
  BundleHolder& holder_;
  DecisionLog& log_;
  absl::Mutex reload_mu_;
  std::function<void(const ReloadEvent&)> listener_;
};

}  // namespace refund::server

#endif  // SERVER_BUNDLES_POLICY_RELOADER_H_
