#include "engine/expr/line_amounts.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace refund::expr {
namespace {

using Wide = __int128;

// The units of each sku the inspection lists as come back.
bool ReceivedUnits(const v1::Inspection& inspection,
                   absl::flat_hash_map<std::string_view, int64_t>* units) {
  for (const v1::ReceivedItem& received : inspection.received_items()) {
    int64_t& sum = (*units)[received.sku()];
    if (__builtin_add_overflow(sum, std::max<int64_t>(0, received.quantity()),
                               &sum)) {
      return false;
    }
  }
  return true;
}

int64_t Lookup(const absl::flat_hash_map<std::string_view, int64_t>& units,
               const std::string& sku) {
  const auto it = units.find(sku);
  return it == units.end() ? 0 : it->second;
}

// As in functions.cc: `inspected`, or a list of what came back.
bool ReturnInspected(const v1::Inspection& inspection) {
  return inspection.inspected() || inspection.received_items_size() > 0;
}

// The buyer says these units never reached them: none are expected back.
bool NeverReceived(const v1::RefundItem& item) {
  for (int claim : item.claims()) {
    if (claim == v1::LINE_CLAIM_MISSING ||
        claim == v1::LINE_CLAIM_NOT_RECEIVED ||
        claim == v1::LINE_CLAIM_WRONG_ITEM_RECEIVED) {
      return true;
    }
  }
  return false;
}

// What was paid for `units` of a line whose `ordered` units were paid
// `share`: floor(share x units / ordered), exactly `share` for every unit.
int64_t PaidFor(int64_t share, int64_t units, int64_t ordered) {
  if (ordered <= 0 || units <= 0) return 0;
  if (units >= ordered) return share;
  return static_cast<int64_t>(Wide{share} * units / ordered);
}

}  // namespace

std::vector<int64_t> SplitByLargestRemainder(
    int64_t total, const std::vector<int64_t>& weights) {
  std::vector<int64_t> parts(weights.size(), 0);
  Wide sum = 0;
  for (int64_t w : weights) sum += std::max<int64_t>(0, w);
  if (sum == 0 || total <= 0) return parts;
  std::vector<Wide> remainders(weights.size(), 0);
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Wide scaled = Wide{total} * std::max<int64_t>(0, weights[i]);
    parts[i] = static_cast<int64_t>(scaled / sum);
    remainders[i] = scaled % sum;
    given += parts[i];
  }
  // Fewer than weights.size() units are left: one each to the largest
  // remainders, the earlier line first on a tie.
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return remainders[a] > remainders[b];
  });
  for (size_t k = 0; given < total && k < order.size(); ++k, ++given) {
    ++parts[order[k]];
  }
  return parts;
}

std::vector<int64_t> OrderLineShares(const v1::Order& order) {
  std::vector<int64_t> weights;
  weights.reserve(order.items_size());
  bool any_price = false;
  for (const v1::LineItem& item : order.items()) {
    const Wide w = Wide{std::max<int64_t>(0, item.quantity())} *
                   std::max<int64_t>(0, item.unit_price().minor_units());
    // A valid request keeps quantity x unit_price within int64
    // (request_validator.h); clamp anything else.
    weights.push_back(w > INT64_MAX ? INT64_MAX : static_cast<int64_t>(w));
    any_price |= w > 0;
  }
  if (!any_price) {
    for (int i = 0; i < order.items_size(); ++i) {
      weights[i] = std::max<int64_t>(0, order.items(i).quantity());
    }
  }
  return SplitByLargestRemainder(order.paid_amount().minor_units(), weights);
}

int GiftOwner(const v1::Order& order, int gift_index) {
  if (!order.items(gift_index).is_gift()) return -1;
  for (int i = gift_index - 1; i >= 0; --i) {
    if (!order.items(i).is_gift()) return i;
  }
  for (int i = gift_index + 1; i < order.items_size(); ++i) {
    if (!order.items(i).is_gift()) return i;
  }
  return -1;
}

int64_t LinePaid(const v1::Order& order, const std::vector<int64_t>& shares,
                 const std::string& sku) {
  int64_t paid = 0;
  for (int i = 0; i < order.items_size(); ++i) {
    if (order.items(i).sku() == sku) paid += shares[i];
  }
  return paid;
}

bool ComputeLineAmounts(const v1::RefundRequest& request, LineAmounts* out) {
  const v1::Order& order = request.order();
  const v1::Inspection& inspection = request.inspection();
  const bool inspected = ReturnInspected(inspection);
  const std::vector<int64_t> shares = OrderLineShares(order);
  std::vector<int> owners(order.items_size(), -1);
  int last = -1;
  for (int i = 0; i < order.items_size(); ++i) {
    if (!order.items(i).is_gift()) {
      last = i;
    } else {
      owners[i] = last;
    }
  }
  int next = -1;
  for (int i = order.items_size() - 1; i >= 0; --i) {
    if (!order.items(i).is_gift()) {
      next = i;
    } else if (owners[i] < 0) {
      owners[i] = next;
    }
  }
  // The first order line of each sku (a request names a sku on one line
  // only: request_validator.h).
  absl::flat_hash_map<std::string_view, int> line_of;
  for (int i = 0; i < order.items_size(); ++i) {
    line_of.emplace(order.items(i).sku(), i);
  }
  absl::flat_hash_map<std::string_view, int64_t> received;
  if (!ReceivedUnits(inspection, &received)) return false;
  // The gift lines tied to each line.
  std::vector<std::vector<int>> gifts_of(order.items_size());
  for (int g = 0; g < order.items_size(); ++g) {
    if (owners[g] >= 0) gifts_of[owners[g]].push_back(g);
  }
  *out = LineAmounts();

  // Each requested line: its order line, its units, whether they are
  // expected back.
  struct Asked {
    int index;
    int64_t quantity;
    bool expected_back;
  };
  std::vector<Asked> asked;
  if (request.refund_items_size() == 0) {
    for (int i = 0; i < order.items_size(); ++i) {
      asked.push_back(
          {i, std::max<int64_t>(0, order.items(i).quantity()), true});
    }
  } else {
    for (const v1::RefundItem& item : request.refund_items()) {
      const auto it = line_of.find(item.sku());
      asked.push_back({it == line_of.end() ? -1 : it->second,
                       std::max<int64_t>(0, item.quantity()),
                       !NeverReceived(item)});
    }
  }

  for (const Asked& a : asked) {
    LineAmount line;
    line.order_index = a.index;
    line.quantity = a.quantity;
    if (a.index >= 0) {
      const v1::LineItem& item = order.items(a.index);
      const int64_t ordered = std::max<int64_t>(0, item.quantity());
      const int64_t units = std::min(a.quantity, ordered);
      line.paid = PaidFor(shares[a.index], units, ordered);
      if (inspected && a.expected_back && !item.is_gift()) {
        const int64_t back = Lookup(received, item.sku());
        line.missing_units = units > back ? units - back : 0;
        line.missing_value =
            line.paid -
            PaidFor(shares[a.index], units - line.missing_units, ordered);
      }
      // The gifts that came with this line, when all of it is asked for.
      if (inspected && units == ordered && !item.is_gift()) {
        for (int g : gifts_of[a.index]) {
          const v1::LineItem& gift = order.items(g);
          const int64_t back = Lookup(received, gift.sku());
          const int64_t gift_units = std::max<int64_t>(0, gift.quantity());
          const int64_t missing = gift_units > back ? gift_units - back : 0;
          int64_t value = 0;
          if (__builtin_mul_overflow(missing, gift.gift_value().minor_units(),
                                     &value) ||
              __builtin_add_overflow(line.gift_deduction, value,
                                     &line.gift_deduction)) {
            return false;
          }
        }
      }
      line.expected =
          std::max<int64_t>(0, line.paid - line.missing_value -
                                   std::min(line.gift_deduction, line.paid));
    }
    if (__builtin_add_overflow(out->paid, line.paid, &out->paid) ||
        __builtin_add_overflow(out->missing_units, line.missing_units,
                               &out->missing_units) ||
        __builtin_add_overflow(out->missing_value, line.missing_value,
                               &out->missing_value) ||
        __builtin_add_overflow(out->gift_deduction, line.gift_deduction,
                               &out->gift_deduction) ||
        __builtin_add_overflow(out->expected, line.expected, &out->expected)) {
      return false;
    }
    out->lines.push_back(line);
  }
  return true;
}

}  // namespace refund::expr
