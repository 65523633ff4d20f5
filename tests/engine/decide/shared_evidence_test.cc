// Evidence that several matched rules require is asked for once: the
// decision lists each kind once, with the rule id and reason of the first
// rule in evaluation order (priority descending, then id) that requires it
// (decision_combiner.h, step 3: merged in evaluation order, without
// duplicates).
#include <memory>
#include <string>
#include <vector>

#include "engine/decide/decision_combiner.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/bundle_with_rules.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Three matching rules: "z.first" is evaluated first (highest priority),
// then "a.reject" and "b.third" (same priority, by id). All three require
// the logistics trace; the last two the unboxing video too.
constexpr char kRules[] = R"pb(
  rules {
    id: "z.first"
    description: "test"
    priority: 200
    when: "true"
    evidence {
      kind: EVIDENCE_KIND_LOGISTICS_TRACE
      reasons { locale: "zh-CN" text: "第一条的理由" }
      reasons { locale: "en" text: "first rule's reason" }
    }
  }
  rules {
    id: "a.reject"
    description: "test"
    priority: 100
    when: "true"
    verdict: VERDICT_REJECT
    evidence {
      kind: EVIDENCE_KIND_LOGISTICS_TRACE
      reasons { locale: "zh-CN" text: "第二条的理由" }
      reasons { locale: "en" text: "second rule's reason" }
    }
    evidence {
      kind: EVIDENCE_KIND_UNBOXING_VIDEO
      reasons { locale: "zh-CN" text: "开箱" }
      reasons { locale: "en" text: "shows the unboxing" }
    }
  }
  rules {
    id: "b.third"
    description: "test"
    priority: 100
    when: "true"
    evidence {
      kind: EVIDENCE_KIND_UNBOXING_VIDEO
      reasons { locale: "zh-CN" text: "第三条的理由" }
      reasons { locale: "en" text: "third rule's reason" }
    }
    evidence {
      kind: EVIDENCE_KIND_LOGISTICS_TRACE
      reasons { locale: "zh-CN" text: "第三条的理由" }
      reasons { locale: "en" text: "third rule's reason" }
    }
  }
)pb";

class SharedEvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bundle = LoadBundle(testing::TestBundleWithRules(kRules));
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    bundle_ = *std::move(bundle);
  }

  v1::Decision Decide(const v1::RefundRequest& request) {
    auto decision = bundle_->Decide(request);
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.value_or(v1::Decision());
  }

  static v1::RefundRequest InEnglish() {
    v1::RefundRequest request = testing::SevenDayReturn();
    request.set_locale("en");
    return request;
  }

  std::unique_ptr<const CompiledBundle> bundle_;
};

TEST_F(SharedEvidenceTest, EvidenceSeveralRulesRequireIsListedOnce) {
  v1::Decision decision = Decide(InEnglish());
  std::vector<v1::EvidenceKind> kinds;
  for (const auto& evidence : decision.required_evidence()) {
    kinds.push_back(evidence.kind());
  }
  EXPECT_THAT(kinds, ElementsAre(v1::EVIDENCE_KIND_LOGISTICS_TRACE,
                                 v1::EVIDENCE_KIND_UNBOXING_VIDEO));
}

TEST_F(SharedEvidenceTest, FirstRuleInEvaluationOrderGivesTheReason) {
  v1::Decision decision = Decide(InEnglish());
  ASSERT_EQ(decision.required_evidence_size(), 2);
  // Priority first: z.first before a.reject and b.third.
  EXPECT_EQ(decision.required_evidence(0).rule_id(), "z.first");
  EXPECT_EQ(decision.required_evidence(0).reason(), "first rule's reason");
  // Same priority: by id, a.reject before b.third.
  EXPECT_EQ(decision.required_evidence(1).rule_id(), "a.reject");
  EXPECT_EQ(decision.required_evidence(1).reason(), "shows the unboxing");
}

TEST_F(SharedEvidenceTest, MissingSharedEvidenceIsAskedForOnce) {
  // Nothing held: the REJECT becomes NEGOTIATE and asks for each kind once.
  v1::Decision decision = Decide(InEnglish());
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  const v1::SuggestedAction* collect = nullptr;
  for (const auto& action : decision.actions()) {
    if (action.code() == "COLLECT_EVIDENCE") collect = &action;
  }
  ASSERT_NE(collect, nullptr);
  EXPECT_EQ(collect->script(), "Collect: logistics trace, unboxing video");
  ASSERT_GT(decision.matched_rules_size(), 0);
  const v1::MatchedRule& note =
      decision.matched_rules(decision.matched_rules_size() - 1);
  EXPECT_EQ(note.rule_id(), kRejectNeedsEvidenceRuleId);
  EXPECT_THAT(note.explanation(),
              HasSubstr("EVIDENCE_KIND_LOGISTICS_TRACE, "
                        "EVIDENCE_KIND_UNBOXING_VIDEO; negotiate"));
}

TEST_F(SharedEvidenceTest, HeldSharedEvidenceIsListedOnceAsSatisfied) {
  v1::RefundRequest request = InEnglish();
  request.add_evidence(v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  request.add_evidence(v1::EVIDENCE_KIND_UNBOXING_VIDEO);
  v1::Decision decision = Decide(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_REJECT);
  ASSERT_EQ(decision.required_evidence_size(), 2);
  EXPECT_EQ(decision.required_evidence(0).kind(),
            v1::EVIDENCE_KIND_LOGISTICS_TRACE);
  EXPECT_EQ(decision.required_evidence(0).rule_id(), "z.first");
  EXPECT_TRUE(decision.required_evidence(0).satisfied());
  EXPECT_TRUE(decision.required_evidence(1).satisfied());
}

}  // namespace
}  // namespace refund
