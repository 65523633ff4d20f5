// What an agent console shows for a case (SuggestActions): the verdict, the
// ordered actions with their scripts in the agent's language, the evidence
// still missing, the forbidden conduct and the risks.
//
// For a stored decision the answer is that decision, its scripts rendered
// again in the requested locale under the bundle version it was decided with
// (never the active bundle, which may have changed since). For an inline
// request it is a dry run on the active bundle: nothing is stored.
#ifndef SERVER_GRPC_ACTION_SUGGESTER_H_
#define SERVER_GRPC_ACTION_SUGGESTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "refund/v1/service.pb.h"
#include "server/bundles/bundle_cache.h"
#include "server/bundles/bundle_holder.h"
#include "server/log/decision_log.h"

namespace refund::server {

// The dry run of `request` on `bundle`, scripts in `locale` (empty = the
// request's own): what SuggestActions answers for an inline request.
// INVALID_ARGUMENT naming the field (under "request.") for a bad request.
absl::StatusOr<v1::SuggestActionsResponse> SuggestDryRun(
    const CompiledBundle& bundle, v1::RefundRequest request,
    const std::string& locale);

// Thread-safe. Borrows its collaborators, which must outlive it.
class ActionSuggester {
 public:
  ActionSuggester(const BundleHolder& bundles, DecisionLog& log,
                  BundleCache& bundle_cache);

  // Errors:
  // - INVALID_ARGUMENT: neither or both of decision_id and request, or an
  //   invalid inline request (naming the field, under "request.");
  // - NOT_FOUND: no decision has that id within `scope` (a stored decision
  //   of a shop outside it reads as absent; an inline request's shop is the
  //   caller's to check);
  // - UNAVAILABLE: no bundle is loaded, or the log cannot be read;
  // - DATA_LOSS: the stored decision cannot be rendered again as it was
  //   (its bytes or bundle were altered; `refundctl verify` says where).
  absl::StatusOr<v1::SuggestActionsResponse> Suggest(
      const v1::SuggestActionsRequest& request,
      const ShopScope& scope = ShopScope::All()) const;

 private:
  absl::StatusOr<v1::SuggestActionsResponse> ForStoredDecision(
      const std::string& decision_id, const std::string& locale,
      const ShopScope& scope) const;

  const BundleHolder& bundles_;
  DecisionLog& log_;
  BundleCache& bundle_cache_;
};

}  // namespace refund::server

#endif  // SERVER_GRPC_ACTION_SUGGESTER_H_
