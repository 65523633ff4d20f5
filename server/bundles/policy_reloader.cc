#include "server/bundles/policy_reloader.h"

#include <memory>
#include <string>
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
#include "server/log/decision_dictionary.h"

namespace refund::server {

PolicyReloader::PolicyReloader(std::string directory, BundleHolder& holder,
                               DecisionLog& log)
    : directory_(std::move(directory)), holder_(holder), log_(log) {}

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
  if (listener_) {
    ReloadEvent event;
    event.source = source;
    event.status = result.status();
    event.active = result.ok() ? *result : holder_.Get();
    listener_(event);
  }
  return result;
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
  auto active = std::make_shared<const ActiveBundle>(
      ActiveBundle{std::move(bundle), absl::Now(), directory_});
  holder_.Set(active);
  return active;
}

}  // namespace refund::server
