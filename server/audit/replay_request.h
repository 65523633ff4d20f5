// Checks a ReplayRequest and resolves its candidate bundle.
#ifndef SERVER_AUDIT_REPLAY_REQUEST_H_
#define SERVER_AUDIT_REPLAY_REQUEST_H_

#include "absl/status/statusor.h"
#include "refund/v1/service.pb.h"
#include "server/audit/decision_replayer.h"
#include "server/bundles/bundle_cache.h"
#include "server/bundles/candidate_root.h"

namespace refund::server {

// INVALID_ARGUMENT naming the field: `mode` unset or unknown; `limit`
// negative; `filter.verdict` / `filter.from` / `filter.to` invalid;
// `filter.page_size` / `filter.page_token` set (the stream pages itself); in
// exact mode a candidate given; in candidate mode neither or both of
// `candidate_version` and `candidate` given, a `candidate_version` not stored
// in the log, or a `candidate` that does not load (the message lists its
// issues with file:line:col). A `candidate.directory` is read through
// `candidate_root` (LoadBundleSource, as ValidatePolicyBundle does), and
// refused with its errors (FAILED_PRECONDITION without a root). DATA_LOSS
// when the stored text of `candidate_version` was altered; the log's error
// when it cannot be read.
absl::StatusOr<ReplayOptions> ReplayOptionsFromRequest(
    const v1::ReplayRequest& request, BundleCache& bundles,
    const CandidateRoot& candidate_root);

}  // namespace refund::server

#endif  // SERVER_AUDIT_REPLAY_REQUEST_H_
