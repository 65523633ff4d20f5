// Rules keyed on several fields whose values cannot be laid out as one small
// table (their tuples outnumber RuleIndex's dense limit) are filed in a hash
// group: such a rule is a candidate exactly when its keys hold, like any
// other.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/decide/bundle_internals.h"
#include "engine/index/rule_index.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/synthetic_bundle.h"

namespace refund {
namespace {

using ::testing::ElementsAre;

// reason (12 values) x type (6) x platform (6) x damage cause (4) x four
// flags (2 each): 27,648 cells, beyond the dense limit of 4,096.
constexpr char kManyFields[] =
    "request.reason == REASON_OTHER && request.type == REQUEST_TYPE_EXCHANGE"
    " && request.platform == PLATFORM_OTHER"
    " && request.inspection.damage_cause == DAMAGE_CAUSE_UNKNOWN"
    " && request.flags.urgent && request.flags.force_majeure"
    " && request.flags.complaint_threat && request.flags.buyer_unreachable";

std::unique_ptr<const CompiledBundle> Bundle() {
  testing::SyntheticBundleOptions options;
  options.rule_count = 0;
  auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
  EXPECT_TRUE(files.ok()) << files.status();
  files->push_back(
      {"rules/test.textproto",
       absl::StrCat("rules { id: \"many\" description: \"d\" priority: 2 "
                    "when: \"",
                    kManyFields,
                    "\" actions: \"SOOTHE_BUYER\" }\n"
                    "rules { id: \"reason\" description: \"d\" priority: 1 "
                    "when: \"request.reason == REASON_OTHER\" "
                    "actions: \"SOOTHE_BUYER\" }\n")});
  auto bundle = LoadBundle(*files);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : nullptr;
}

v1::RefundRequest Matching() {
  v1::RefundRequest request;
  request.set_reason(v1::REASON_OTHER);
  request.set_type(v1::REQUEST_TYPE_EXCHANGE);
  request.set_platform(v1::PLATFORM_OTHER);
  request.mutable_inspection()->set_damage_cause(v1::DAMAGE_CAUSE_UNKNOWN);
  v1::CaseFlags& flags = *request.mutable_flags();
  flags.set_urgent(true);
  flags.set_force_majeure(true);
  flags.set_complaint_threat(true);
  flags.set_buyer_unreachable(true);
  return request;
}

std::vector<int> Candidates(const RuleIndex& index,
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

TEST(HashGroupTest, RuleKeyedOnManyFieldsIsACandidateWhenItsKeysHold) {
  auto bundle = Bundle();
  ASSERT_NE(bundle, nullptr);
  const BundleInternals& internals = bundle->internals();
  std::vector<const expr::Expression*> conditions;
  for (const CompiledRule& rule : internals.rules) {
    conditions.push_back(rule.when.get());
  }
  const RuleIndex index =
      RuleIndex::Build(conditions, RuleIndex::Storage::kLookup);
  ASSERT_FALSE(index.uses_bitmaps());
  EXPECT_EQ(index.keyed_rule_count(), 2);
  EXPECT_TRUE(index.MatchesWhenCandidate(0));

  EXPECT_THAT(Candidates(index, *bundle, Matching()), ElementsAre(0, 1));
  // One key off: only the rule keyed on the reason alone.
  v1::RefundRequest other = Matching();
  other.mutable_flags()->set_buyer_unreachable(false);
  EXPECT_THAT(Candidates(index, *bundle, other), ElementsAre(1));
  other = Matching();
  other.set_platform(v1::PLATFORM_TMALL);
  EXPECT_THAT(Candidates(index, *bundle, other), ElementsAre(1));
}

}  // namespace
}  // namespace refund
