#include "engine/index/rule_index.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/decide/bundle_internals.h"
#include "engine/decide/decision_combiner.h"
#include "engine/decide/decision_renderer.h"
#include "engine/decide/request_validator.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/policy_requests.h"
#include "tests/testing/request_mutator.h"
#include "tests/testing/synthetic_bundle.h"
#include "tests/testing/test_bundle.h"

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

// The bundle's rule conditions, as the loader indexes them.
std::vector<const expr::Expression*> ConditionsOf(
    const CompiledBundle& bundle) {
  std::vector<const expr::Expression*> conditions;
  for (const CompiledRule& rule : bundle.internals().rules) {
    conditions.push_back(rule.when.get());
  }
  return conditions;
}

std::vector<int> CandidatesOf(const RuleIndex& index,
                              const CompiledBundle& bundle,
                              const v1::RefundRequest& request) {
  expr::Frame frame;
  EXPECT_TRUE(bundle.internals()
                  .rules[0]
                  .when->program()
                  .InitFrame(&request, &frame)
                  .ok());
  CandidateList candidates;
  index.Candidates(frame, &candidates);
  return std::vector<int>(candidates.begin(), candidates.end());
}

// The bitmaps select the same candidates as the groups and partitions, and
// the index keeps the same certain rules and residuals, on `requests`.
void ExpectBitmapsAsLookups(const CompiledBundle& bundle,
                            const std::vector<v1::RefundRequest>& requests,
                            const std::string& label) {
  const std::vector<const expr::Expression*> conditions = ConditionsOf(bundle);
  const RuleIndex bitmaps = RuleIndex::Build(conditions);
  const RuleIndex lookups =
      RuleIndex::Build(conditions, RuleIndex::Storage::kLookup);
  ASSERT_TRUE(bitmaps.uses_bitmaps()) << label;
  ASSERT_FALSE(lookups.uses_bitmaps()) << label;
  EXPECT_EQ(bitmaps.key_field_count(), lookups.key_field_count()) << label;
  for (int rule = 0; rule < bitmaps.rule_count(); ++rule) {
    EXPECT_EQ(bitmaps.MatchesWhenCandidate(rule),
              lookups.MatchesWhenCandidate(rule))
        << label << " rule " << rule;
    const RuleIndex::Residual a = bitmaps.ResidualOf(rule);
    const RuleIndex::Residual b = lookups.ResidualOf(rule);
    EXPECT_TRUE(std::equal(a.begin, a.end, b.begin, b.end))
        << label << " rule " << rule;
  }
  int candidates = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const std::vector<int> want = CandidatesOf(lookups, bundle, requests[i]);
    EXPECT_EQ(CandidatesOf(bitmaps, bundle, requests[i]), want)
        << label << " request " << i << "\n"
        << requests[i].DebugString();
    candidates += static_cast<int>(want.size());
  }
  // The requests select some rules, not all of them every time.
  EXPECT_GT(candidates, 0) << label;
  EXPECT_LT(candidates,
            static_cast<int>(requests.size()) * bitmaps.rule_count())
      << label;
}

TEST(RuleIndexTest, BitmapsForSmallBundlesLookupsForLargeOnes) {
  auto shipped = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_TRUE((*shipped)->internals().rule_index.uses_bitmaps());
  for (int rules : {100, 10000}) {
    testing::SyntheticBundleOptions options;
    options.rule_count = rules;
    auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
    ASSERT_TRUE(files.ok()) << files.status();
    auto bundle = LoadBundle(*files);
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    EXPECT_EQ((*bundle)->internals().rule_index.uses_bitmaps(), rules == 100)
        << rules;
  }
}

TEST(RuleIndexTest, BitmapsSelectTheLookupsCandidatesOnTheShippedBundle) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  testing::SplitMix64 rng(17);
  std::vector<v1::RefundRequest> requests;
  for (const testing::PolicyRequest& base : PolicyRequests()) {
    requests.push_back(base.request);
    for (int k = 0; k < 20; ++k) {
      requests.push_back(testing::MutateRequest(base.request, rng));
    }
  }
  ExpectBitmapsAsLookups(**bundle, requests, "shipped");
}

TEST(RuleIndexTest, BitmapsSelectTheLookupsCandidatesOnSmallRuleSets) {
  // Disjunctions (several slots per rule), contradictory and intersected
  // keys, strings on several fields, rules without keys.
  auto bundle = BundleWithRules({
      "request.reason == REASON_NO_REASON",
      "request.reason == REASON_NO_REASON || request.flags.urgent",
      "request.platform == PLATFORM_DOUYIN"
      " && request.platform == PLATFORM_TMALL",
      "request.shop_id in ['a', 'b'] && request.reason == REASON_NO_REASON",
      "request.shop_id == 'c' || request.locale in ['en-US', 'zh-CN'] ||"
      " !has(request.return_shipment)",
      "request.buyer.orders_90d > 3",
      "request.type in [REQUEST_TYPE_EXCHANGE, REQUEST_TYPE_REFUND_ONLY] &&"
      " request.type == REQUEST_TYPE_EXCHANGE && request.buyer.orders_90d > 3",
      "request.buyer.buyer_id == 'u1' && request.flags.urgent &&"
      " !request.inspection.inspected",
      "true",
  });
  ASSERT_NE(bundle, nullptr);
  std::vector<v1::RefundRequest> requests;
  testing::SplitMix64 rng(5);
  for (const testing::PolicyRequest& base : PolicyRequests()) {
    v1::RefundRequest request = testing::MutateRequest(base.request, rng);
    const char* shops[] = {"a", "b", "c", "d"};
    const char* locales[] = {"en-US", "zh-CN", "fr-FR"};
    request.set_shop_id(shops[rng.Below(4)]);
    request.set_locale(locales[rng.Below(3)]);
    request.mutable_buyer()->set_buyer_id(rng.OneIn(2) ? "u1" : "u2");
    requests.push_back(request);
  }
  ExpectBitmapsAsLookups(*bundle, requests, "small");
}

TEST(RuleIndexTest, BitmapsSelectTheLookupsCandidatesOnGeneratedBundles) {
  const std::vector<testing::PolicyRequest> bases = PolicyRequests();
  ASSERT_FALSE(bases.empty());
  // One to several words of slots; few and many shops; noise or not.
  struct Shape {
    int rules;
    int shops;
    bool noise;
  };
  for (const Shape& shape :
       {Shape{40, 4, true}, Shape{150, 5, true}, Shape{150, 60, false},
        Shape{300, 30, true}, Shape{400, 0, false}}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      testing::SyntheticBundleOptions options;
      options.rule_count = shape.rules;
      options.shop_count = shape.shops;
      options.noise = shape.noise;
      options.seed = seed;
      auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
      ASSERT_TRUE(files.ok()) << files.status();
      auto bundle = LoadBundle(*files);
      ASSERT_TRUE(bundle.ok()) << bundle.status();
      testing::SplitMix64 rng(seed * 31 + shape.rules);
      std::vector<v1::RefundRequest> requests;
      for (int k = 0; k < 300; ++k) {
        const v1::RefundRequest& base = bases[rng.Below(bases.size())].request;
        requests.push_back(testing::SyntheticRequest(
            testing::MutateRequest(base, rng), options, rng));
      }
      ExpectBitmapsAsLookups(
          **bundle, requests,
          absl::StrCat(shape.rules, " rules, ", shape.shops, " shops, seed ",
                       seed, shape.noise ? ", noise" : ""));
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
