#include "server/access/service_method.h"

namespace refund::server {

absl::string_view MethodName(ServiceMethod method) {
  switch (method) {
    case ServiceMethod::kDecide:
      return "Decide";
    case ServiceMethod::kSuggestActions:
      return "SuggestActions";
    case ServiceMethod::kGetDecision:
      return "GetDecision";
    case ServiceMethod::kListDecisions:
      return "ListDecisions";
    case ServiceMethod::kReplay:
      return "Replay";
    case ServiceMethod::kVerifyDecisionLog:
      return "VerifyDecisionLog";
    case ServiceMethod::kGetCheckpoint:
      return "GetCheckpoint";
    case ServiceMethod::kGetPolicyBundle:
      return "GetPolicyBundle";
    case ServiceMethod::kValidatePolicyBundle:
      return "ValidatePolicyBundle";
    case ServiceMethod::kReloadPolicies:
      return "ReloadPolicies";
  }
  return "Unknown";
}

absl::string_view FullMethodName(ServiceMethod method) {
  switch (method) {
    case ServiceMethod::kDecide:
      return "/refund.v1.RefundDecisionService/Decide";
    case ServiceMethod::kSuggestActions:
      return "/refund.v1.RefundDecisionService/SuggestActions";
    case ServiceMethod::kGetDecision:
      return "/refund.v1.RefundDecisionService/GetDecision";
    case ServiceMethod::kListDecisions:
      return "/refund.v1.RefundDecisionService/ListDecisions";
    case ServiceMethod::kReplay:
      return "/refund.v1.RefundDecisionService/Replay";
    case ServiceMethod::kVerifyDecisionLog:
      return "/refund.v1.RefundDecisionService/VerifyDecisionLog";
    case ServiceMethod::kGetCheckpoint:
      return "/refund.v1.RefundDecisionService/GetCheckpoint";
    case ServiceMethod::kGetPolicyBundle:
      return "/refund.v1.RefundDecisionService/GetPolicyBundle";
    case ServiceMethod::kValidatePolicyBundle:
      return "/refund.v1.RefundDecisionService/ValidatePolicyBundle";
    case ServiceMethod::kReloadPolicies:
      return "/refund.v1.RefundDecisionService/ReloadPolicies";
  }
  return "/refund.v1.RefundDecisionService/Unknown";
}

bool RoleMayCall(v1::Role role, ServiceMethod method) {
  switch (role) {
    case v1::ROLE_OMS:
      return method == ServiceMethod::kDecide ||
             method == ServiceMethod::kGetDecision;
    case v1::ROLE_AGENT:
      return method == ServiceMethod::kSuggestActions ||
             method == ServiceMethod::kGetDecision;
    case v1::ROLE_AUDITOR:
      return method == ServiceMethod::kGetDecision ||
             method == ServiceMethod::kListDecisions ||
             method == ServiceMethod::kReplay ||
             method == ServiceMethod::kVerifyDecisionLog ||
             method == ServiceMethod::kGetCheckpoint;
    case v1::ROLE_OPERATOR:
      return method == ServiceMethod::kGetPolicyBundle ||
             method == ServiceMethod::kValidatePolicyBundle ||
             method == ServiceMethod::kReloadPolicies;
    default:
      return false;
  }
}

bool ReadsEveryShop(ServiceMethod method) {
  return method == ServiceMethod::kVerifyDecisionLog ||
         method == ServiceMethod::kGetCheckpoint;
}

absl::string_view RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_OMS:
      return "oms";
    case v1::ROLE_AGENT:
      return "agent";
    case v1::ROLE_AUDITOR:
      return "auditor";
    case v1::ROLE_OPERATOR:
      return "operator";
    default:
      return "unspecified";
  }
}

}  // namespace refund::server
