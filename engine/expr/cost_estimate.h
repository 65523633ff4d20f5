// A static bound on what evaluating a compiled expression can cost, in the
// manner of Kubernetes' CEL cost estimation: every list the expression can
// meet has a largest size (the request validator's limits), so a loop costs
// its list's bound times its body, and nesting multiplies. The bundle loader
// refuses a policy whose expressions cost more than the limits below; the
// evaluator's step budget (Frame::Charge, program.h) is the safety net
// behind the estimate.
//
// A step is one node evaluated (a constant, a variable, an operator, a
// field read: one per field of a path), one iteration of exists()/all(),
// one element `in` compares, one element a helper's loop visits
// (HelperLoopSteps, functions.h), 8 bytes size() counts, 64 bytes a string
// comparison reads. The estimate is the largest number of steps over every
// input within the bounds:
//
//   leaf, list literal             1 (a literal's elements are counted
//                                    where they are read)
//   path a.b.c                     cost(a) + fields on the path
//   op(x, ...)                     1 + cost(x) + ...
//   c ? a : b                      1 + cost(c) + max(cost(a), cost(b))
//   string comparison              + min(bytes of the operands) / 64
//   size(string)                   + bytes / 8
//   x in L                         1 + cost(x) + cost(L)
//                                    + n(L) * (1 + element(L) + comparison)
//   L.exists(v, p), L.all(v, p)    1 + cost(L) + n(L) * (1 + element(L)
//                                    + cost(p))
//   helper(args)                   1 + cost(args) + its loops
//
// where n(L) is the literal's length or the repeated field's bound, and
// element(L) the cost of the costliest element of a literal (0 for a
// field). An argument-less helper runs once per evaluation frame (the frame
// keeps its result, program.h), so its loops are counted once per
// estimator, never multiplied by an enclosing loop; a helper with arguments
// is counted at every call.
//
// At run time the evaluator counts only what grows with the input: each
// iteration is charged 1 + element(L) + the body's cost without the
// iterations of the loops nested in it (Node::iteration_steps, set by
// SetIterationSteps), and each helper its loops on the request's real
// sizes. On an input within the bounds the steps counted never exceed the
// estimate.
#ifndef ENGINE_EXPR_COST_ESTIMATE_H_
#define ENGINE_EXPR_COST_ESTIMATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/expr/functions.h"
#include "engine/expr/program.h"
#include "google/protobuf/descriptor.h"

namespace refund::expr {

// The limits the loader applies (engine/load/bundle_loader.h, LoadOptions):
// the largest estimate of one expression (a rule's condition or amount,
// urgent_when), and of a whole bundle (every expression a decision may
// evaluate, argument-less helpers counted once). The runtime budget of one
// expression's evaluation is kDefaultStepBudget (program.h), the same as the
// per-expression limit. Why these numbers: docs/policy_cost.md.
inline constexpr int64_t kDefaultMaxExpressionCost = kDefaultStepBudget;
inline constexpr int64_t kDefaultMaxBundleCost = 2 * kDefaultStepBudget;

// An estimate that does not fit in int64 (saturated).
inline constexpr int64_t kUnboundedCost = INT64_MAX;

// The largest sizes evaluation can meet.
struct CostBounds {
  // Most elements of a repeated field, by field.
  absl::flat_hash_map<const google::protobuf::FieldDescriptor*, int64_t>
      list_sizes;
  // For a repeated field not in list_sizes.
  int64_t default_list_size = 1000;
  // Longest string a field may hold, in bytes, by field.
  absl::flat_hash_map<const google::protobuf::FieldDescriptor*, int64_t>
      string_bytes;
  // For a string field not in string_bytes.
  int64_t max_string_bytes = 1024;
  // The request lists helpers walk (HelperLoopSteps).
  HelperListSizes helper_lists;
};

// Estimates expressions against fixed bounds. Not thread-safe (it remembers
// which argument-less helpers it has counted); cheap to make.
class CostEstimator {
 public:
  explicit CostEstimator(const CostBounds& bounds) : bounds_(bounds) {}

  // The most steps one evaluation of the tree rooted at `root` takes, plus
  // the loops of the argument-less helpers it calls that no earlier
  // Estimate of this estimator counted. Saturates at kUnboundedCost.
  int64_t Estimate(const Node& root);

 private:
  int64_t Cost(const Node& node);
  int64_t Elements(const Node& list) const;
  int64_t ElementCost(const Node& list);
  int64_t StringBytes(const Node& node) const;
  void CountCachedHelpers(const Node& node, int64_t* total);

  const CostBounds& bounds_;
  std::vector<HelperFn> counted_helpers_;
};

// Sets Node::iteration_steps of every exists()/all() and `in` node of the
// tree (the compiler calls it on each tree it builds).
void SetIterationSteps(Node& root);

// "4200" below a million, else two significant digits: "1.3e10", "1e6".
std::string FormatSteps(int64_t steps);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_COST_ESTIMATE_H_
