// The shipped policies load under the cost limits with room to spare: the
// limits (engine/expr/cost_estimate.h) refuse nested loops over the
// request's lists, not the policies we ship. Prints every expression's
// estimate, costliest first, so a policy change that eats into the margin
// shows which rule it is (docs/policy_cost.md records the numbers).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "engine/decide/bundle_internals.h"
#include "engine/decide/request_validator.h"
#include "engine/expr/cost_estimate.h"
#include "engine/load/bundle_loader.h"
#include "gtest/gtest.h"

namespace refund {
namespace {

// "Plenty of margin": a tenth of each limit.
constexpr int64_t kMarginFactor = 10;

TEST(ShippedBundleCostTest, LoadsWithATenthOfEachLimit) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  const BundleInternals& internals = (*bundle)->internals();
  const expr::CostBounds bounds = RequestCostBounds();

  std::vector<std::pair<int64_t, std::string>> costs;
  expr::CostEstimator bundle_estimator(bounds);
  int64_t total = 0;
  auto add = [&](const expr::Expression* expression, std::string what) {
    if (expression == nullptr) return;
    const expr::Node& root = expression->program().root();
    costs.emplace_back(expr::CostEstimator(bounds).Estimate(root),
                       std::move(what));
    total += bundle_estimator.Estimate(root);
  };
  add(internals.urgent_when.get(), "settings.urgent_when");
  for (const CompiledRule& rule : internals.rules) {
    add(rule.when.get(), rule.id + " when");
    add(rule.refund_amount.get(), rule.id + " refund_amount");
  }
  std::sort(costs.rbegin(), costs.rend());
  for (const auto& [cost, what] : costs) {
    std::printf("%12lld  %s\n", static_cast<long long>(cost), what.c_str());
  }
  std::printf("bundle total %lld over %zu expressions\n",
              static_cast<long long>(total), costs.size());

  ASSERT_FALSE(costs.empty());
  EXPECT_LE(costs.front().first * kMarginFactor,
            expr::kDefaultMaxExpressionCost)
      << costs.front().second;
  EXPECT_LE(total * kMarginFactor, expr::kDefaultMaxBundleCost);
}

}  // namespace
}  // namespace refund
