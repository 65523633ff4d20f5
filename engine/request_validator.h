// Checks a RefundRequest before it is evaluated or stored (SERVICE.md "What
// bad input gets").
#ifndef ENGINE_REQUEST_VALIDATOR_H_
#define ENGINE_REQUEST_VALIDATOR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// Limits on untrusted input.
inline constexpr int kMaxIdLength = 128;
inline constexpr int kMaxTextLength = 1024;
inline constexpr int kMaxLineItems = 500;
inline constexpr int kMaxEvidence = 64;
inline constexpr int kMaxReceivedItems = 500;
inline constexpr int kMaxResaleDefects = 32;
inline constexpr int64_t kMaxMinorUnits = 10'000'000'000;  // 10^8 yuan
inline constexpr int64_t kMaxQuantity = 1'000'000;

// OK, or INVALID_ARGUMENT whose message starts with the offending field's
// path under `prefix` ("request.order.delivered_at: after requested_at").
absl::Status ValidateRefundRequest(const v1::RefundRequest& request,
                                   absl::string_view prefix = "request");

}  // namespace refund

#endif  // ENGINE_REQUEST_VALIDATOR_H_
