// refundctl explain: every rule's breakdown, matched or not; Chinese text as
// UTF-8; a stored decision by its id.
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/refundctl/cli_run.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

// A seven-day return of an item whose title is Chinese.
constexpr char kChineseTitleRequest[] = R"({
  "request_id": "req-explain-1", "refund_id": "rf-1", "shop_id": "shop-1",
  "platform": "PLATFORM_DOUYIN", "type": "REQUEST_TYPE_RETURN_AND_REFUND",
  "reason": "REASON_NO_REASON",
  "requested_amount": {"currency": "CNY", "minor_units": "12900"},
  "order": {"order_id": "ord-1", "paid_amount": {"currency": "CNY", "minor_units": "12900"},
            "paid_at": "2026-04-28T01:00:00Z", "shipped_at": "2026-04-29T01:00:00Z",
            "delivered_at": "2026-05-01T04:00:00Z",
            "items": [{"sku": "dress", "title": "水蓝色连衣裙", "quantity": "1",
                       "unit_price": {"currency": "CNY", "minor_units": "12900"}}]},
  "requested_at": "2026-05-03T02:00:00Z"
})";

// The rule lines ("  [priority] id: outcome") and, for each, whether
// sub-expression lines follow it.
std::vector<std::pair<std::string, bool>> RuleLines(const std::string& out) {
  std::vector<std::pair<std::string, bool>> rules;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "  [")) {
      rules.emplace_back(std::string(line), false);
    } else if (!rules.empty() && absl::StartsWith(line, "      ") &&
               absl::StrContains(line, "  =>  ")) {
      rules.back().second = true;
    }
  }
  return rules;
}

TEST(ExplainCommandTest, EveryRuleIsBrokenDownMatchedOrNot) {
  testing::TempDir dir;
  dir.Write("request.json", kChineseTitleRequest);
  const CliRun run = Cli({"explain", "--policies", REFUND_POLICIES_DIR,
                          dir.path() + "/request.json"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto rules = RuleLines(run.out);
  ASSERT_FALSE(rules.empty());
  int matched = 0;
  for (const auto& [line, broken_down] : rules) {
    EXPECT_TRUE(broken_down) << line;
    matched += absl::EndsWith(line, ": true");
  }
  EXPECT_GT(matched, 0) << run.out;
}

TEST(ExplainCommandTest, ChineseTextPrintsAsUtf8) {
  testing::TempDir dir;
  dir.Write("request.json", kChineseTitleRequest);
  const CliRun run = Cli({"explain", "--policies", REFUND_POLICIES_DIR,
                          dir.path() + "/request.json"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("title: \"水蓝色连衣裙\""));
  EXPECT_THAT(run.out, Not(ContainsRegex("\\\\[0-7][0-7][0-7]")));
}

TEST(ExplainCommandTest, AStoredDecisionByItsId) {
  auto stored = testing::StoredLog::Create(5);
  ASSERT_TRUE(stored.ok()) << stored.status();
  (*stored)->log.reset();
  const v1::Decision& wanted = (*stored)->decisions[3];
  const CliRun run = Cli({"explain", "--decision_id", wanted.decision_id(),
                          "--db", (*stored)->path});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"decision_id\": \"" + wanted.decision_id()));
  const auto rules = RuleLines(run.out);
  EXPECT_EQ(static_cast<int>(rules.size()),
            (*stored)->bundle->definition().rules_size());
  for (const v1::MatchedRule& rule : wanted.matched_rules()) {
    // The engine's own fallback is no rule of the bundle.
    if (absl::StartsWith(rule.rule_id(), "engine.")) continue;
    EXPECT_THAT(run.out, HasSubstr("] " + rule.rule_id() + ": true"));
  }

  const CliRun unknown =
      Cli({"explain", "--decision_id", "no-such", "--db", (*stored)->path});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no-such"));
  const CliRun no_log = Cli({"explain", "--decision_id", "x"});
  EXPECT_EQ(no_log.code, 2);
  EXPECT_THAT(no_log.err, HasSubstr("--decision_id needs --log"));
}

}  // namespace
}  // namespace refund
