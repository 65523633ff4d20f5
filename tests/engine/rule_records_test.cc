#include "engine/rule_records.h"

#include <memory>
#include <string>
#include <vector>

#include "engine/bundle_internals.h"
#include "engine/bundle_loader.h"
#include "gtest/gtest.h"
#include "tests/engine/synthetic_bundle.h"

namespace refund {
namespace {

// Every record says what the rule and the index say.
void ExpectRecordsDescribe(const BundleInternals& bundle) {
  const RuleRecords& records = bundle.rule_records;
  ASSERT_EQ(records.size(), static_cast<int>(bundle.rules.size()));
  for (int i = 0; i < records.size(); ++i) {
    SCOPED_TRACE(bundle.rules[i].id);
    const CompiledRule& rule = bundle.rules[i];
    const RuleRecords::Record& record = records[i];
    EXPECT_EQ(record.program, &rule.when->program());
    EXPECT_EQ(record.priority, rule.priority);
    EXPECT_EQ(record.verdict, rule.verdict);
    EXPECT_EQ((record.flags & RuleRecords::kPostVerdict) != 0,
              !rule.only_for_verdicts.empty());
    EXPECT_EQ((record.flags & RuleRecords::kHasAmount) != 0,
              rule.refund_amount != nullptr);
    const bool certain = bundle.rule_index.MatchesWhenCandidate(i);
    EXPECT_EQ((record.flags & RuleRecords::kCertain) != 0, certain);
    if (!certain) {
      // What a candidate evaluates: the residual, else the whole condition.
      const RuleIndex::Residual residual = bundle.rule_index.ResidualOf(i);
      std::vector<const expr::Node*> expected(residual.begin, residual.end);
      if (expected.empty()) expected.push_back(&rule.when->program().root());
      std::vector<const expr::Node*> actual;
      if (record.conjunct_count == 1) {
        actual.push_back(record.first);
      } else {
        const expr::Node* const* conjuncts = records.conjuncts(record);
        actual.assign(conjuncts, conjuncts + record.conjunct_count);
        EXPECT_EQ(record.first, conjuncts[0]);
      }
      EXPECT_EQ(actual, expected);
    }
    const RuleRecords::Contributions contributions =
        records.ContributionsOf(record);
    std::vector<int> kinds;
    for (const v1::EvidenceSpec& spec : rule.evidence) {
      kinds.push_back(spec.kind());
    }
    EXPECT_EQ(std::vector<int>(contributions.evidence_kinds.begin(),
                               contributions.evidence_kinds.end()),
              kinds);
    EXPECT_EQ(std::vector<int>(contributions.actions.begin(),
                               contributions.actions.end()),
              rule.actions);
    EXPECT_EQ(std::vector<int>(contributions.forbidden.begin(),
                               contributions.forbidden.end()),
              rule.forbidden);
    EXPECT_EQ(std::vector<int>(contributions.risks.begin(),
                               contributions.risks.end()),
              rule.risks);
    EXPECT_EQ(std::vector<int>(contributions.only_for_verdicts.begin(),
                               contributions.only_for_verdicts.end()),
              std::vector<int>(rule.only_for_verdicts.begin(),
                               rule.only_for_verdicts.end()));
  }
}

TEST(RuleRecordsTest, DescribeTheShippedRules) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  ExpectRecordsDescribe((*bundle)->internals());
}

TEST(RuleRecordsTest, DescribeGeneratedRules) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    testing::SyntheticBundleOptions options;
    options.rule_count = 300;
    options.seed = seed;
    options.noise = true;
    auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
    ASSERT_TRUE(files.ok()) << files.status();
    auto bundle = LoadBundle(*files);
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    ExpectRecordsDescribe((*bundle)->internals());
  }
}

}  // namespace
}  // namespace refund
