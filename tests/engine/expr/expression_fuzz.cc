// libFuzzer target: arbitrary bytes as an expression. Compiling must report
// issues, never crash; whatever compiles is evaluated, traced and analysed on
// a full and an empty request without tripping a sanitizer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/expr/expression.h"
#include "engine/lint/conjunction.h"
#include "refund/v1/refund.pb.h"

namespace {

const refund::expr::Environment& FuzzEnvironment() {
  static const auto* env = [] {
    auto* e = new refund::expr::Environment(
        refund::v1::RefundRequest::descriptor(), "request", nullptr);
    (void)e->AddConstant("cap", refund::expr::ConstantValue::Money(500));
    (void)e->AddConstant("limit", refund::expr::ConstantValue::Int(3));
    return e;
  }();
  return *env;
}

const refund::v1::RefundRequest& FuzzRequest() {
  static const auto* request = [] {
    auto* r = new refund::v1::RefundRequest();
    r->set_reason(refund::v1::REASON_NO_REASON);
    r->mutable_requested_amount()->set_minor_units(12950);
    r->mutable_order()->mutable_delivered_at()->set_seconds(1777649400);
    r->mutable_requested_at()->set_seconds(1778212800);
    auto* item = r->mutable_order()->add_items();
    item->set_sku("A");
    item->set_quantity(2);
    item->set_is_gift(true);
    item->mutable_gift_value()->set_minor_units(100);
    r->mutable_inspection()->set_inspected(true);
    r->add_evidence(refund::v1::EVIDENCE_KIND_CHAT_RECORD);
    r->mutable_buyer()->set_refunds_90d(-1);
    return r;
  }();
  return *request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<refund::expr::ExprIssue> issues;
  auto compiled = refund::expr::Expression::Compile(
      text, FuzzEnvironment(), refund::expr::Expect::kAny, &issues);
  if (!compiled.ok()) return 0;
  const refund::expr::Expression& e = **compiled;
  const refund::v1::RefundRequest empty;
  for (const refund::v1::RefundRequest* r : {&FuzzRequest(), &empty}) {
    (void)e.Evaluate(*r);
    (void)e.Trace(*r);
  }
  if (!e.reads_root()) (void)e.EvaluateConstant();
  if (e.result_kind() == refund::expr::ValueKind::kBool) {
    if (auto c = refund::expr::AsConjunction(e)) {
      (void)refund::expr::IsUnsatisfiable(*c);
      (void)refund::expr::Implies(*c, *c);
    }
  }
  return 0;
}
