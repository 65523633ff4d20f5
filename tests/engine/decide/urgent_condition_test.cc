// Which deadline a decision sets when the bundle's urgent condition
// (settings.urgent_when) cannot be evaluated on a case: the urgent one, the
// shorter deadline being the safe side (decision_combiner.cc,
// BUILD_NOTES.md "An urgent condition that cannot be evaluated counts as
// urgent").
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "engine/load/bundle_loader.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using testing::At;

constexpr char kSettings[] = R"pb(
  settings {
    time_zone: "Asia/Shanghai"
    sla_default_hours: 24
    sla_urgent_hours: 2
    urgent_when: "time_until_deadline() < hours(48)"
  }
)pb";

// The test bundle (2 h urgent, 24 h default) whose urgent condition reads
// after_sale_deadline, which fails when the request has none.
std::unique_ptr<const CompiledBundle> BundleUrgentNearTheDeadline() {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  const std::string settings = R"pb(settings { time_zone: "Asia/Shanghai" })pb";
  for (BundleSourceFile& file : files) {
    if (file.path != "bundle.textproto") continue;
    EXPECT_NE(file.content.find(settings), std::string::npos);
    file.content = absl::StrReplaceAll(file.content, {{settings, kSettings}});
  }
  auto bundle = LoadBundle(files);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : nullptr;
}

v1::Decision Decide(const CompiledBundle& bundle,
                    const v1::RefundRequest& request) {
  auto decision = bundle.Decide(request);
  EXPECT_TRUE(decision.ok()) << decision.status();
  return decision.value_or(v1::Decision());
}

TEST(UrgentConditionTest, UrgentConditionThatCannotBeEvaluatedCountsAsUrgent) {
  auto bundle = BundleUrgentNearTheDeadline();
  ASSERT_NE(bundle, nullptr);
  // Requested 2026-05-03 10:00 +08:00 without an after-sale deadline:
  // time_until_deadline() fails, and the case gets 2 h, not 24 h.
  v1::RefundRequest request = testing::SevenDayReturn();
  ASSERT_FALSE(request.has_after_sale_deadline());
  v1::Decision decision = Decide(*bundle, request);
  EXPECT_EQ(decision.respond_by(), At("2026-05-03T12:00:00+08:00"));
  ASSERT_GT(decision.actions_size(), 0);
  EXPECT_EQ(decision.actions(0).due_by(), At("2026-05-03T12:00:00+08:00"));
}

TEST(UrgentConditionTest, UrgentConditionThatEvaluatesDecidesTheDeadline) {
  auto bundle = BundleUrgentNearTheDeadline();
  ASSERT_NE(bundle, nullptr);
  v1::RefundRequest request = testing::SevenDayReturn();
  // 10 days left: not urgent, 24 h.
  *request.mutable_after_sale_deadline() = At("2026-05-13T10:00:00+08:00");
  EXPECT_EQ(Decide(*bundle, request).respond_by(),
            At("2026-05-04T10:00:00+08:00"));
  // 30 hours left: urgent, 2 h.
  *request.mutable_after_sale_deadline() = At("2026-05-04T16:00:00+08:00");
  EXPECT_EQ(Decide(*bundle, request).respond_by(),
            At("2026-05-03T12:00:00+08:00"));
}

}  // namespace
}  // namespace refund
