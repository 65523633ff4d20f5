#include "engine/lint/conjunction.h"

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"

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
                      "is_delivered() || within_days_of_signing(7)",
                      "(request.flags.urgent || has_gifts())"));

TEST(ConjunctionTest, OtherConjunctsAreOpaqueAtoms) {
  std::optional<Conjunction> c = Analyze(
      "is_delivered() && !within_days_of_signing(7) && "
      "request.order.items.exists(i, i.is_gift) && "
      "has(request.order.delivered_at) && request.flags.urgent && "
      "(has_gifts() || request.flags.force_majeure) && "
      "size(request.inspection.resale_defects) > 0 && "
      "EVIDENCE_KIND_CHAT_RECORD in request.evidence");
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->atoms.size(), 8u);
  const std::vector<std::string> paths = {
      "is_delivered()",
      "within_days_of_signing(7)",
      "request.order.items.exists($0, $0.is_gift)",
      "has(request.order.delivered_at)",
      "request.flags.urgent",
      "(has_gifts() || request.flags.force_majeure)",
      "size(request.inspection.resale_defects)",
      "(EVIDENCE_KIND_CHAT_RECORD in request.evidence)"};
  for (size_t i = 0; i < paths.size(); ++i) {
    EXPECT_EQ(c->atoms[i].path, paths[i]) << i;
    EXPECT_EQ(c->atoms[i].opaque, i != 4) << i;
  }
  EXPECT_EQ(c->atoms[0].values[0], ConstantValue::Bool(true));
  EXPECT_EQ(c->atoms[1].values[0], ConstantValue::Bool(false));  // negated
  EXPECT_EQ(c->atoms[6].op, ConjunctionAtom::Op::kGreater);
  EXPECT_EQ(c->atoms[6].values[0], ConstantValue::Int(0));
}

TEST(ConjunctionTest, NegationsArePushedInward) {
  std::optional<Conjunction> c = Analyze(
      "!(request.reason == REASON_OTHER) && !!is_delivered() && "
      "!(request.platform in [PLATFORM_TAOBAO, PLATFORM_TMALL]) && "
      "!(has_gifts() || request.flags.urgent)");
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->atoms.size(), 6u);
  EXPECT_EQ(c->atoms[0].path, "request.reason");
  EXPECT_EQ(c->atoms[0].op, ConjunctionAtom::Op::kNotEqual);
  EXPECT_EQ(c->atoms[1].path, "is_delivered()");
  EXPECT_EQ(c->atoms[1].values[0], ConstantValue::Bool(true));
  EXPECT_EQ(c->atoms[2].op, ConjunctionAtom::Op::kNotEqual);
  EXPECT_EQ(c->atoms[3].op, ConjunctionAtom::Op::kNotEqual);
  EXPECT_EQ(c->atoms[4].path, "has_gifts()");
  EXPECT_EQ(c->atoms[4].values[0], ConstantValue::Bool(false));
  EXPECT_EQ(c->atoms[5].path, "request.flags.urgent");
  EXPECT_EQ(c->atoms[5].values[0], ConstantValue::Bool(false));
}

std::string Canonical(const std::string& text) {
  const Environment env = testing::TestEnvironment();
  auto e = Expression::Compile(text, env, Expect::kAny, nullptr);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? CanonicalText(**e) : "";
}

struct CanonicalCase {
  std::string name;
  std::string a;
  std::string b;
  bool same;

  friend void PrintTo(const CanonicalCase& c, std::ostream* os) {
    *os << c.name;
  }
};

class CanonicalTextTest : public ::testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalTextTest, IdentifiesTheComputation) {
  EXPECT_EQ(Canonical(GetParam().a) == Canonical(GetParam().b), GetParam().same)
      << Canonical(GetParam().a) << " vs " << Canonical(GetParam().b);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CanonicalTextTest,
    ::testing::ValuesIn(std::vector<CanonicalCase>{
        {"Spacing", "is_delivered()", "is_delivered( )", true},
        {"SpacingInArguments", "within_days_of_signing(7)",
         "within_days_of_signing (  7 )", true},
        {"Parentheses", "(has_gifts())", "has_gifts()", true},
        {"Comments", "has_gifts() // gifts", "has_gifts()", true},
        {"ConstantByValue", "min(request.requested_amount, yuan(5))",
         "min(request.requested_amount, small_compensation_cap)", true},
        {"FoldedArithmetic", "within_days_of_signing(3 + 4)",
         "within_days_of_signing(7)", true},
        {"VariableNames", "request.order.items.exists(i, i.is_gift)",
         "request.order.items.exists(x, x.is_gift)", true},
        {"PathSpacing", "has(request . order.delivered_at)",
         "has(request.order.delivered_at)", true},
        {"OtherArgument", "within_days_of_signing(7)",
         "within_days_of_signing(8)", false},
        {"OtherHelper", "has_gifts()", "is_delivered()", false},
        {"OtherField", "has(request.order.delivered_at)",
         "has(request.order.shipped_at)", false},
        {"ExistsIsNotAll", "request.order.items.exists(i, i.is_gift)",
         "request.order.items.all(i, i.is_gift)", false},
        {"MoneyIsNotInt", "min(request.requested_amount, fen(5))",
         "min(request.buyer.refunds_90d, 5) > 0", false},
        {"StringsQuoted", "request.shop_id in ['a\", \"b'] || true",
         "request.shop_id in ['a', 'b'] || true", false},
        {"Grouping", "has_gifts() && (is_delivered() || request.flags.urgent)",
         "(has_gifts() && is_delivered()) || request.flags.urgent", false},
    }),
    [](const ::testing::TestParamInfo<CanonicalCase>& info) {
      return info.param.name;
    });

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
        {"OpaqueAndItsNegation", "is_delivered() && !is_delivered()", true},
        {"OpaqueSpelledDifferently", "is_delivered() && !is_delivered( )",
         true},
        {"GiftsAndNoGifts", "has_gifts() && !has_gifts()", true},
        {"DoubleNegation", "!!has_gifts() && !has_gifts()", true},
        {"OpaqueEqualsFalse", "has_gifts() == false && has_gifts()", true},
        {"SameOpaqueTwice", "is_delivered() && is_delivered()", false},
        {"DifferentWindows",
         "within_days_of_signing(7) && !within_days_of_signing(15)", false},
        {"WindowThroughAConstant",
         "within_days_of_signing(3 + 4) && !within_days_of_signing(7)", true},
        {"ExistsAndNotExists",
         "request.order.items.exists(i, i.is_gift) && "
         "!request.order.items.exists(x, x.is_gift)",
         true},
        {"NegatedDisjunctionSplits",
         "!(has_gifts() || request.flags.urgent) && request.flags.urgent",
         true},
        {"NegatedConjunctionIsOpaque",
         "!(has_gifts() && request.flags.urgent) && request.flags.urgent",
         false},
        {"SizeBounds",
         "size(request.inspection.resale_defects) > 0 && "
         "size(request.inspection.resale_defects) == 0",
         true},
        {"HelperValueBounds",
         "missing_item_count() > 2 && missing_item_count() < 3", true},
        {"NegatedComparison",
         "!(request.reason == REASON_OTHER) && request.reason == REASON_OTHER",
         true},
        {"NegatedIn",
         "!(request.platform in [PLATFORM_TAOBAO]) && request.platform == "
         "PLATFORM_TAOBAO",
         true},
        // Sound, not complete: different subjects are independent.
        {"EquivalentSpellingsAreUnknown",
         "is_delivered() && !has(request.order.delivered_at)", false},
        // `!(a || b)` becomes `!a && !b`, which is not compared with the
        // opaque `(a || b)`.
        {"DisjunctionAndItsSplitNegation",
         "(has_gifts() || request.flags.urgent) && "
         "!(has_gifts() || request.flags.urgent)",
         false},
        {"FalseLiteral", "false", true},
        {"FalseInAChain", "request.flags.urgent && false", true},
        {"NotFalse", "!false && request.flags.urgent", false},
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
        {"HelpersSpecificImpliesGeneral",
         "request.reason == REASON_NO_REASON && is_delivered() && "
         "within_days_of_signing(7)",
         "request.reason == REASON_NO_REASON && is_delivered()", true},
        {"HelpersGeneralDoesNotImplySpecific",
         "request.reason == REASON_NO_REASON && is_delivered()",
         "request.reason == REASON_NO_REASON && is_delivered() && "
         "within_days_of_signing(7)",
         false},
        {"OpaqueImpliesItselfWhateverTheSpelling", "is_delivered( )",
         "is_delivered()", true},
        {"NegatedOpaqueImpliesItself", "!within_days_of_signing(7)",
         "!within_days_of_signing(3 + 4)", true},
        {"OpaqueDoesNotImplyItsNegation", "is_delivered()", "!is_delivered()",
         false},
        {"OtherArgumentIsAnotherAtom", "within_days_of_signing(7)",
         "within_days_of_signing(15)", false},
        {"OpaqueDoesNotImplyAField", "is_delivered()",
         "has(request.order.delivered_at)", false},
        {"HelperValueBounds", "missing_item_count() > 2",
         "missing_item_count() >= 1", true},
        {"HelperValueBoundsNotReversed", "missing_item_count() >= 1",
         "missing_item_count() > 2", false},
        {"NegatedDisjunctionImpliesEachNegation",
         "!(has_gifts() || request.flags.urgent)", "!request.flags.urgent",
         true},
        // Sound, not complete: a disjunction is known only as a whole.
        {"DisjunctIsNotSeenToImplyTheDisjunction", "has_gifts()",
         "(has_gifts() || request.flags.urgent) && true", false},
        {"UnsatisfiableOpaqueImpliesAnything", "has_gifts() && !has_gifts()",
         "request.reason == REASON_OTHER", true},
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

struct BothCase {
  std::string name;
  std::string a;
  std::string b;
  bool may;

  friend void PrintTo(const BothCase& c, std::ostream* os) { *os << c.name; }
};

class MaySatisfyBothCaseTest : public ::testing::TestWithParam<BothCase> {};

TEST_P(MaySatisfyBothCaseTest, FalseOnlyOnAContradiction) {
  std::optional<Conjunction> a = Analyze(GetParam().a);
  std::optional<Conjunction> b = Analyze(GetParam().b);
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(MaySatisfyBoth(*a, *b), GetParam().may);
  EXPECT_EQ(MaySatisfyBoth(*b, *a), GetParam().may);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MaySatisfyBothCaseTest,
    ::testing::ValuesIn(std::vector<BothCase>{
        {"GiftsAndNoGifts", "has_gifts()", "!has_gifts()", false},
        {"DeliveredAndNot",
         "request.type == REQUEST_TYPE_REFUND_ONLY && is_delivered()",
         "request.type == REQUEST_TYPE_REFUND_ONLY && !is_delivered( )", false},
        {"InsideAndOutsideTheWindow",
         "is_delivered() && within_days_of_signing(7)",
         "is_delivered() && !within_days_of_signing(7)", false},
        {"DifferentOpaqueAtoms", "has_gifts()", "is_delivered()", true},
        {"DifferentWindows", "within_days_of_signing(7)",
         "!within_days_of_signing(15)", true},
        {"OpaqueAndField", "has_gifts() && request.flags.urgent",
         "!request.flags.urgent", false},
        {"SameOpaqueAtom", "has_gifts() && request.flags.urgent",
         "has_gifts() && request.flags.force_majeure", true},
    }),
    [](const ::testing::TestParamInfo<BothCase>& info) {
      return info.param.name;
    });

// Soundness against evaluation: over requests that vary every fact the
// conditions read, a condition said to be unsatisfiable is never true, an
// implication is never broken and conditions said to exclude each other are
// never true together. (An evaluation error is not true.)
TEST(ConjunctionSoundnessTest, AgreesWithEvaluation) {
  const std::vector<std::string> conditions = {
      "request.reason == REASON_NO_REASON && is_delivered()",
      "request.reason == REASON_NO_REASON && is_delivered() && "
      "within_days_of_signing(7)",
      "request.reason == REASON_NO_REASON && is_delivered() && "
      "!within_days_of_signing(7)",
      "within_days_of_signing(7) && !is_delivered()",
      "!is_delivered( ) && request.type == REQUEST_TYPE_REFUND_ONLY",
      "is_delivered() && !is_delivered()",
      "has_gifts() && request.flags.urgent",
      "!has_gifts() && request.flags.urgent",
      "unreturned_gift_value() > fen(0) && !request.inspection.inspected",
      "unreturned_gift_value() >= fen(1500) && has_gifts()",
      "missing_item_count() > 0 && missing_item_count() < 2",
      "!(has_gifts() || request.flags.urgent) && request.flags.urgent",
      "!(request.reason == REASON_OTHER) && (has_gifts() || is_delivered())",
      "request.order.items.exists(i, i.is_gift) && "
      "!request.order.items.exists(j, j.is_gift)",
      "request.order.items.exists(i, i.is_gift) && is_delivered()",
      "true",
  };
  const Environment env = testing::TestEnvironment();
  std::vector<std::shared_ptr<const Expression>> compiled;
  std::vector<Conjunction> conjunctions;
  for (const std::string& text : conditions) {
    auto e = Expression::Compile(text, env, Expect::kBool, nullptr);
    ASSERT_TRUE(e.ok()) << e.status();
    std::optional<Conjunction> c = AsConjunction(**e);
    ASSERT_TRUE(c.has_value()) << text;
    compiled.push_back(*e);
    conjunctions.push_back(*c);
  }
  std::vector<std::vector<bool>> truth(conditions.size());
  for (int bits = 0; bits < 128; ++bits) {
    v1::RefundRequest r = testing::FullRequest();  // applied on day 3
    if (bits & 1) r.mutable_order()->clear_delivered_at();
    if (bits & 2) {
      testing::SetTime(testing::Local(2026, 5, 20, 9, 0),
                       r.mutable_applied_at());
    }
    if (bits & 4) r.mutable_order()->mutable_items()->RemoveLast();  // gift
    if (bits & 8) r.mutable_flags()->set_urgent(false);
    if (bits & 16) r.set_reason(v1::REASON_OTHER);
    if (bits & 32) r.mutable_inspection()->set_inspected(false);
    if (bits & 64) r.mutable_inspection()->clear_received_items();
    for (size_t i = 0; i < compiled.size(); ++i) {
      absl::StatusOr<bool> value = compiled[i]->EvaluateBool(r);
      truth[i].push_back(value.ok() && *value);
    }
  }
  auto ever = [&](size_t i) {
    for (bool t : truth[i]) {
      if (t) return true;
    }
    return false;
  };
  for (size_t a = 0; a < conditions.size(); ++a) {
    if (IsUnsatisfiable(conjunctions[a])) {
      EXPECT_FALSE(ever(a)) << conditions[a];
    }
    for (size_t b = 0; b < conditions.size(); ++b) {
      const bool implies = Implies(conjunctions[a], conjunctions[b]);
      const bool may_both = MaySatisfyBoth(conjunctions[a], conjunctions[b]);
      for (size_t k = 0; k < truth[a].size(); ++k) {
        if (implies) {
          EXPECT_TRUE(!truth[a][k] || truth[b][k])
              << conditions[a] << " => " << conditions[b] << " #" << k;
        }
        if (!may_both) {
          EXPECT_FALSE(truth[a][k] && truth[b][k])
              << conditions[a] << " / " << conditions[b] << " #" << k;
        }
      }
    }
  }
  // The analysis is not vacuous here.
  EXPECT_TRUE(Implies(conjunctions[1], conjunctions[0]));
  EXPECT_FALSE(MaySatisfyBoth(conjunctions[6], conjunctions[7]));
  EXPECT_TRUE(IsUnsatisfiable(conjunctions[5]));
}

}  // namespace
}  // namespace refund::expr
