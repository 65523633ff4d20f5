// Checks a RefundRequest before it is evaluated or stored: bad input gets
// INVALID_ARGUMENT naming the field, never a guess.
#ifndef ENGINE_DECIDE_REQUEST_VALIDATOR_H_
#define ENGINE_DECIDE_REQUEST_VALIDATOR_H_

#include <cstdint>

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
// Claims of one refund_items line: each LineClaim at most once.
inline constexpr int kMaxLineClaims = 4;

// The largest lists and strings a valid request holds, for the cost
// estimate of policy expressions (engine/expr/cost_estimate.h).
expr::CostBounds RequestCostBounds();

// The order's lines (quantity x unit_price, summed in checked arithmetic)
// may add up to at most this many times order.paid_amount. What was paid is
// the lines less the discounts (coupons, 满减, platform subsidies) plus
// shipping, insurance and fees: it may exceed the lines by anything (a
// client may also list only some lines), and fall below them by a discount
// of up to 90%. Every shipped policy test and the test generators pay
// exactly their lines, and the seeds describe no order whose lines exceed
// what was paid; 10^16 of lines against 12,900 paid is refused. An order
// paid 0 must list its lines at 0.
inline constexpr int64_t kMaxLinesToPaidRatio = 10;
// Within the limits above the total cannot overflow; the sum is checked
// anyway, so that raising a limit cannot make it wrap.
static_assert(kMaxMinorUnits <= INT64_MAX / kMaxQuantity / kMaxLineItems);

// What is checked:
// - ids (request_id, refund_id, shop_id required; order.order_id,
//   items[].sku, items[].category, return_shipment.tracking_number,
//   inspection.received_items[].sku, buyer.buyer_id, locale optional): at
//   most kMaxIdLength bytes (locale 32), and the characters of
//   engine/decide/text_rules.h (valid UTF-8; no control, invisible or
//   formatting character; not only spaces); items[].title is free text (at
//   most kMaxTextLength bytes, the lighter rule of text_rules.h);
// - platform, type and reason: required (not UNSPECIFIED) and a value of
//   their enum; evidence, resale_defects and damage_cause values of theirs;
// - amounts: 0 to kMaxMinorUnits, ISO 4217 currency codes; quantities and
//   the buyer's counts 0 to kMaxQuantity; the lines' total as above;
//   requested_amount at most order.paid_amount, in its currency;
// - sizes of the repeated fields (kMaxLineItems, ...);
// - refund_items (after locale): at most kMaxLineItems; each sku required,
//   on exactly one order line ("request.refund_items[0].sku: \"X\" is not
//   in order.items"), named once; quantity 1 to the line's
//   ("request.refund_items[1].quantity: 3 exceeds the 2 ordered"); claims
//   known, distinct, not NOT_RECEIVED with DAMAGED, and a claim that the
//   buyer never got the units (MISSING, NOT_RECEIVED, WRONG_ITEM_RECEIVED)
//   not contradicted by inspection.received_items listing more of the sku
//   than the line's other units; quantities summed in checked arithmetic;
// - times: requested_at required; every time within years 0001-9999; in the
//   order things happen, each compared with the latest earlier one that is
//   set: order.paid_at <= order.shipped_at <= order.delivered_at <=
//   return_shipment.shipped_at <= return_shipment.received_at, applied_at
//   not before order.paid_at, and none after requested_at. The later field
//   is named: "request.return_shipment.shipped_at: before order.paid_at".

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

}  // namespace refund

#endif  // ENGINE_DECIDE_REQUEST_VALIDATOR_H_
