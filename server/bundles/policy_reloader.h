// Loads the policy directory and makes it the active bundle: at start-up, on
// the ReloadPolicies RPC and on SIGHUP.
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
};

// Thread-safe; reloads are serialized. Borrows `holder` and `log`, which must
// outlive it.
class PolicyReloader {
 public:
  PolicyReloader(std::string directory, BundleHolder& holder, DecisionLog& log);

  // Loads and compiles every bundle file of the directory. On success stores
  // the bundle's canonical text in the log (before any decision can use it),
  // then swaps it in and returns it. On failure the active bundle is left
  // serving and the result is FAILED_PRECONDITION listing every issue
  // (file:line:col: message), or UNAVAILABLE when the log cannot store the
  // bundle.
  // `source` says who asked; it is passed on to the listener.
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> Reload(
      ReloadSource source = ReloadSource::kStart);

  // Every Reload's outcome is passed to `listener` (on the reloading
  // thread, one at a time, before Reload returns). Set it before the first
  // Reload, never while one may run.
  void SetListener(std::function<void(const ReloadEvent&)> listener) {
    listener_ = std::move(listener);
  }

  const std::string& directory() const { return directory_; }

 private:
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> LoadAndSwap()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);

  const std::string directory_;
  BundleHolder& holder_;
  DecisionLog& log_;
  absl::Mutex reload_mu_;
  std::function<void(const ReloadEvent&)> listener_;
};

}  // namespace refund::server

#endif  // SERVER_BUNDLES_POLICY_RELOADER_H_
