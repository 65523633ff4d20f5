// What each order line of a request is worth: the line's share of what was
// paid, the units that did not come back, the gifts tied to it. The rules
// (policies/README.md, "Order lines") in one place, for the helpers
// (functions.cc), the decision's ceiling and its per-line results
// (engine/decide/).
#ifndef ENGINE_EXPR_LINE_AMOUNTS_H_
#define ENGINE_EXPR_LINE_AMOUNTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "refund/v1/refund.pb.h"

namespace refund::expr {

// Splits `total` (>= 0) over `weights` (each >= 0) in proportion, in whole
// units, by the largest remainder: each part is floor(total x w / W), and
// the units left over go one each to the parts with the largest remainders,
// the earlier part first on a tie. The parts add up to `total` exactly
// when W > 0; all parts are 0 when W == 0.
std::vector<int64_t> SplitByLargestRemainder(
    int64_t total, const std::vector<int64_t>& weights);

// The share of order.paid_amount of each order.items line (same index):
// paid_amount split by quantity x unit_price (by quantity when every line
// is priced 0; all 0 when the lines are empty or hold no units). Gift lines
// take part like any other (a gift is usually priced 0, so takes nothing).
std::vector<int64_t> OrderLineShares(const v1::Order& order);

// The order line a gift line belongs to: the nearest non-gift line before
// it, else the first non-gift line after it; -1 for a non-gift line or an
// order with no non-gift line.
int GiftOwner(const v1::Order& order, int gift_index);

// One requested line (a refund_items entry, or for a whole-order request
// every order line at its full quantity).
struct LineAmount {
  int order_index = -1;  // into order.items; -1: no line has that sku
  int64_t quantity = 0;  // units requested
  // What was paid for them: floor(share x quantity / ordered).
  int64_t paid = 0;
  // Units of the request that the inspection did not find in the return
  // (0 when the return was not inspected, for a gift line, and for a line
  // whose claims say the buyer never got them: missing, not received,
  // wrong item received).
  int64_t missing_units = 0;
  // paid less what was paid for the units that did come back.
  int64_t missing_value = 0;
  // Value of the gifts tied to this line (GiftOwner) that did not come
  // back; only when the whole line is requested.
  int64_t gift_deduction = 0;
  // paid - missing_value - gift_deduction, at least 0.
  int64_t expected = 0;
};

struct LineAmounts {
  std::vector<LineAmount> lines;
  int64_t paid = 0;
  int64_t missing_units = 0;
  int64_t missing_value = 0;
  int64_t gift_deduction = 0;
  int64_t expected = 0;
};

// The amounts of the request's lines. False when a sum does not fit in an
// int64 (not for a request ValidateRefundRequest accepts).
bool ComputeLineAmounts(const v1::RefundRequest& request, LineAmounts* out);

// What was paid for the order lines of this sku (0 when none has it).
int64_t LinePaid(const v1::Order& order, const std::vector<int64_t>& shares,
                 const std::string& sku);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_LINE_AMOUNTS_H_
