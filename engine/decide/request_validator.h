// Checks a RefundRequest before it is evaluated or stored: bad input gets
// INVALID_ARGUMENT naming the field, never a guess.
#ifndef ENGINE_DECIDE_REQUEST_VALIDATOR_H_
#define ENGINE_DECIDE_REQUEST_VALIDATOR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/expr/cost_estimate.h"
#include "refund/v1/refund.pb.h"

namespace refund {

// Limits on untrusted input.
inline constexpr int kMaxIdLength = 128;
inline constexpr int kMaxTextLength = 1024;
inline constexpr int kMaxLocaleLength = 32;
inline constexpr int kMaxLineItems = 500;
inline constexpr int kMaxEvidence = 64;
inline constexpr int kMaxReceivedItems = 500;
inline constexpr int kMaxResaleDefects = 32;
inline constexpr int64_t kMaxMinorUnits = 10'000'000'000;  // 10^8 yuan
inline constexpr int64_t kMaxQuantity = 1'000'000;

// The largest lists and strings a valid request holds, for the cost
// estimate of policy expressions (engine/expr/cost_estimate.h).
expr::CostBounds RequestCostBounds();

// OK, or INVALID_ARGUMENT whose message starts with the offending field's
// path under `prefix` ("request.order.delivered_at: after requested_at").
// A valid request costs one IsValidRefundRequest; only an invalid one pays
// for finding and naming the first offending field (RefundRequestError).
absl::Status ValidateRefundRequest(const v1::RefundRequest& request,
                                   absl::string_view prefix = "request");

// ValidateRefundRequest(request).ok(), without building an error: every
// check as one boolean expression.
bool IsValidRefundRequest(const v1::RefundRequest& request);

// The checks of ValidateRefundRequest one by one, in their documented order,
// returning the first failure (OK when there is none). What
// ValidateRefundRequest runs when IsValidRefundRequest says no; exposed so
// tests can hold the two to the same answer.
absl::Status RefundRequestError(const v1::RefundRequest& request,
                                absl::string_view prefix = "request");

// True when `text` holds a byte below 0x20 or 0x7f (what the validator calls
// a control character). Reads eight bytes at a time.
bool HasControlCharacter(absl::string_view text);

}  // namespace refund

#endif  // ENGINE_DECIDE_REQUEST_VALIDATOR_H_
