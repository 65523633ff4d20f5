#include "engine/expr/lexer.h"

#include <string>
#include <vector>

#include "engine/expr/expression.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"

namespace refund::expr {
namespace {

TEST(SmokeTest, Works) {
  Environment env(v1::RefundRequest::descriptor(), "request", nullptr);
  std::vector<ExprIssue> issues;
  auto e = Expression::Compile(
      "request.reason == REASON_NO_REASON && request.order.paid_amount > "
      "yuan(5) && "
      "request.evidence.exists(x, x == EVIDENCE_KIND_CHAT_RECORD)",
      env, Expect::kBool, &issues);
  ASSERT_TRUE(e.ok()) << e.status();
  v1::RefundRequest r;
  r.set_reason(v1::REASON_NO_REASON);
  r.mutable_order()->mutable_paid_amount()->set_minor_units(600);
  r.add_evidence(v1::EVIDENCE_KIND_CHAT_RECORD);
  auto b = (*e)->EvaluateBool(r);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(*b);
  for (const auto& s : (*e)->Trace(r)) {
    std::cout << std::string(s.depth * 2, ' ')
              << (*e)->text().substr(s.begin, s.end - s.begin) << " = "
              << s.value << "\n";
  }
  auto bad = Expression::Compile(
      "request.ordr.paid_amount > 5 && request.reason == PLATFORM_DOUYIN && "
      "foo",
      env, Expect::kBool, &issues);
  std::cout << bad.status() << "\n";
}

}  // namespace
}  // namespace refund::expr
