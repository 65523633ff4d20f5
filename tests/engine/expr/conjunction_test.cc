#include "engine/expr/conjunction.h"

#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/engine/expr/expr_test_util.h"

namespace refund::expr {
namespace {

std::optional<Conjunction> Analyze(const std::string& text) {
  const Environment env = testing::TestEnvironment();
  auto e = Expression::Compile(text, env, Expect::kBool, nullptr);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok()) return std::nullopt;
  return AsConjunction(**e);
}

TEST(ConjunctionTest, ReadsAtomsInOrder) {
  std::optional<Conjunction> c = Analyze(
      "request.reason == REASON_NO_REASON && 5 < request.buyer.refunds_90d && "
      "request.platform in premium_platforms && request.flags.urgent && "
      "!request.flags.force_majeure && request.requested_amount <= yuan(5)");
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->atoms.size(), 6u);
  EXPECT_EQ(c->atoms[0].path, "request.reason");
  EXPECT_EQ(c->atoms[0].op, ConjunctionAtom::Op::kEqual);
  EXPECT_EQ(c->atoms[0].values[0].int_value, v1::REASON_NO_REASON);
  EXPECT_EQ(c->atoms[1].path, "request.buyer.refunds_90d");
  EXPECT_EQ(c->atoms[1].op, ConjunctionAtom::Op::kGreater);  // flipped
  EXPECT_EQ(c->atoms[2].op, ConjunctionAtom::Op::kIn);
  EXPECT_EQ(c->atoms[2].values.size(), 2u);
  EXPECT_EQ(c->atoms[3].path, "request.flags.urgent");
  EXPECT_TRUE(c->atoms[3].values[0].bool_value);
  EXPECT_FALSE(c->atoms[4].values[0].bool_value);
  EXPECT_EQ(c->atoms[5].values[0], ConstantValue::Money(500));
}

TEST(ConjunctionTest, PathTextIgnoresSpacing) {
  std::optional<Conjunction> c = Analyze("request . flags .urgent");
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->atoms.size(), 1u);
  EXPECT_EQ(c->atoms[0].path, "request.flags.urgent");
}

TEST(ConjunctionTest, TrueIsTheEmptyConjunction) {
  std::optional<Conjunction> c = Analyze("true");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->atoms.empty());
}

class NotAConjunctionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(NotAConjunctionTest, IsNullopt) {
  EXPECT_FALSE(Analyze(GetParam()).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, NotAConjunctionTest,
    ::testing::Values("request.flags.urgent || request.flags.force_majeure",
                      "is_delivered() && request.flags.urgent",
                      "request.order.items.exists(i, i.is_gift)",
                      "EVIDENCE_KIND_CHAT_RECORD in request.evidence",
                      "request.buyer.refunds_90d + 1 > 3",
                      "request.buyer.refunds_90d > request.buyer.orders_90d",
                      "!(request.reason == REASON_OTHER)",
                      "has(request.order.delivered_at)", "false"));

struct SatCase {
  std::string name;
  std::string text;
  bool unsatisfiable;

  friend void PrintTo(const SatCase& c, std::ostream* os) { *os << c.name; }
};

class UnsatisfiableTest : public ::testing::TestWithParam<SatCase> {};

TEST_P(UnsatisfiableTest, FindsContradictions) {
  std::optional<Conjunction> c = Analyze(GetParam().text);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(IsUnsatisfiable(*c), GetParam().unsatisfiable);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UnsatisfiableTest,
    ::testing::ValuesIn(std::vector<SatCase>{
        {"TwoEnumValues",
         "request.reason == REASON_NO_REASON && request.reason == REASON_OTHER",
         true},
        {"SameEnumValueTwice",
         "request.reason == REASON_NO_REASON && request.reason == "
         "REASON_NO_REASON",
         false},
        {"EmptyInterval",
         "request.buyer.refunds_90d > 5 && request.buyer.refunds_90d < 3",
         true},
        {"OpenIntegerInterval",
         "request.buyer.refunds_90d > 5 && request.buyer.refunds_90d < 6",
         true},
        {"SinglePoint",
         "request.buyer.refunds_90d >= 5 && request.buyer.refunds_90d <= 5",
         false},
        {"SinglePointExcluded",
         "request.buyer.refunds_90d >= 5 && request.buyer.refunds_90d <= 5 && "
         "request.buyer.refunds_90d != 5",
         true},
        {"BoolAndNotBool", "request.flags.urgent && !request.flags.urgent",
         true},
        {"BoolEqualsFalseAndTrue",
         "request.flags.urgent == false && request.flags.urgent", true},
        {"DifferentBools",
         "request.flags.urgent && !request.flags.force_majeure", false},
        {"InAndEqualOutside",
         "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL] && "
         "request.platform == PLATFORM_DOUYIN",
         true},
        {"InAndEqualInside",
         "request.platform in premium_platforms && request.platform == "
         "PLATFORM_TMALL",
         false},
        {"InExcludedEntirely",
         "request.platform in [PLATFORM_TAOBAO] && request.platform != "
         "PLATFORM_TAOBAO",
         true},
        {"DisjointIns",
         "request.platform in [PLATFORM_TAOBAO] && request.platform in "
         "[PLATFORM_TMALL]",
         true},
        {"EmptyIn", "request.platform in []", true},
        {"MoneyBounds",
         "request.requested_amount > yuan(5) && request.requested_amount <= "
         "fen(500)",
         true},
        {"MoneyFits",
         "request.requested_amount > yuan(5) && request.requested_amount <= "
         "small_compensation_cap * 2",
         false},
        {"StringEqualities", "request.shop_id == 'a' && request.shop_id == 'b'",
         true},
        {"StringBounds", "request.shop_id > 'b' && request.shop_id < 'a'",
         true},
        {"StringPoint",
         "request.shop_id >= 'a' && request.shop_id <= 'a' && request.shop_id "
         "!= 'a'",
         true},
        {"StringRangeUnsure", "request.shop_id > 'a' && request.shop_id < 'b'",
         false},
        {"IndependentPaths",
         "request.reason == REASON_OTHER && request.type == "
         "REQUEST_TYPE_REFUND_ONLY",
         false},
        {"IntMax", "request.buyer.refunds_90d > 9223372036854775807", true},
        {"NotEqualsAroundAPoint",
         "request.buyer.refunds_90d > 1 && request.buyer.refunds_90d < 5 && "
         "request.buyer.refunds_90d != 2 && request.buyer.refunds_90d != 3 && "
         "request.buyer.refunds_90d != 4",
         true},
    }),
    [](const ::testing::TestParamInfo<SatCase>& info) {
      return info.param.name;
    });

struct ImpliesCase {
  std::string name;
  std::string specific;
  std::string general;
  bool implies;

  friend void PrintTo(const ImpliesCase& c, std::ostream* os) { *os << c.name; }
};

class ImpliesTest : public ::testing::TestWithParam<ImpliesCase> {};

TEST_P(ImpliesTest, IsSound) {
  std::optional<Conjunction> specific = Analyze(GetParam().specific);
  std::optional<Conjunction> general = Analyze(GetParam().general);
  ASSERT_TRUE(specific.has_value() && general.has_value());
  EXPECT_EQ(Implies(*specific, *general), GetParam().implies);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ImpliesTest,
    ::testing::ValuesIn(std::vector<ImpliesCase>{
        {"MoreAtomsImplyFewer",
         "request.reason == REASON_NO_REASON && request.flags.urgent",
         "request.reason == REASON_NO_REASON", true},
        {"FewerAtomsDoNotImplyMore", "request.reason == REASON_NO_REASON",
         "request.reason == REASON_NO_REASON && request.flags.urgent", false},
        {"EqualImpliesIn", "request.platform == PLATFORM_TMALL",
         "request.platform in premium_platforms", true},
        {"InImpliesWiderIn", "request.platform in [PLATFORM_TMALL]",
         "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL]", true},
        {"WiderInDoesNotImplyNarrower",
         "request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL]",
         "request.platform == PLATFORM_TMALL", false},
        {"EqualImpliesNotEqualOther", "request.reason == REASON_NO_REASON",
         "request.reason != REASON_OTHER", true},
        {"TighterBoundImpliesLooser", "request.buyer.refunds_90d > 5",
         "request.buyer.refunds_90d >= 3", true},
        {"IntegerStrictness", "request.buyer.refunds_90d > 5",
         "request.buyer.refunds_90d >= 6", true},
        {"LooserBoundDoesNotImply", "request.buyer.refunds_90d >= 3",
         "request.buyer.refunds_90d > 5", false},
        {"MoneyBounds", "request.requested_amount < yuan(3)",
         "request.requested_amount <= small_compensation_cap", true},
        {"AnythingImpliesTrue", "request.flags.urgent", "true", true},
        {"TrueImpliesNothingElse", "true", "request.flags.urgent", false},
        {"UnsatisfiableImpliesAnything",
         "request.flags.urgent && !request.flags.urgent",
         "request.reason == REASON_OTHER", true},
        {"DifferentPathsDoNotImply", "request.flags.urgent",
         "request.flags.force_majeure", false},
        {"BoolNegation", "!request.flags.urgent",
         "request.flags.urgent == false", true},
        {"NotInExcludesValues",
         "request.platform != PLATFORM_TAOBAO && request.platform != "
         "PLATFORM_TMALL",
         "request.platform != PLATFORM_TMALL", true},
    }),
    [](const ::testing::TestParamInfo<ImpliesCase>& info) {
      return info.param.name;
    });

TEST(MaySatisfyBothTest, DetectsOverlap) {
  auto a =
      Analyze("request.reason == REASON_NO_REASON && request.flags.urgent");
  auto b = Analyze(
      "request.reason == REASON_NO_REASON && request.buyer.refunds_90d > 2");
  auto c = Analyze("request.reason == REASON_OTHER");
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(MaySatisfyBoth(*a, *b));
  EXPECT_FALSE(MaySatisfyBoth(*a, *c));
  EXPECT_FALSE(MaySatisfyBoth(*b, *c));
}

}  // namespace
}  // namespace refund::expr
