// One finished gRPC call as the server's observers see it (metrics, call
// log lines): which method, its status, how long it took, the bytes each
// way, and for Decide what was decided. Plain data, no gRPC.
#ifndef SERVER_TELEMETRY_CALL_RECORD_H_
#define SERVER_TELEMETRY_CALL_RECORD_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace refund::server {

// The methods the server serves, so that labels stay few: the service's
// RPCs, health and reflection; anything else is kOther.
enum class KnownMethod : uint8_t {
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
  kHealthCheck,
  kHealthWatch,
  kReflectionV1Alpha,
  kOther,
};
inline constexpr int kKnownMethodCount =
    static_cast<int>(KnownMethod::kOther) + 1;

// gRPC's path ("/refund.v1.RefundDecisionService/Decide") to its method;
// kOther for a path the server does not serve.
KnownMethod KnownMethodOf(absl::string_view path);

// The full name without the leading '/', as gRPC's OpenTelemetry metrics
// name it ("refund.v1.RefundDecisionService/Decide"); "other" for kOther.
absl::string_view KnownMethodName(KnownMethod method);

// gRPC status codes 0..16.
inline constexpr int kStatusCodeCount = 17;

// "OK", "INVALID_ARGUMENT", ... for 0..16; "UNKNOWN" for anything else.
absl::string_view StatusCodeName(int code);

struct CallRecord {
  KnownMethod method = KnownMethod::kOther;
  // The gRPC status code the call finished with (0..16).
  int status_code = 0;
  // The status message of a failed call (what the caller was told).
  absl::string_view status_message;
  // From the call's start (gRPC handing it to the server) to its status
  // being sent.
  absl::Duration latency;
  // The messages' bytes each way (uncompressed; the server compresses
  // nothing); -1 when not known.
  int64_t sent_bytes = 0;
  int64_t received_bytes = 0;
  // Decide only, read from the decision sent: its ids, its verdict
  // (refund.v1.Verdict, -1 when none was sent) and the bundle version that
  // made it. Views valid during the observer's call only.
  absl::string_view request_id;
  absl::string_view decision_id;
  absl::string_view bundle_version;
  int verdict = -1;
};

}  // namespace refund::server

#endif  // SERVER_TELEMETRY_CALL_RECORD_H_
