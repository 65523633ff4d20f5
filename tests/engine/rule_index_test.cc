#include "engine/rule_index.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/bundle_internals.h"
#include "engine/bundle_loader.h"
#include "engine/decision_combiner.h"
#include "engine/decision_renderer.h"
#include "engine/request_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/policy_requests.h"
#include "tests/engine/request_mutator.h"
#include "tests/engine/synthetic_bundle.h"
#include "tests/engine/test_bundle.h"

namespace refund {
namespace {

using ::testing::ElementsAre;

std::vector<testing::PolicyRequest> PolicyRequests() {
  auto requests = testing::ReadPolicyRequests(REFUND_POLICIES_DIR "/tests");
  EXPECT_TRUE(requests.ok()) << requests.status();
  return requests.ok() ? *std::move(requests)
                       : std::vector<testing::PolicyRequest>{};
}

// The shipped settings and catalog with `rules` (text-format Rule bodies).
std::unique_ptr<const CompiledBundle> BundleWithRules(
    const std::vector<std::string>& whens) {
  testing::SyntheticBundleOptions options;
  options.rule_count = 0;
  auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
  EXPECT_TRUE(files.ok()) << files.status();
  std::string rules;
  for (size_t i = 0; i < whens.size(); ++i) {
    // Descending priority: rule i is evaluated i-th.
    absl::StrAppend(&rules, "rules { id: \"r", i,
                    "\" description: \"d\" priority: ", 1000 - i, " when: \"",
                    whens[i], "\" actions: \"SOOTHE_BUYER\" }\n");
  }
  files->push_back({"rules/test.textproto", rules});
  auto bundle = LoadBundle(*files);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : nullptr;
}

std::vector<int> CandidatesOf(const CompiledBundle& bundle,
                              const v1::RefundRequest& request) {
  const BundleInternals& internals = bundle.internals();
  expr::Frame frame;
  EXPECT_TRUE(
      internals.rules[0].when->program().InitFrame(&request, &frame).ok());
  CandidateList candidates;
  internals.rule_index.Candidates(frame, &candidates);
  return std::vector<int>(candidates.begin(), candidates.end());
}

v1::RefundRequest Request(v1::Reason reason, v1::RequestType type,
                          v1::Platform platform, const std::string& shop) {
  v1::RefundRequest request;
  request.set_reason(reason);
  request.set_type(type);
  request.set_platform(platform);
  request.set_shop_id(shop);
  return request;
}

TEST(RuleIndexTest, FilesEqualityInBoolAndHasConjunctsAndDisjunctions) {
  auto bundle = BundleWithRules({
      "request.reason == REASON_NO_REASON",                     // 0
      "REASON_PRICE_DROP == request.reason && is_delivered()",  // 1
      "request.type in [REQUEST_TYPE_EXCHANGE, REQUEST_TYPE_REFUND_ONLY]"
      " && request.shop_id == 'shop-7'",                             // 2
      "request.reason != REASON_NO_REASON",                          // 3
      "request.reason == REASON_NO_REASON || request.flags.urgent",  // 4
      "request.reason in [REASON_NO_REASON, REASON_PRICE_DROP]"
      " && request.reason == REASON_PRICE_DROP",  // 5
      "request.platform == PLATFORM_DOUYIN"
      " && request.platform == PLATFORM_TMALL",                 // 6
      "request.flags.urgent && !has(request.return_shipment)",  // 7
      "request.reason == REASON_OTHER || is_delivered()",       // 8
      "true",                                                   // 9
  });
  ASSERT_NE(bundle, nullptr);
  const RuleIndex& index = bundle->internals().rule_index;
  EXPECT_EQ(index.rule_count(), 10);
  EXPECT_EQ(index.keyed_rule_count(), 7);  // not 3, 8, 9
  for (int rule : {0, 2, 4, 5, 6, 7, 9}) {
    EXPECT_TRUE(index.MatchesWhenCandidate(rule)) << rule;
  }
  for (int rule : {1, 3, 8}) EXPECT_FALSE(index.MatchesWhenCandidate(rule));

  EXPECT_THAT(CandidatesOf(*bundle, Request(v1::REASON_NO_REASON,
                                            v1::REQUEST_TYPE_EXCHANGE,
                                            v1::PLATFORM_DOUYIN, "shop-7")),
              ElementsAre(0, 2, 3, 4, 8, 9));
  EXPECT_THAT(CandidatesOf(*bundle, Request(v1::REASON_PRICE_DROP,
                                            v1::REQUEST_TYPE_REFUND_ONLY,
                                            v1::PLATFORM_TMALL, "shop-8")),
              ElementsAre(1, 3, 5, 8, 9));
  v1::RefundRequest urgent =
      Request(v1::REASON_OTHER, v1::REQUEST_TYPE_EXCHANGE, v1::PLATFORM_TMALL,
              "shop-7");
  urgent.mutable_flags()->set_urgent(true);
  EXPECT_THAT(CandidatesOf(*bundle, urgent), ElementsAre(2, 3, 4, 7, 8, 9));
  urgent.mutable_return_shipment()->set_parcel_abnormal(true);
  EXPECT_THAT(CandidatesOf(*bundle, urgent), ElementsAre(2, 3, 4, 8, 9));
}

TEST(RuleIndexTest, ShippedBundleIndexesItsReasonAndTypeRules) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  const RuleIndex& index = (*bundle)->internals().rule_index;
  EXPECT_EQ(index.rule_count(), (*bundle)->definition().rules_size());
  EXPECT_GE(index.keyed_rule_count(), 15);
}

// The rendered decisions of indexed and exhaustive evaluation, byte for byte.
void ExpectIndexExact(const CompiledBundle& bundle,
                      const v1::RefundRequest& request,
                      const std::string& label) {
  if (!ValidateRefundRequest(request).ok()) return;
  const BundleInternals& internals = bundle.internals();
  const DecisionOutcome indexed =
      CombineOutcome(internals, request, RuleSelection::kIndexed);
  const DecisionOutcome every =
      CombineOutcome(internals, request, RuleSelection::kEveryRule);
  EXPECT_EQ(RenderDecision(internals, request, indexed).SerializeAsString(),
            RenderDecision(internals, request, every).SerializeAsString())
      << label << "\n"
      << request.DebugString();
  ASSERT_EQ(indexed.matched.size(), every.matched.size()) << label;
  for (size_t i = 0; i < indexed.matched.size(); ++i) {
    EXPECT_EQ(indexed.matched[i].source, every.matched[i].source) << label;
  }
}

// A candidate evaluates only the conjuncts that are not keys; its errors are
// the whole condition's.
TEST(RuleIndexTest, CandidatesEvaluateTheConjunctsThatAreNotKeys) {
  const auto bundle = BundleWithRules({
      // 0: keys and a residual that fails when orders_90d is 0.
      "request.reason == REASON_NO_REASON && 10 / request.buyer.orders_90d > 1"
      " && request.type == REQUEST_TYPE_EXCHANGE",
      // 1: all keys.
      "request.reason == REASON_NO_REASON && request.flags.urgent",
      // 2: no keys.
      "request.buyer.orders_90d > 3",
      // 3: a disjunction: evaluated whole.
      "request.flags.urgent || (request.reason == REASON_OTHER &&"
      " request.buyer.orders_90d > 3)",
      // 4: two keys on one field, intersected, and a residual.
      "request.type in [REQUEST_TYPE_EXCHANGE, REQUEST_TYPE_REFUND_ONLY] &&"
      " request.type == REQUEST_TYPE_EXCHANGE && request.buyer.orders_90d > 3",
  });
  ASSERT_NE(bundle, nullptr);
  const RuleIndex& index = bundle->internals().rule_index;
  const auto residual_size = [&index](int rule) {
    const RuleIndex::Residual residual = index.ResidualOf(rule);
    return residual.end - residual.begin;
  };
  EXPECT_EQ(residual_size(0), 1);
  EXPECT_EQ(residual_size(1), 0);
  EXPECT_TRUE(index.MatchesWhenCandidate(1));
  EXPECT_EQ(residual_size(2), 0);
  EXPECT_EQ(residual_size(3), 0);
  EXPECT_EQ(residual_size(4), 1);
  for (int orders : {0, 1, 5}) {
    for (v1::Reason reason : {v1::REASON_NO_REASON, v1::REASON_OTHER}) {
      v1::RefundRequest request = testing::SevenDayReturn();
      request.set_reason(reason);
      request.set_type(v1::REQUEST_TYPE_EXCHANGE);
      request.mutable_buyer()->set_orders_90d(orders);
      ExpectIndexExact(*bundle, request, absl::StrCat("orders ", orders));
      const DecisionOutcome outcome =
          CombineOutcome(bundle->internals(), request, RuleSelection::kIndexed);
      if (orders == 0 && reason == v1::REASON_NO_REASON) {
        ASSERT_FALSE(outcome.errors.empty());
        EXPECT_THAT(outcome.errors[0],
                    ::testing::HasSubstr("`10 / request.buyer.orders_90d`"));
      }
    }
  }
}

// Alternatives keyed on several string fields and on lists of strings (the
// partition's general entries and ids of the other string fields).
TEST(RuleIndexTest, StringKeysOnSeveralFieldsAndListsOfStrings) {
  const auto bundle = BundleWithRules({
      "request.shop_id == 'a' && request.locale == 'en-US'",  // 0
      "request.shop_id in ['a', 'b'] && request.reason == REASON_NO_REASON",
      "request.locale in ['en-US', 'zh-CN'] && request.shop_id == 'b' &&"
      " request.flags.urgent",  // 2
      "request.shop_id == 'c' && request.buyer.buyer_id == 'u1' &&"
      " request.locale == 'zh-CN'",  // 3
      "request.shop_id == 'a' && request.type == REQUEST_TYPE_EXCHANGE &&"
      " request.buyer.orders_90d > 1",   // 4
      "request.buyer.buyer_id == 'u2'",  // 5
  });
  ASSERT_NE(bundle, nullptr);
  v1::RefundRequest request = testing::SevenDayReturn();
  request.set_shop_id("c");
  request.set_locale("zh-CN");
  request.mutable_buyer()->set_buyer_id("u1");
  EXPECT_THAT(CandidatesOf(*bundle, request), ElementsAre(3));
  request.set_shop_id("d");
  EXPECT_THAT(CandidatesOf(*bundle, request), ElementsAre());
  for (const char* shop : {"a", "b", "c", "d"}) {
    for (const char* locale : {"en-US", "zh-CN", "fr-FR"}) {
      for (const char* buyer : {"u1", "u2", "u3"}) {
        for (bool urgent : {false, true}) {
          for (v1::Reason reason : {v1::REASON_NO_REASON, v1::REASON_OTHER}) {
            request.set_shop_id(shop);
            request.set_locale(locale);
            request.mutable_buyer()->set_buyer_id(buyer);
            request.mutable_flags()->set_urgent(urgent);
            request.set_reason(reason);
            request.set_type(urgent ? v1::REQUEST_TYPE_EXCHANGE
                                    : v1::REQUEST_TYPE_RETURN_AND_REFUND);
            ExpectIndexExact(*bundle, request,
                             absl::StrCat(shop, " ", locale, " ", buyer));
          }
        }
      }
    }
  }
}

TEST(RuleIndexTest, IndexedEvaluationEqualsEveryRuleOnTheShippedBundle) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  testing::SplitMix64 rng(7);
  for (const testing::PolicyRequest& base : PolicyRequests()) {
    ExpectIndexExact(**bundle, base.request, base.name);
    for (int k = 0; k < 10; ++k) {
      ExpectIndexExact(**bundle, testing::MutateRequest(base.request, rng),
                       absl::StrCat(base.name, " variation ", k));
    }
  }
}

TEST(RuleIndexTest, IndexedEvaluationEqualsEveryRuleOnGeneratedBundles) {
  const std::vector<testing::PolicyRequest> bases = PolicyRequests();
  ASSERT_FALSE(bases.empty());
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    testing::SyntheticBundleOptions options;
    options.rule_count = 150;
    options.seed = seed;
    options.shop_count = 5;
    options.noise = true;
    auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
    ASSERT_TRUE(files.ok()) << files.status();
    auto bundle = LoadBundle(*files);
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    EXPECT_GT((*bundle)->internals().rule_index.keyed_rule_count(), 50);
    testing::SplitMix64 rng(seed * 1000);
    for (int k = 0; k < 200; ++k) {
      const v1::RefundRequest& base = bases[rng.Below(bases.size())].request;
      v1::RefundRequest request = testing::SyntheticRequest(
          testing::MutateRequest(base, rng), options, rng);
      ExpectIndexExact(**bundle, request,
                       absl::StrCat("seed ", seed, " request ", k));
    }
  }
}

TEST(CompiledBundleTest, DecideIsRenderOfEvaluate) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  for (const testing::PolicyRequest& base : PolicyRequests()) {
    absl::StatusOr<v1::Decision> decision = (*bundle)->Decide(base.request);
    absl::StatusOr<DecisionOutcome> outcome = (*bundle)->Evaluate(base.request);
    ASSERT_TRUE(decision.ok()) << base.name << ": " << decision.status();
    ASSERT_TRUE(outcome.ok()) << base.name << ": " << outcome.status();
    EXPECT_EQ(decision->verdict(), outcome->verdict) << base.name;
    EXPECT_EQ(decision->refund_amount().minor_units(), outcome->refund_amount)
        << base.name;
    EXPECT_EQ((*bundle)->Render(base.request, *outcome).SerializeAsString(),
              decision->SerializeAsString())
        << base.name;
  }
}

TEST(CompiledBundleTest, EvaluateValidatesLikeDecide) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  v1::RefundRequest request = PolicyRequests().at(0).request;
  request.clear_requested_at();
  EXPECT_EQ((*bundle)->Evaluate(request).status(),
            (*bundle)->Decide(request).status());
  EXPECT_FALSE((*bundle)->Evaluate(request).ok());
}

}  // namespace
}  // namespace refund
