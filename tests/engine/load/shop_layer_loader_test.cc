// A shop layer loads only when it cannot weaken the floor: every kind of
// weakening is refused at load, naming the file, line and column and the
// floor rule or bound it undercuts; every allowed kind of generosity loads.
#include "engine/load/shop_layer_loader.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_layer.h"

namespace refund {
namespace {

using ::refund::testing::LoadTestLayer;
using ::refund::testing::TestFloor;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ShopLayerLoaderTest : public ::testing::Test {
 protected:
  // The issues of loading `text` as shop-1's layer ("" when it loads).
  std::string IssuesOf(const std::string& text) {
    std::vector<PolicyIssue> issues;
    absl::StatusOr<std::unique_ptr<const CompiledBundle>> layer =
        LoadTestLayer(loader_, text, &issues);
    if (layer.ok()) return "";
    return FormatIssues(issues);
  }

  ShopLayerLoader loader_{TestFloor()};
};

// --- Weakenings: refused. ---------------------------------------------------

TEST_F(ShopLayerLoaderTest, RefusesAVerdictBelowAFloorApprove) {
  const std::string issues = IssuesOf(R"pb(
    rules {
      id: "shop.no_returns"
      description: "refuse every no-reason return"
      priority: 500
      when: "request.reason == REASON_NO_REASON"
      verdict: VERDICT_REJECT
    }
  )pb");
  EXPECT_THAT(issues, HasSubstr("shop-1/layer.textproto:7:7: rule "
                                "\"shop.no_returns\" gives REJECT on cases "
                                "where the floor's rule \"seven_day.approve\" "
                                "gives APPROVE"));
}

TEST_F(ShopLayerLoaderTest, RefusesNegotiatingWhatTheFloorApproves) {
  const std::string issues = IssuesOf(R"pb(
    rules {
      id: "shop.cosmetics_photo"
      description: "opened cosmetics: talk first"
      priority: 500
      when: "request.reason == REASON_NO_REASON && is_delivered() && within_days_of_signing(7) && request.order.items.exists(i, i.category == \"cosmetics\")"
      verdict: VERDICT_NEGOTIATE
    }
  )pb");
  EXPECT_THAT(issues, HasSubstr("gives NEGOTIATE on cases where the floor's "
                                "rule \"seven_day.approve\" gives APPROVE"));
}

TEST_F(ShopLayerLoaderTest, RefusesARejectWhereTheFloorFallsBackToAPerson) {
  const std::string issues = IssuesOf(R"pb(
    rules {
      id: "shop.no_quality_claims"
      description: "refuse quality claims"
      when: "request.reason == REASON_QUALITY_ISSUE"
      verdict: VERDICT_REJECT
    }
  )pb");
  EXPECT_THAT(issues, HasSubstr("gives REJECT on cases no floor rule decides, "
                                "where the floor's fallback gives NEGOTIATE"));
}

TEST_F(ShopLayerLoaderTest, RefusesAnAmountBelowTheFloorsWholeAmount) {
  const std::string issues = IssuesOf(R"pb(
    rules {
      id: "shop.restocking_fee"
      description: "keep 10 yuan of every approved return"
      when: "request.reason == REASON_NO_REASON && is_delivered() && within_days_of_signing(7)"
      verdict: VERDICT_APPROVE
      refund_amount: "request.requested_amount - yuan(10)"
    }
  )pb");
  EXPECT_THAT(issues,
              HasSubstr("shop-1/layer.textproto:7:7: rule "
                        "\"shop.restocking_fee\" sets a refund_amount on "
                        "cases where the floor's rule \"seven_day.approve\" "
                        "grants the whole requested amount (APPROVE)"));
}

TEST_F(ShopLayerLoaderTest, RefusesReplacingWhatTheFloorOwns) {
  EXPECT_THAT(IssuesOf(R"pb(
                rules {
                  id: "seven_day.approve"
                  description: "my own seven days"
                  when: "false"
                  verdict: VERDICT_APPROVE
                }
              )pb"),
              HasSubstr("rule id \"seven_day.approve\" is the floor's"));
  EXPECT_THAT(IssuesOf(R"pb(
                actions {
                  code: "SEND_RETURN_NOTICE"
                  channel: CHANNEL_MESSAGE
                  scripts { locale: "zh-CN" text: "随便寄" }
                  scripts { locale: "en" text: "ship anyhow" }
                }
              )pb"),
              HasSubstr("action \"SEND_RETURN_NOTICE\" is the floor's"));
  EXPECT_THAT(IssuesOf(R"pb(
                forbidden {
                  code: "PHONE_AT_NIGHT"
                  reasons { locale: "zh-CN" text: "可以打" }
                  reasons { locale: "en" text: "calls are fine" }
                }
              )pb"),
              HasSubstr("forbidden \"PHONE_AT_NIGHT\" is the floor's"));
  EXPECT_THAT(
      IssuesOf(R"pb(constants { name: "gift_cap" value: "yuan(0)" })pb"),
      HasSubstr("constant \"gift_cap\" is the floor's"));
  EXPECT_THAT(IssuesOf(R"pb(fallback { verdict: VERDICT_REJECT })pb"),
              HasSubstr("a shop layer has no fallback"));
}

TEST_F(ShopLayerLoaderTest, RefusesSettingsOutOfTheFloorsBounds) {
  EXPECT_THAT(IssuesOf(R"pb(settings { sla_default_hours: 48 })pb"),
              HasSubstr("settings.sla_default_hours 48 is out of the floor's "
                        "bounds: between 1 and 24"));
  EXPECT_THAT(IssuesOf(R"pb(settings { sla_urgent_hours: 3 })pb"),
              HasSubstr("settings.sla_urgent_hours 3 is out of the floor's "
                        "bounds: between 1 and 2"));
  EXPECT_THAT(IssuesOf(R"pb(settings {
                              quiet_hours { start: "23:00" end: "07:00" }
                            })pb"),
              HasSubstr("settings.quiet_hours 23:00-07:00 is out of the "
                        "floor's bounds: it must include the floor's quiet "
                        "hours 22:00-08:00"));
  EXPECT_THAT(IssuesOf(R"pb(settings { time_zone: "UTC" })pb"),
              HasSubstr("a shop layer cannot set settings.time_zone"));
  EXPECT_THAT(IssuesOf(R"pb(settings { urgent_when: "false" })pb"),
              HasSubstr("a shop layer cannot set settings.urgent_when"));
}

TEST_F(ShopLayerLoaderTest, RefusesAScriptMissingAFloorLocale) {
  EXPECT_THAT(IssuesOf(R"pb(
                actions {
                  code: "SEND_CARE_GIFT"
                  channel: CHANNEL_MESSAGE
                  scripts { locale: "zh-CN" text: "送您一份小礼物" }
                }
              )pb"),
              HasSubstr("SEND_CARE_GIFT: no text for locale \"en\""));
}

TEST_F(ShopLayerLoaderTest, RefusesTheLoadersOwnFieldsInPolicyFiles) {
  EXPECT_THAT(IssuesOf(R"pb(floor_version: "abc")pb"),
              HasSubstr("floor_version is written by the loader"));
  EXPECT_THAT(IssuesOf(R"pb(shop_id: "bad\u202eid")pb"),
              HasSubstr("not a valid shop id"));
}

TEST_F(ShopLayerLoaderTest, RefusesARuleThatDoesNotTypeCheck) {
  EXPECT_THAT(IssuesOf(R"pb(
                rules {
                  id: "shop.typo"
                  description: "typo"
                  when: "request.reson == REASON_NO_REASON"
                  verdict: VERDICT_APPROVE
                }
              )pb"),
              HasSubstr("shop-1/layer.textproto:5:"));
}

// --- Generosity: loads. -----------------------------------------------------

TEST_F(ShopLayerLoaderTest, LoadsEveryAllowedKindOfGenerosity) {
  EXPECT_THAT(
      IssuesOf(R"pb(
        name: "shop one"
        settings {
          sla_default_hours: 12
          sla_urgent_hours: 1
          quiet_hours { start: "21:00" end: "09:00" }
        }
        constants { name: "long_window_days" value: "15" }
        rules {
          id: "shop.fifteen_days"
          description: "15 days instead of 7"
          priority: 100
          when: "request.reason == REASON_NO_REASON && is_delivered() && within_days_of_signing(long_window_days)"
          verdict: VERDICT_APPROVE
          actions: "SEND_RETURN_NOTICE"
        }
        rules {
          id: "shop.small_refund_only"
          description: "refund-only under 30 yuan: approve, no return"
          when: "request.type == REQUEST_TYPE_REFUND_ONLY && request.requested_amount < yuan(30)"
          verdict: VERDICT_APPROVE
        }
        rules {
          id: "shop.whole_amount_for_gifts"
          description: "do not deduct a missing gift"
          priority: 300
          when: "request.inspection.inspected && unreturned_gift_value() > fen(0)"
          verdict: VERDICT_NEGOTIATE
          refund_amount: "request.requested_amount"
        }
        rules {
          id: "shop.late_needs_video"
          description: "refuse late returns only with an unboxing video"
          priority: 95
          when: "request.reason == REASON_NO_REASON && is_delivered() && !within_days_of_signing(7) && !request.inspection.inspected"
          verdict: VERDICT_REJECT
          evidence { kind: EVIDENCE_KIND_UNBOXING_VIDEO reason: "video" }
        }
        rules {
          id: "shop.care"
          description: "a care gift and no calls before a message"
          when: "request.buyer.orders_90d >= 5"
          actions: "SEND_CARE_GIFT"
          forbidden: "CALL_BEFORE_MESSAGE"
          risks: "DISPUTE_RATE"
        }
        actions {
          code: "SEND_CARE_GIFT"
          channel: CHANNEL_MESSAGE
          scripts {
            locale: "zh-CN"
            text: "感谢您一直以来的支持，给您寄一份小礼物"
          }
          scripts {
            locale: "en"
            text: "Thank you for shopping with us: a small gift is on its way"
          }
        }
        forbidden {
          code: "CALL_BEFORE_MESSAGE"
          reasons { locale: "zh-CN" text: "先发消息再打电话" }
          reasons { locale: "en" text: "Message before any call" }
        }
      )pb"),
      IsEmpty());
}

TEST_F(ShopLayerLoaderTest, TheLayersVersionNamesTheFloorAndRoundTrips) {
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> layer =
      LoadTestLayer(loader_, R"pb(settings { sla_default_hours: 12 })pb");
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_TRUE((*layer)->is_layer());
  EXPECT_EQ((*layer)->shop_id(), "shop-1");
  EXPECT_EQ((*layer)->floor_version(), loader_.floor()->version());
  EXPECT_THAT((*layer)->canonical_text(),
              HasSubstr(absl::StrCat("floor_version: \"",
                                     loader_.floor()->version(), "\"")));
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> again =
      loader_.LoadCanonicalText((*layer)->canonical_text());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->version(), (*layer)->version());

  // Over another floor, the same text is refused.
  std::vector<BundleSourceFile> other_files =
      refund::testing::TestBundleFiles();
  other_files[0].content += "\nconstants { name: \"other\" value: \"1\" }\n";
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> other_floor =
      LoadBundle(other_files);
  ASSERT_TRUE(other_floor.ok()) << other_floor.status();
  ShopLayerLoader other(
      std::shared_ptr<const CompiledBundle>(*std::move(other_floor)));
  EXPECT_THAT(other.LoadCanonicalText((*layer)->canonical_text()).status(),
              refund::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("compiled over floor")));
}

// --- A directory of layers. -------------------------------------------------

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST_F(ShopLayerLoaderTest, LoadsTheValidLayersOfADirectoryAndReportsTheRest) {
  refund::testing::TempDir dir;
  const std::string root = dir.path();
  Write(root + "/shop-a/rules.textproto",
        R"pb(settings { sla_default_hours: 12 })pb");
  Write(root + "/shop-b/rules.textproto",
        R"pb(settings { sla_default_hours: 36 })pb");
  Write(root + "/shop-c/rules.textproto", R"pb(rules { id:)pb");
  // Two directories claiming one shop.
  Write(root + "/shop-d/rules.textproto", R"pb(shop_id: "shop-e")pb");
  Write(root + "/shop-e/rules.textproto", R"pb(settings {})pb");
  // Hidden folders are not layers.
  Write(root + "/.git/x.textproto", "junk");

  absl::StatusOr<ShopLayerSet> set = LoadShopLayers(loader_, root);
  ASSERT_TRUE(set.ok()) << set.status();
  std::vector<std::string> loaded;
  for (const auto& [shop, layer] : set->layers) loaded.push_back(shop);
  EXPECT_EQ(absl::StrJoin(loaded, ","), "shop-a");
  EXPECT_EQ(absl::StrJoin(set->refused, ","), "shop-b,shop-c,shop-d,shop-e");
  const std::string issues = FormatIssues(set->issues);
  EXPECT_THAT(issues, HasSubstr("shop-b/rules.textproto:1:"));
  EXPECT_THAT(issues, HasSubstr("shop-c/rules.textproto:1:"));
  EXPECT_THAT(issues, HasSubstr("claims shop \"shop-e\""));

  EXPECT_THAT(
      LoadShopLayers(loader_, root + "/missing").status(),
      refund::testing::StatusIs(absl::StatusCode::kNotFound, ::testing::_));
}

TEST(ShopIdProblemTest, NamesWhyADirectoryCannotBeAShop) {
  EXPECT_EQ(ShopIdProblem("shop-1"), "");
  EXPECT_EQ(ShopIdProblem("店铺 1"), "");
  EXPECT_THAT(ShopIdProblem(""), HasSubstr("empty"));
  EXPECT_THAT(ShopIdProblem(std::string(129, 'a')), HasSubstr("128 bytes"));
  EXPECT_THAT(ShopIdProblem("a\u200bb"), HasSubstr("invisible"));
  EXPECT_THAT(ShopIdProblem(".hidden"), HasSubstr("'.'"));
}

}  // namespace
}  // namespace refund
