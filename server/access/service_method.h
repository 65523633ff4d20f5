// The RPCs of refund.v1.RefundDecisionService as the access policy sees
// them, and which role may call which: the table of docs/access_control.md.
#ifndef SERVER_ACCESS_SERVICE_METHOD_H_
#define SERVER_ACCESS_SERVICE_METHOD_H_

#include "absl/strings/string_view.h"
#include "refund/v1/access.pb.h"

namespace refund::server {

enum class ServiceMethod {
  kDecide,
  kSuggestActions,
  kGetDecision,
  kListDecisions,
  kReplay,
  kVerifyDecisionLog,
  kGetCheckpoint,
  kGetPolicyBundle,
  kValidatePolicyBundle,
  kReloadPolicies,
};

// "Decide", as in the proto.
absl::string_view MethodName(ServiceMethod method);

// "/refund.v1.RefundDecisionService/Decide", as gRPC names it.
absl::string_view FullMethodName(ServiceMethod method);

// Whether `role` may call `method`:
//   oms       Decide, GetDecision
//   agent     SuggestActions, GetDecision
//   auditor   GetDecision, ListDecisions, Replay, VerifyDecisionLog,
//             GetCheckpoint
//   operator  GetPolicyBundle, ValidatePolicyBundle, ReloadPolicies
bool RoleMayCall(v1::Role role, ServiceMethod method);

// Whether `method` reads the whole log at once (VerifyDecisionLog,
// GetCheckpoint: they report on every row, whatever its shop), so that a
// principal limited to some shops may not call it.
bool ReadsEveryShop(ServiceMethod method);

// "oms", "agent", "auditor", "operator" ("unspecified" for 0).
absl::string_view RoleName(v1::Role role);

}  // namespace refund::server

#endif  // SERVER_ACCESS_SERVICE_METHOD_H_
