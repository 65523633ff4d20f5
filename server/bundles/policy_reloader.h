// Loads the policy directory and makes it the active bundle: at start-up, on
// the ReloadPolicies RPC and on SIGHUP.
#ifndef SERVER_BUNDLES_POLICY_RELOADER_H_
#define SERVER_BUNDLES_POLICY_RELOADER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/bundles/bundle_holder.h"
#include "server/log/decision_log.h"

namespace refund::server {

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
  absl::StatusOr<std::shared_ptr<const ActiveBundle>> Reload();

  const std::string& directory() const { return directory_; }

 private:
  const std::string directory_;
  BundleHolder& holder_;
  DecisionLog& log_;
  absl::Mutex reload_mu_;
};

}  // namespace refund::server

#endif  // SERVER_BUNDLES_POLICY_RELOADER_H_
