#include "tools/bench/echo_service.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace refund::bench {
namespace {

// A script of a typical length (the shipped catalog's are 60-200 bytes).
std::string Script(int i) {
  return absl::StrCat(
      "亲，您好！关于订单 ORD-sd-101 的售后申请（第 ", i,
      " 步），我们已经收到。请在 2026-05-04 10:00 "
      "前寄回商品并填写退货物流单号，收到后会尽快为您处理退款 ¥129.00。");
}

// `count` forbidden conducts or risks: code, text, rule id.
template <typename Notice>
void AddNotices(int count, absl::string_view code, const std::string& text,
                const std::string& rule_id,
                google::protobuf::RepeatedPtrField<Notice>* out,
                void (Notice::*set_text)(const std::string&)) {
  for (int i = 0; i < count; ++i) {
    Notice* notice = out->Add();
    notice->set_code(absl::StrCat(code, i));
    (notice->*set_text)(text);
    notice->set_rule_id(rule_id);
  }
}

}  // namespace

::refund::v1::Decision CannedDecision() {
  ::refund::v1::Decision d;
  d.set_decision_id("0123456789abcdef0123456789abcdef");
  d.set_request_id("req-sd-101");
  d.set_refund_id("RF-sd-101");
  d.set_verdict(::refund::v1::VERDICT_APPROVE);
  d.mutable_refund_amount()->set_currency("CNY");
  d.mutable_refund_amount()->set_minor_units(12900);
  for (int i = 0; i < 3; ++i) {
    ::refund::v1::EvidenceRequirement* e = d.add_required_evidence();
    e->set_kind(static_cast<::refund::v1::EvidenceKind>(i + 1));
    e->set_reason(
        "退货时请保留快递面单与商品合照。 Keep a photo of the waybill with "
        "the goods.");
    e->set_rule_id("seven_day.approve_within_window");
  }
  for (int i = 0; i < 6; ++i) {
    ::refund::v1::SuggestedAction* a = d.add_actions();
    a->set_code(absl::StrCat("SEND_RETURN_NOTICE_", i));
    a->set_script(Script(i));
    a->set_rule_id("seven_day.approve_within_window");
    a->mutable_due_by()->set_seconds(1777860000);
    a->set_channel(::refund::v1::CHANNEL_MESSAGE);
  }
  AddNotices(4, "REFUSE_VALID_SEVEN_DAY_RETURN_",
             "七天无理由退货期内拒绝退货会被判定为违规并扣分。 Refusing a "
             "valid seven-day return is a violation.",
             "always.forbid_harassment_and_inducements", d.mutable_forbidden(),
             &::refund::v1::ForbiddenAction::set_reason);
  AddNotices(3, "DISPUTE_RATE_",
             "纠纷率上升会影响店铺评分与流量。 A higher dispute rate lowers "
             "the shop's score.",
             "always.reject_intervention_risk", d.mutable_risks(),
             &::refund::v1::Risk::set_description);
  for (int i = 0; i < 6; ++i) {
    ::refund::v1::MatchedRule* m = d.add_matched_rules();
    m->set_rule_id(absl::StrCat("seven_day.approve_within_window_", i));
    m->set_verdict(::refund::v1::VERDICT_APPROVE);
    m->set_priority(600);
    m->set_explanation(
        "七天无理由：签收后 7 天内申请，商品不影响二次销售，同意退货退款。 "
        "Within seven days of signing: approve the return.");
  }
  d.mutable_respond_by()->set_seconds(1777860000);
  d.mutable_policy()->set_bundle_name("default");
  d.mutable_policy()->set_version(std::string(64, 'b'));
  d.mutable_decided_at()->set_seconds(1777773600);
  d.set_locale("zh-CN");
  return d;
}

EchoDecisionService::EchoDecisionService() : canned_(CannedDecision()) {}

grpc::ServerUnaryReactor* EchoDecisionService::Decide(
    grpc::CallbackServerContext* context,
    const ::refund::v1::DecideRequest* request,
    ::refund::v1::Decision* response) {
  *response = canned_;
  response->set_request_id(request->request().request_id());
  response->set_refund_id(request->request().refund_id());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace refund::bench
