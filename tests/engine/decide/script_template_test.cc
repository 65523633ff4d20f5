#include "engine/decide/script_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::testing::HasSubstr;

TEST(ScriptTemplateTest, FillsTheCaseValues) {
  ScriptTemplate script;
  std::vector<ScriptTemplate::Issue> issues;
  ASSERT_TRUE(ScriptTemplate::Parse(
      "Order {{order_id}}: refund {{refund_amount}} of {{requested_amount}} "
      "by {{ respond_by }}; missing {{missing_evidence}}",
      &script, &issues));
  v1::RefundRequest request = testing::SevenDayReturn();
  absl::TimeZone shanghai;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
  ScriptContext context;
  context.request = &request;
  context.refund_amount = 1250;
  context.respond_by =
      absl::FromUnixSeconds(1777777200);  // 2026-05-03 11:00 +08
  context.zone = shanghai;
  context.locale = "en";
  context.missing_evidence = {v1::EVIDENCE_KIND_UNBOXING_VIDEO,
                              v1::EVIDENCE_KIND_CHAT_RECORD};
  EXPECT_EQ(script.Render(context),
            "Order ord-42: refund ¥12.50 of ¥129.00 by 2026-05-03 11:00; "
            "missing unboxing video, chat record");
  context.locale = "zh-CN";
  EXPECT_THAT(script.Render(context), HasSubstr("开箱视频、聊天记录"));
}

TEST(ScriptTemplateTest, AnOrderWithoutANumberIsNeverABlank) {
  ScriptTemplate script;
  std::vector<ScriptTemplate::Issue> issues;
  ASSERT_TRUE(ScriptTemplate::Parse("Order {{order_id}} is on its way", &script,
                                    &issues));
  v1::RefundRequest request;
  ScriptContext context;
  context.request = &request;
  context.zone = absl::UTCTimeZone();
  context.locale = "en";
  EXPECT_EQ(script.Render(context), "Order (number not given) is on its way");
  context.locale = "zh-CN";
  EXPECT_EQ(script.Render(context), "Order (未提供单号) is on its way");
}

TEST(ScriptTemplateTest, UnknownPlaceholderIsAnIssueAtItsOffset) {
  ScriptTemplate script;
  std::vector<ScriptTemplate::Issue> issues;
  EXPECT_FALSE(ScriptTemplate::Parse("Hi {{buyer_name}} and {{oops}}", &script,
                                     &issues));
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].offset, 3);
  EXPECT_THAT(issues[0].message, HasSubstr("buyer_name"));
  EXPECT_EQ(issues[1].offset, 22);
}

TEST(ScriptTemplateTest, UnclosedPlaceholderIsAnIssue) {
  ScriptTemplate script;
  std::vector<ScriptTemplate::Issue> issues;
  EXPECT_FALSE(ScriptTemplate::Parse("Hi {{order_id", &script, &issues));
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_THAT(issues[0].message, HasSubstr("unclosed"));
}

TEST(FormatYuanTest, FormatsMinorUnits) {
  EXPECT_EQ(FormatYuan(1250), "¥12.50");
  EXPECT_EQ(FormatYuan(5), "¥0.05");
  EXPECT_EQ(FormatYuan(0), "¥0.00");
  EXPECT_EQ(FormatYuan(-300), "-¥3.00");
  EXPECT_EQ(FormatYuan(INT64_MIN), "-¥92233720368547758.08");
}

TEST(ReviewInducementTest, FindsPromisesForReviews) {
  EXPECT_EQ(FindReviewInducement("给个好评返现5元"), "好评返现");
  EXPECT_EQ(FindReviewInducement("Leave 5 stars for a good review bonus"),
            "for a good review");
  EXPECT_EQ(FindReviewInducement("We offer CashBack"), "cashback");
  EXPECT_TRUE(FindReviewInducement("请保持商品完好").empty());
}

}  // namespace
}  // namespace refund
