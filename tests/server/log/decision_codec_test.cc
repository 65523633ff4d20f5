#include "server/log/decision_codec.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/bundle_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/decision_dictionary.h"
#include "server/log/decision_serializer.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/synthetic_bundle.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;

// Decisions of the shipped bundle on generated requests, in both locales,
// serialized as the log receives them.
std::vector<std::string> ShippedDecisions(const CompiledBundle& bundle,
                                          int count) {
  testing::RequestGenerator generator(20261123);
  std::vector<std::string> decisions;
  for (int i = 0; i < count; ++i) {
    v1::RefundRequest request = generator.Next("codec");
    if (i % 3 == 2) request.set_locale("en");
    absl::StatusOr<v1::Decision> decision = bundle.Decide(request);
    EXPECT_TRUE(decision.ok()) << decision.status();
    if (!decision.ok()) continue;
    decision->set_decision_id(absl::StrCat("0123456789abcdef0123456789ab", i));
    decision->mutable_decided_at()->set_seconds(1'780'000'000 + i);
    decisions.push_back(SerializeDecision(*decision));
  }
  return decisions;
}

class DecisionCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    bundle_ = *std::move(loaded);
    dictionary_ = BuildDecisionDictionary(*bundle_);
  }

  std::unique_ptr<const CompiledBundle> bundle_;
  std::string dictionary_;
};

TEST_F(DecisionCodecTest, ShippedDecisionsRoundTripExactlyAndShrinkTenfold) {
  auto compressor = DecisionCompressor::Create(dictionary_);
  ASSERT_TRUE(compressor.ok()) << compressor.status();
  auto decompressor = DecisionDecompressor::Create(dictionary_);
  ASSERT_TRUE(decompressor.ok()) << decompressor.status();
  size_t plain = 0;
  size_t compressed = 0;
  for (const std::string& decision : ShippedDecisions(*bundle_, 300)) {
    absl::StatusOr<absl::string_view> frame = (*compressor)->Compress(decision);
    ASSERT_TRUE(frame.ok()) << frame.status();
    plain += decision.size();
    compressed += frame->size();
    absl::StatusOr<std::string> back = (*decompressor)->Decompress(*frame);
    ASSERT_TRUE(back.ok()) << back.status();
    ASSERT_EQ(*back, decision);
  }
  // What the log writes per decision: the point of compressing.
  EXPECT_LT(compressed * 8, plain)
      << plain << " bytes compressed to " << compressed;
}

TEST_F(DecisionCodecTest, EmptyDictionaryIsRefused) {
  EXPECT_THAT(DecisionCompressor::Create(""),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(DecisionDecompressor::Create(""),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
}

TEST_F(DecisionCodecTest, DamagedFramesAreDataLoss) {
  auto compressor = DecisionCompressor::Create(dictionary_);
  auto decompressor = DecisionDecompressor::Create(dictionary_);
  ASSERT_TRUE(compressor.ok() && decompressor.ok());
  const std::string decision = ShippedDecisions(*bundle_, 1).at(0);
  const std::string frame(*(*compressor)->Compress(decision));

  for (const std::string& damaged :
       {std::string(), std::string("not a frame"),
        frame.substr(0, frame.size() - 5), frame + frame}) {
    EXPECT_THAT((*decompressor)->Decompress(damaged),
                StatusIs(absl::StatusCode::kDataLoss, _))
        << damaged.size();
  }
  // A frame whose header claims more than the limit is refused before
  // anything is allocated for it.
  const std::string too_big(kMaxDecisionBytes + 1, 'y');
  auto y = DecisionCompressor::Create("y");
  auto y_decompressor = DecisionDecompressor::Create("y");
  ASSERT_TRUE(y.ok() && y_decompressor.ok());
  EXPECT_THAT(std::string((*y_decompressor)
                              ->Decompress(*(*y)->Compress(too_big))
                              .status()
                              .message()),
              HasSubstr("more than the limit"));
}

TEST(DecisionDictionaryTest, IsDeterministicAndBounded) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  const std::string first = BuildDecisionDictionary(**bundle);
  EXPECT_FALSE(first.empty());
  EXPECT_LE(first.size(), kMaxDecisionDictionaryBytes);
  EXPECT_EQ(BuildDecisionDictionary(**bundle), first);
  // Every rule's explanation is in it (the default locale's samples).
  const v1::PolicyBundleInfo info = (*bundle)->Info();
  for (const v1::RuleSummary& rule : info.rules()) {
    EXPECT_THAT(first, HasSubstr(rule.id())) << rule.id();
  }

  // 10,000 rules: far more samples than fit; the dictionary stays bounded.
  testing::SyntheticBundleOptions options;
  options.rule_count = 10000;
  auto files = testing::SyntheticBundle(REFUND_POLICIES_DIR, options);
  ASSERT_TRUE(files.ok()) << files.status();
  auto large = LoadBundle(*files);
  ASSERT_TRUE(large.ok()) << large.status();
  const std::string bounded = BuildDecisionDictionary(**large);
  EXPECT_GT(bounded.size(), kMaxDecisionDictionaryBytes / 2);
  EXPECT_LE(bounded.size(), kMaxDecisionDictionaryBytes);
}

}  // namespace
}  // namespace refund::server
