#include "tests/testing/log_entry_builder.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace refund::testing {
namespace {

// The decision the service would have made for `request`, stamped.
v1::Decision TestLogDecision(const LogEntrySpec& spec,
                             const v1::RefundRequest& request) {
  v1::Decision decision;
  decision.set_decision_id(spec.decision_id.empty()
                               ? absl::StrCat("d-", request.request_id())
                               : spec.decision_id);
  decision.set_request_id(request.request_id());
  decision.set_refund_id(request.refund_id());
  decision.set_verdict(spec.verdict);
  *decision.mutable_decided_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          kEntryBaseMicros + spec.decided_at_offset_seconds * 1'000'000);
  decision.mutable_policy()->set_bundle_name("test");
  decision.mutable_policy()->set_version(spec.bundle_version);
  decision.set_locale("zh-CN");
  for (const std::string& rule_id : spec.rule_ids) {
    v1::MatchedRule* rule = decision.add_matched_rules();
    rule->set_rule_id(rule_id);
    rule->set_verdict(spec.verdict);
    rule->set_explanation(absl::StrCat("matched ", rule_id));
  }
  return decision;
}

}  // namespace

v1::RefundRequest TestLogRequest(const LogEntrySpec& spec,
                                 v1::RefundRequest base) {
  if (!spec.request_id.empty()) base.set_request_id(spec.request_id);
  if (!spec.refund_id.empty()) base.set_refund_id(spec.refund_id);
  if (!spec.shop_id.empty()) base.set_shop_id(spec.shop_id);
  if (spec.requested_minor_units.has_value()) {
    base.mutable_requested_amount()->set_minor_units(
        *spec.requested_minor_units);
  }
  if (!spec.padding.empty()) base.mutable_order()->set_order_id(spec.padding);
  return base;
}

server::DecisionLogEntry MakeTestLogEntry(const LogEntrySpec& spec,
                                          const v1::RefundRequest& base) {
  const v1::RefundRequest request = TestLogRequest(spec, base);
  return server::MakeLogEntry(request, TestLogDecision(spec, request),
                              spec.bundle_version);
}

}  // namespace refund::testing
