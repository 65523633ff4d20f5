// A bundle whose expressions could cost too much to evaluate is refused at
// load (issue 20, finding 1): a condition over the per-expression limit, a
// bundle over its total, a list literal over its length, each reported at
// its place in the file with the estimate. Validation, reloads and replay
// candidates all load through LoadBundle, so this covers them all.
#include <string>
#include <vector>

#include "engine/expr/cost_estimate.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/bundle_with_rules.h"

namespace refund {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A rule whose `when` is at line 5, column 3 of rules.textproto.
std::string Rule(const std::string& id, const std::string& when) {
  return "rules {\n"
         "  id: \"" +
         id +
         "\"\n"
         "  description: \"costs what its condition costs\"\n"
         "  priority: 1\n"
         "  when: \"" +
         when +
         "\"\n"
         "  actions: \"SEND_RETURN_NOTICE\"\n"
         "}\n";
}

// `depth` exists() nested over the order's line items.
std::string NestedExists(int depth) {
  std::string text = "x" + std::to_string(depth) + ".is_gift";
  for (int i = depth; i >= 1; --i) {
    text =
        "request.order.items.exists(x" + std::to_string(i) + ", " + text + ")";
  }
  return text;
}

std::vector<PolicyIssue> IssuesOf(const std::string& rules,
                                  const LoadOptions& options = LoadOptions()) {
  std::vector<PolicyIssue> issues;
  auto bundle =
      LoadBundle(testing::TestBundleWithRules(rules), options, &issues);
  EXPECT_FALSE(bundle.ok());
  return issues;
}

TEST(ExpressionCostLimitTest, FiveNestedLoopsOverTheItemsAreRefused) {
  const std::vector<PolicyIssue> issues =
      IssuesOf(Rule("hostile.deep", NestedExists(5)));
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_EQ(issues[0].ToString(),
            "rules.textproto:5:3: rule \"hostile.deep\": condition costs up "
            "to 9.4e13 steps, over the limit of 5e7 per expression");
}

TEST(ExpressionCostLimitTest, ThreeNestedLoopsAreRefusedTwoLoad) {
  const std::vector<PolicyIssue> issues =
      IssuesOf(Rule("hostile.three", NestedExists(3)));
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0].message, HasSubstr("costs up to 3.8e8 steps"));
  // Two levels (items x received items) is what the shipped missing-gift
  // rule does.
  auto bundle =
      LoadBundle(testing::TestBundleWithRules(Rule("two", NestedExists(2))));
  EXPECT_TRUE(bundle.ok()) << bundle.status();
}

TEST(ExpressionCostLimitTest, AmountOverTheLimitIsRefusedAtItsField) {
  const std::string rules =
      "rules {\n"
      "  id: \"costly.amount\"\n"
      "  description: \"an amount that loops\"\n"
      "  priority: 1\n"
      "  when: \"true\"\n"
      "  refund_amount: \"" +
      NestedExists(3) +
      " ? fen(1) : fen(2)\"\n"
      "  actions: \"SEND_RETURN_NOTICE\"\n"
      "}\n";
  const std::vector<PolicyIssue> issues = IssuesOf(rules);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_EQ(issues[0].line, 6);
  EXPECT_THAT(issues[0].message,
              HasSubstr("rule \"costly.amount\": refund_amount costs up to"));
}

TEST(ExpressionCostLimitTest, LongListLiteralIsRefusedWhereItStarts) {
  // 9,000 integers, ~60 KB of text in the finding; 16 KiB is the longest
  // expression, so 2,500 short ones here.
  std::string list = "[0";
  for (int i = 1; i < 2500; ++i) list += "," + std::to_string(i % 10);
  list += "]";
  const std::vector<PolicyIssue> issues =
      IssuesOf(Rule("hostile.list", "request.buyer.orders_90d in " + list));
  ASSERT_THAT(issues, SizeIs(1));
  // Column 3 + `when: "` (7) + the text before the bracket (28).
  EXPECT_EQ(issues[0].ToString(),
            "rules.textproto:5:38: a list literal has at most 256 elements; "
            "this one has 2500");
}

TEST(ExpressionCostLimitTest, SixtyKilobyteExpressionIsRefusedUnread) {
  std::string list = "[0";
  for (int i = 1; i < 9000; ++i) list += ", " + std::to_string(i * 7);
  list += "]";
  const std::vector<PolicyIssue> issues =
      IssuesOf(Rule("hostile.list", "request.buyer.orders_90d in " + list));
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_EQ(issues[0].line, 5);
  EXPECT_THAT(issues[0].message,
              HasSubstr("expression longer than 16384 bytes"));
}

TEST(ExpressionCostLimitTest, BundleOverItsTotalIsRefusedAtTheCostliest) {
  LoadOptions options;
  options.max_bundle_cost = 3000;
  // 1504 + 1504 + urgent_when and the rest of the test bundle.
  const std::vector<PolicyIssue> issues = IssuesOf(
      Rule("a.one", NestedExists(1)) + Rule("b.two", NestedExists(1)), options);
  ASSERT_THAT(issues, SizeIs(1));
  EXPECT_THAT(issues[0].message,
              HasSubstr("the bundle's expressions cost up to"));
  EXPECT_THAT(issues[0].message,
              HasSubstr("over the limit of 3000 per bundle; the costliest is "
                        "rule \"a.one\": condition (1504 steps)"));
  // The same rules under the default limits load.
  auto bundle = LoadBundle(testing::TestBundleWithRules(
      Rule("a.one", NestedExists(1)) + Rule("b.two", NestedExists(1))));
  EXPECT_TRUE(bundle.ok()) << bundle.status();
}

TEST(ExpressionCostLimitTest, EveryCostlyExpressionIsReportedAtOnce) {
  const std::vector<PolicyIssue> issues = IssuesOf(
      Rule("a.deep", NestedExists(4)) + Rule("b.deep", NestedExists(3)));
  std::vector<int> lines;
  for (const PolicyIssue& issue : issues) lines.push_back(issue.line);
  EXPECT_THAT(lines, ElementsAre(5, 12));
}

}  // namespace
}  // namespace refund
