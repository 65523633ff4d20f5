// The wire form of a decision filter (ListDecisionsRequest) to the log's
// (DecisionFilter): ListDecisions and Replay take the same filter.
#ifndef SERVER_AUDIT_DECISION_FILTER_H_
#define SERVER_AUDIT_DECISION_FILTER_H_

#include "absl/status/statusor.h"
#include "refund/v1/service.pb.h"
#include "server/log/decision_log.h"

namespace refund::server {

// INVALID_ARGUMENT naming the field (prefixed by `prefix` and a dot when
// `prefix` is not empty) for an unknown verdict or an invalid timestamp.
absl::StatusOr<DecisionFilter> ToDecisionFilter(
    const v1::ListDecisionsRequest& request, absl::string_view prefix = "");

}  // namespace refund::server

#endif  // SERVER_AUDIT_DECISION_FILTER_H_
