#include "engine/decide/rule_samples.h"

#include <set>
#include <string>
#include <vector>

#include "engine/decide/bundle_internals.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/bundle_loader.h"
#include "gtest/gtest.h"

namespace refund {
namespace {

class RuleSamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    bundle_ = *std::move(loaded);
  }
  const BundleInternals& internals() const { return bundle_->internals(); }

  std::unique_ptr<const CompiledBundle> bundle_;
};

TEST_F(RuleSamplesTest, OneSamplePerRuleAndLocaleDefaultLocaleLast) {
  const std::vector<v1::Decision> samples = bundle_->RuleSamples();
  const size_t per_locale = internals().rules.size() + 1;
  ASSERT_EQ(samples.size(), per_locale * internals().locales.size());
  ASSERT_GE(internals().locales.size(), 2u);
  EXPECT_EQ(samples.back().locale(), internals().locales[0]);
  EXPECT_EQ(samples.front().locale(), internals().locales.back());
  for (size_t i = 0; i < samples.size(); ++i) {
    const v1::Decision& sample = samples[i];
    ASSERT_EQ(sample.matched_rules_size(), 1) << i;
    const size_t r = i % per_locale;
    EXPECT_EQ(sample.matched_rules(0).rule_id(),
              r < internals().rules.size() ? internals().rules[r].id
                                           : std::string("engine.fallback"))
        << i;
    EXPECT_EQ(sample.policy().version(), bundle_->version());
    EXPECT_TRUE(sample.decision_id().empty());
    EXPECT_FALSE(sample.has_decided_at());
  }
}

// Every script, evidence reason, forbidden conduct and risk that some rule
// can contribute appears in a sample of each locale.
TEST_F(RuleSamplesTest, HoldEveryContributedCodeInEveryLocale) {
  std::set<std::pair<std::string, std::string>> actions, forbidden, risks;
  std::set<std::string> explanations;
  for (const v1::Decision& sample : bundle_->RuleSamples()) {
    for (const auto& a : sample.actions()) {
      EXPECT_FALSE(a.script().empty()) << a.code();
      actions.emplace(sample.locale(), a.code());
    }
    for (const auto& f : sample.forbidden()) {
      forbidden.emplace(sample.locale(), f.code());
    }
    for (const auto& k : sample.risks())
      risks.emplace(sample.locale(), k.code());
    explanations.insert(sample.matched_rules(0).explanation());
  }
  for (const std::string& locale : internals().locales) {
    for (const CompiledRule& rule : internals().rules) {
      for (int a : rule.actions) {
        EXPECT_TRUE(actions.count({locale, internals().actions[a].code}))
            << locale << " " << internals().actions[a].code;
      }
      for (int f : rule.forbidden) {
        EXPECT_TRUE(forbidden.count({locale, internals().forbidden[f].code}));
      }
      for (int k : rule.risks) {
        EXPECT_TRUE(risks.count({locale, internals().risks[k].code}));
      }
      EXPECT_TRUE(explanations.count(rule.explanation)) << rule.id;
    }
  }
}

TEST_F(RuleSamplesTest, AreDeterministic) {
  const std::vector<v1::Decision> first = bundle_->RuleSamples();
  const std::vector<v1::Decision> second = bundle_->RuleSamples();
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].SerializeAsString(), second[i].SerializeAsString());
  }
}

}  // namespace
}  // namespace refund
