// Shop policy layers through the real server on the shipped floor
// (--shop_policies): each shop decided by its layer over the floor, the
// others by the floor alone; a layer that weakens the floor refused at start
// with the others serving; GetPolicyBundle, ValidatePolicyBundle and
// ReloadPolicies per shop (one shop's layer swapped alone, a refused one
// keeping the previous, a removed folder leaving the floor, a new folder
// picked up); decisions that name floor and layer and replay exactly.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"

namespace refund::e2e {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Property;

// shop-a: fifteen days instead of seven, and a 12-hour reply.
constexpr char kFifteenDays[] = R"pb(
  settings { sla_default_hours: 12 }
  rules {
    id: "shop.fifteen_day_returns"
    description: "本店十五天无理由退货 fifteen days instead of seven"
    priority: 600
    when: "request.reason == REASON_NO_REASON"
          " && request.type in [REQUEST_TYPE_RETURN_AND_REFUND, REQUEST_TYPE_EXCHANGE]"
          " && is_delivered() && within_days_of_signing(15)"
          " && !request.order.items.exists(i, i.no_reason_return_exempt && !i.is_gift)"
    verdict: VERDICT_APPROVE
    actions: "SEND_RETURN_NOTICE"
  }
)pb";

// shop-b: refuses every no-reason return, which the floor approves.
constexpr char kNoReturns[] = R"pb(
  rules {
    id: "shop.no_returns"
    description: "no returns"
    priority: 900
    when: "request.reason == REASON_NO_REASON"
    verdict: VERDICT_REJECT
  }
)pb";

void Write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// Ten days after signing: past the floor's seven, within shop-a's fifteen.
v1::RefundRequest TenDaysLate(const std::string& request_id,
                              const std::string& shop_id) {
  v1::RefundRequest request = SevenDayReturn(request_id);
  request.set_shop_id(shop_id);
  v1::Order* order = request.mutable_order();
  *order->mutable_paid_at() = At(EvaluatedAt() - absl::Hours(24 * 12));
  *order->mutable_shipped_at() = At(EvaluatedAt() - absl::Hours(24 * 11));
  *order->mutable_delivered_at() = At(EvaluatedAt() - absl::Hours(24 * 10));
  return request;
}

class ShopLayersE2ETest : public ServerTestBase {
 protected:
  void SetUp() override {
    shops_ = std::filesystem::path(dir_.path()) / "shops";
    Write(shops_ / "shop-a" / "rules.textproto", kFifteenDays);
    Write(shops_ / "shop-b" / "rules.textproto", kNoReturns);
    ServerProcessOptions options;
    options.extra_args = {absl::StrCat("--shop_policies=", shops_.string())};
    StartServer(REFUND_POLICIES_DIR, options);
  }

  v1::PolicyBundleInfo BundleOf(const std::string& shop_id) {
    grpc::ClientContext context;
    v1::GetPolicyBundleRequest request;
    request.set_shop_id(shop_id);
    v1::PolicyBundleInfo info;
    EXPECT_TRUE(stub_->GetPolicyBundle(&context, request, &info).ok());
    return info;
  }
  grpc::Status Reload(const std::string& shop_id, v1::PolicyBundleInfo* info) {
    grpc::ClientContext context;
    v1::ReloadPoliciesRequest request;
    request.set_shop_id(shop_id);
    return stub_->ReloadPolicies(&context, request, info);
  }

  std::filesystem::path shops_;
};

TEST_F(ShopLayersE2ETest, EachShopIsDecidedByItsLayerOverTheFloor) {
  const v1::Decision layered = DecideOk(TenDaysLate("a-1", "shop-a"));
  EXPECT_EQ(layered.verdict(), v1::VERDICT_APPROVE);
  EXPECT_EQ(layered.policy().version(), server_->version());
  EXPECT_EQ(layered.policy().layer_shop_id(), "shop-a");
  EXPECT_FALSE(layered.policy().layer_version().empty());
  EXPECT_THAT(
      layered.matched_rules(),
      Contains(
          AllOf(Property(&v1::MatchedRule::rule_id, "shop.fifteen_day_returns"),
                Property(&v1::MatchedRule::shop_layer, "shop-a"))));
  EXPECT_EQ(TimeUtil::ToString(layered.respond_by()),
            TimeUtil::ToString(At(EvaluatedAt() + absl::Hours(12))));

  // A shop without a layer, and shop-b whose weakening layer was refused:
  // the floor alone.
  for (const std::string shop : {"shop-c", "shop-b"}) {
    const v1::Decision floor = DecideOk(TenDaysLate("x-" + shop, shop));
    EXPECT_NE(floor.verdict(), v1::VERDICT_APPROVE) << shop;
    EXPECT_EQ(floor.policy().layer_version(), "") << shop;
    EXPECT_EQ(TimeUtil::ToString(floor.respond_by()),
              TimeUtil::ToString(At(EvaluatedAt() + absl::Hours(24))));
  }
  // No shop can be refused a lawful return, shop-b included.
  EXPECT_EQ(DecideOk([] {
              v1::RefundRequest r = SevenDayReturn("b-2");
              r.set_shop_id("shop-b");
              return r;
            }())
                .verdict(),
            v1::VERDICT_APPROVE);
}

TEST_F(ShopLayersE2ETest, PolicyOperationsTakeAShop) {
  const v1::PolicyBundleInfo floor = BundleOf("");
  const v1::PolicyBundleInfo shop_a = BundleOf("shop-a");
  EXPECT_EQ(floor.layer_version(), "");
  EXPECT_EQ(shop_a.version(), floor.version());
  EXPECT_EQ(shop_a.layer_shop_id(), "shop-a");
  EXPECT_THAT(
      shop_a.rules(),
      Contains(AllOf(Property(&v1::RuleSummary::id, "shop.fifteen_day_returns"),
                     Property(&v1::RuleSummary::shop_layer, "shop-a"))));
  EXPECT_EQ(shop_a.rules_size(), floor.rules_size() + 1);
  EXPECT_EQ(BundleOf("shop-b").layer_version(), "");  // refused at start

  // Validate a candidate layer for shop-b: the weakening named, then a
  // valid one.
  v1::ValidatePolicyBundleRequest validate;
  validate.set_shop_id("shop-b");
  v1::SourceFile* file = validate.mutable_candidate()->add_files();
  file->set_path("rules.textproto");
  file->set_content(kNoReturns);
  {
    grpc::ClientContext context;
    v1::ValidatePolicyBundleResponse response;
    ASSERT_TRUE(
        stub_->ValidatePolicyBundle(&context, validate, &response).ok());
    EXPECT_FALSE(response.valid());
    EXPECT_THAT(response.issues(),
                Contains(Property(&v1::PolicyIssue::message,
                                  HasSubstr("gives APPROVE (and "))));
  }
  file->set_content(kFifteenDays);
  {
    grpc::ClientContext context;
    v1::ValidatePolicyBundleResponse response;
    ASSERT_TRUE(
        stub_->ValidatePolicyBundle(&context, validate, &response).ok());
    EXPECT_TRUE(response.valid());
    EXPECT_EQ(response.layer_shop_id(), "shop-b");
    EXPECT_EQ(response.floor_version(), floor.version());
  }
}

TEST_F(ShopLayersE2ETest, ReloadingOneShopSwapsItAlone) {
  const std::string before = BundleOf("shop-a").layer_version();
  // A refused edit: the previous layer keeps serving.
  Write(shops_ / "shop-a" / "rules.textproto",
        R"pb(settings { sla_default_hours: 48 })pb");
  v1::PolicyBundleInfo info;
  grpc::Status refused = Reload("shop-a", &info);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("settings.sla_default_hours 48 is out of the floor's "
                        "bounds"));
  EXPECT_EQ(BundleOf("shop-a").layer_version(), before);
  EXPECT_EQ(DecideOk(TenDaysLate("a-2", "shop-a")).verdict(),
            v1::VERDICT_APPROVE);

  // A good edit, reloaded alone: a new layer version for shop-a.
  Write(shops_ / "shop-a" / "rules.textproto",
        R"pb(settings { sla_default_hours: 6 })pb");
  ASSERT_TRUE(Reload("shop-a", &info).ok());
  EXPECT_NE(info.layer_version(), before);
  const v1::Decision six = DecideOk(TenDaysLate("a-3", "shop-a"));
  EXPECT_EQ(TimeUtil::ToString(six.respond_by()),
            TimeUtil::ToString(At(EvaluatedAt() + absl::Hours(6))));
  EXPECT_EQ(six.policy().layer_version(), info.layer_version());

  // Folder removed: the floor alone. A new folder: picked up by a reload.
  std::filesystem::remove_all(shops_ / "shop-a");
  ASSERT_TRUE(Reload("shop-a", &info).ok());
  EXPECT_EQ(info.layer_version(), "");
  Write(shops_ / "shop-d" / "rules.textproto", kFifteenDays);
  ASSERT_TRUE(Reload("", &info).ok());
  EXPECT_THAT(info.refused_layers(), HasSubstr("shop-b/rules.textproto"));
  EXPECT_EQ(DecideOk(TenDaysLate("d-1", "shop-d")).verdict(),
            v1::VERDICT_APPROVE);
}

TEST_F(ShopLayersE2ETest, LayeredDecisionsReplayExactly) {
  DecideOk(TenDaysLate("r-1", "shop-a"));
  DecideOk(TenDaysLate("r-2", "shop-c"));
  v1::PolicyBundleInfo info;
  Write(shops_ / "shop-a" / "rules.textproto",
        R"pb(settings { sla_default_hours: 6 })pb");
  ASSERT_TRUE(Reload("shop-a", &info).ok());
  DecideOk(TenDaysLate("r-3", "shop-a"));

  grpc::ClientContext context;
  v1::ReplayRequest request;
  request.set_mode(v1::REPLAY_MODE_EXACT);
  auto reader = stub_->Replay(&context, request);
  v1::ReplayResult result;
  int diffs = 0;
  int64_t changed = -1;
  while (reader->Read(&result)) {
    if (result.has_diff()) {
      ++diffs;
      EXPECT_FALSE(result.diff().changed())
          << result.diff().decision_id() << ": "
          << result.diff().changed_fields_size();
    } else {
      changed = result.summary().changed();
    }
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(diffs, 3);
  EXPECT_EQ(changed, 0);
}

}  // namespace
}  // namespace refund::e2e
