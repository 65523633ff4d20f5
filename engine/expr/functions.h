// The helper library: named functions policy authors call (`yuan(5)`,
// `within_days_of_signing(7)`, ...). Bound at compile time to plain function
// pointers; documented for authors in policies/README.md.
#ifndef ENGINE_EXPR_FUNCTIONS_H_
#define ENGINE_EXPR_FUNCTIONS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/expr/program.h"
#include "engine/expr/types.h"

namespace refund::expr {

struct HelperOverload {
  std::vector<Type> params;
  Type result;
  HelperFn fn;
};

// The lists of the request a helper walks, and how: what its own loops cost
// grows with their sizes (cost_estimate.h). Helpers not listed here do a
// fixed amount of work.
enum class HelperLoops : uint8_t {
  kNone,
  kItems,     // once over order.items (has_gifts)
  kEvidence,  // once over evidence (has_evidence)
  // For each received item, over order.items (has_unexpected_items).
  kReceivedTimesItems,
  // For each line item, over received_items and the line items before it
  // (unreturned_gift_value, missing_item_value, missing_item_count).
  kMissingUnits,
  // The amounts of the requested lines (line_amounts.h: returned_value,
  // missing_value, requested_lines_paid, line_paid): a few passes over the
  // order's lines, the received items and the requested lines, with hash
  // lookups. unreturned_gift_value, missing_item_value and
  // missing_item_count take this path instead of kMissingUnits when the
  // request names its lines, and charge the larger of the two: within the
  // request limits (refund_items <= items) that is never more than
  // kMissingUnits at those limits, which their cost estimate counts.
  kLineAmounts,
};

// Sizes of the request's lists the helpers walk.
struct HelperListSizes {
  int64_t items = 0;
  int64_t received_items = 0;
  int64_t evidence = 0;
  // request.refund_items (a whole-order request asks for every line: the
  // helpers count items then).
  int64_t refund_items = 0;
};

// The steps a helper's loops take on lists of these sizes: one per element
// visited, an inner loop's elements included. The evaluator charges this
// with the request's real sizes (Frame::Charge), the cost estimate with the
// largest sizes a valid request may have; one function, so the two agree.
// Sizes are those of repeated fields (at most INT_MAX), for which the result
// fits in int64. Inline: the evaluator calls it with a constant `loops`.
inline int64_t HelperLoopSteps(HelperLoops loops,
                               const HelperListSizes& sizes) {
  const int64_t n = sizes.items;
  const int64_t r = sizes.received_items;
  switch (loops) {
    case HelperLoops::kNone:
      return 0;
    case HelperLoops::kItems:
      return n;
    case HelperLoops::kEvidence:
      return sizes.evidence;
    case HelperLoops::kReceivedTimesItems:
      // any_of over the items for each received item.
      return r + r * n;
    case HelperLoops::kMissingUnits:
      // MissingUnits(i) walks every received item and the i items before
      // line i: n + n*r + n*(n-1)/2.
      return n + n * r + n * (n > 0 ? n - 1 : 0) / 2;
    case HelperLoops::kLineAmounts:
      // Shares and their largest remainders, gift owners, the sku map
      // (4 passes over the lines), the received items, the requested lines.
      return 4 * n + r + (sizes.refund_items > 0 ? sizes.refund_items : n);
  }
  return 0;
}

struct HelperSpec {
  std::string_view name;
  // Reads the request: only for a root of type refund.v1.RefundRequest, and
  // never in a constant expression.
  bool reads_request = false;
  std::vector<HelperOverload> overloads;
  HelperLoops loops = HelperLoops::kNone;
};

// nullptr when there is no helper of that name.
const HelperSpec* FindHelper(std::string_view name);
// The helper one of whose overloads is `fn`; nullptr for none.
const HelperSpec* FindHelperByFunction(HelperFn fn);

// Every helper, for documentation and for reserving their names.
const std::vector<HelperSpec>& AllHelpers();

// The macros handled by the checker itself.
bool IsMacroName(std::string_view name);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_FUNCTIONS_H_
