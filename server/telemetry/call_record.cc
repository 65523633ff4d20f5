#include "server/telemetry/call_record.h"

#include <array>

#include "absl/strings/string_view.h"

namespace refund::server {
namespace {

constexpr std::array<absl::string_view, kKnownMethodCount> kMethodNames = {
    "refund.v1.RefundDecisionService/Decide",
    "refund.v1.RefundDecisionService/SuggestActions",
    "refund.v1.RefundDecisionService/GetDecision",
    "refund.v1.RefundDecisionService/ListDecisions",
    "refund.v1.RefundDecisionService/Replay",
    "refund.v1.RefundDecisionService/VerifyDecisionLog",
    "refund.v1.RefundDecisionService/GetCheckpoint",
    "refund.v1.RefundDecisionService/GetPolicyBundle",
    "refund.v1.RefundDecisionService/ValidatePolicyBundle",
    "refund.v1.RefundDecisionService/ReloadPolicies",
    "grpc.health.v1.Health/Check",
    "grpc.health.v1.Health/Watch",
    "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    "other",
};

constexpr std::array<absl::string_view, kStatusCodeCount> kStatusNames = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

}  // namespace

KnownMethod KnownMethodOf(absl::string_view path) {
  if (path.empty() || path.front() != '/') return KnownMethod::kOther;
  path.remove_prefix(1);
  for (int i = 0; i + 1 < kKnownMethodCount; ++i) {
    if (kMethodNames[i] == path) return static_cast<KnownMethod>(i);
  }
  return KnownMethod::kOther;
}

absl::string_view KnownMethodName(KnownMethod method) {
  return kMethodNames[static_cast<int>(method)];
}

absl::string_view StatusCodeName(int code) {
  if (code < 0 || code >= kStatusCodeCount) return "UNKNOWN";
  return kStatusNames[code];
}

}  // namespace refund::server
