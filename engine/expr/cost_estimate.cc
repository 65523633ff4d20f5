#include "engine/expr/cost_estimate.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace refund::expr {
namespace {

// size() counts code points byte by byte; a comparison is a memcmp.
constexpr int64_t kBytesPerScanStep = 8;
constexpr int64_t kBytesPerCompareStep = 64;

int64_t Add(int64_t a, int64_t b) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? kUnboundedCost : sum;
}

int64_t Mul(int64_t a, int64_t b) {
  int64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? kUnboundedCost : product;
}

int64_t CeilDiv(int64_t a, int64_t b) { return a <= 0 ? 0 : (a - 1) / b + 1; }

bool IsComparison(Op op) {
  switch (op) {
    case Op::kEqual:
    case Op::kNotEqual:
    case Op::kLess:
    case Op::kLessEqual:
    case Op::kGreater:
    case Op::kGreaterEqual:
      return true;
    default:
      return false;
  }
}

// The argument-less helpers keep their result in the frame (EvalCall).
bool IsCachedHelperCall(const Node& node) {
  return node.op == Op::kCall && node.children.empty();
}

// What one evaluation of `node` costs leaving out every loop's iterations
// (charged by the loops themselves at run time), the helpers' loops and the
// string steps: what the evaluator does not count as it goes.
int64_t FlatSteps(const Node& node) {
  switch (node.op) {
    case Op::kSelect:
    case Op::kHas:
      return Add(FlatSteps(*node.children[0]),
                 static_cast<int64_t>(node.path.size()));
    case Op::kList:
      return 1;
    case Op::kTernary:
      return Add(
          Add(1, FlatSteps(*node.children[0])),
          std::max(FlatSteps(*node.children[1]), FlatSteps(*node.children[2])));
    case Op::kExists:
    case Op::kAll:
      return Add(1, FlatSteps(*node.children[0]));
    default: {
      int64_t total = 1;
      for (const auto& child : node.children) {
        total = Add(total, FlatSteps(*child));
      }
      return total;
    }
  }
}

// FlatSteps of the costliest element a list yields (0 for a field's).
int64_t ElementFlatSteps(const Node& list) {
  if (list.op == Op::kList) {
    int64_t most = 0;
    for (const auto& child : list.children) {
      most = std::max(most, FlatSteps(*child));
    }
    return most;
  }
  if (list.op == Op::kTernary) {
    return std::max(ElementFlatSteps(*list.children[1]),
                    ElementFlatSteps(*list.children[2]));
  }
  return 0;
}

}  // namespace

int64_t CostEstimator::Estimate(const Node& root) {
  int64_t total = Cost(root);
  CountCachedHelpers(root, &total);
  return total;
}

void CostEstimator::CountCachedHelpers(const Node& node, int64_t* total) {
  if (IsCachedHelperCall(node) &&
      std::find(counted_helpers_.begin(), counted_helpers_.end(),
                node.helper) == counted_helpers_.end()) {
    counted_helpers_.push_back(node.helper);
    const HelperSpec* spec = FindHelperByFunction(node.helper);
    if (spec != nullptr) {
      *total = Add(*total, HelperLoopSteps(spec->loops, bounds_.helper_lists));
    }
  }
  for (const auto& child : node.children) CountCachedHelpers(*child, total);
}

int64_t CostEstimator::Elements(const Node& list) const {
  switch (list.op) {
    case Op::kList:
      return static_cast<int64_t>(list.children.size());
    case Op::kTernary:
      return std::max(Elements(*list.children[1]), Elements(*list.children[2]));
    case Op::kSelect:
      if (!list.path.empty()) {
        auto it = bounds_.list_sizes.find(list.path.back());
        if (it != bounds_.list_sizes.end()) return it->second;
      }
      return bounds_.default_list_size;
    default:
      return bounds_.default_list_size;
  }
}

int64_t CostEstimator::ElementCost(const Node& list) {
  if (list.op == Op::kList) {
    int64_t most = 0;
    for (const auto& child : list.children) most = std::max(most, Cost(*child));
    return most;
  }
  if (list.op == Op::kTernary) {
    return std::max(ElementCost(*list.children[1]),
                    ElementCost(*list.children[2]));
  }
  return 0;
}

int64_t CostEstimator::StringBytes(const Node& node) const {
  if (node.op == Op::kConstant) {
    return static_cast<int64_t>(node.string_constant.size());
  }
  if (node.op == Op::kTernary) {
    return std::max(StringBytes(*node.children[1]),
                    StringBytes(*node.children[2]));
  }
  if (node.op == Op::kSelect && !node.path.empty()) {
    auto it = bounds_.string_bytes.find(node.path.back());
    if (it != bounds_.string_bytes.end()) return it->second;
  }
  return bounds_.max_string_bytes;
}

int64_t CostEstimator::Cost(const Node& node) {
  switch (node.op) {
    case Op::kConstant:
    case Op::kRoot:
    case Op::kVariable:
    case Op::kList:
      return 1;
    case Op::kSelect:
    case Op::kHas:
      return Add(Cost(*node.children[0]),
                 static_cast<int64_t>(node.path.size()));
    case Op::kTernary:
      return Add(Add(1, Cost(*node.children[0])),
                 std::max(Cost(*node.children[1]), Cost(*node.children[2])));
    case Op::kIn: {
      const Node& needle = *node.children[0];
      const Node& list = *node.children[1];
      int64_t per_element = Add(1, ElementCost(list));
      if (needle.kind == ValueKind::kString) {
        // The elements are strings of at most the longest literal or field.
        const int64_t element_bytes =
            list.op == Op::kList ? 0 : bounds_.max_string_bytes;
        int64_t longest = element_bytes;
        if (list.op == Op::kList) {
          for (const auto& child : list.children) {
            longest = std::max(longest, StringBytes(*child));
          }
        }
        per_element =
            Add(per_element, CeilDiv(std::min(StringBytes(needle), longest),
                                     kBytesPerCompareStep));
      }
      return Add(Add(Add(1, Cost(needle)), Cost(list)),
                 Mul(Elements(list), per_element));
    }
    case Op::kExists:
    case Op::kAll: {
      const Node& range = *node.children[0];
      const int64_t per_iteration =
          Add(Add(1, ElementCost(range)), Cost(*node.children[1]));
      return Add(Add(1, Cost(range)), Mul(Elements(range), per_iteration));
    }
    default:
      break;
  }
  int64_t total = 1;
  for (const auto& child : node.children) total = Add(total, Cost(*child));
  if (node.op == Op::kSize && node.children[0]->kind == ValueKind::kString) {
    total =
        Add(total, CeilDiv(StringBytes(*node.children[0]), kBytesPerScanStep));
  } else if (IsComparison(node.op) &&
             node.children[0]->kind == ValueKind::kString) {
    total = Add(total, CeilDiv(std::min(StringBytes(*node.children[0]),
                                        StringBytes(*node.children[1])),
                               kBytesPerCompareStep));
  } else if (node.op == Op::kCall && !IsCachedHelperCall(node)) {
    const HelperSpec* spec = FindHelperByFunction(node.helper);
    if (spec != nullptr) {
      total = Add(total, HelperLoopSteps(spec->loops, bounds_.helper_lists));
    }
  }
  return total;
}

void SetIterationSteps(Node& root) {
  for (auto& child : root.children) SetIterationSteps(*child);
  if (root.op == Op::kExists || root.op == Op::kAll) {
    root.iteration_steps = Add(Add(1, ElementFlatSteps(*root.children[0])),
                               FlatSteps(*root.children[1]));
  } else if (root.op == Op::kIn) {
    root.iteration_steps = Add(1, ElementFlatSteps(*root.children[1]));
  }
}

std::string FormatSteps(int64_t steps) {
  if (steps < 1'000'000) return absl::StrCat(steps);
  if (steps == kUnboundedCost) return "more than 9.2e18";
  int exponent = static_cast<int>(std::floor(std::log10(double(steps))));
  int tenths = static_cast<int>(
      std::lround(double(steps) / std::pow(10.0, exponent - 1)));
  if (tenths >= 100) {
    tenths /= 10;
    ++exponent;
  }
  if (tenths % 10 == 0) return absl::StrCat(tenths / 10, "e", exponent);
  return absl::StrCat(tenths / 10, ".", tenths % 10, "e", exponent);
}

}  // namespace refund::expr
