#include "tests/testing/test_bundle.h"

#include "google/protobuf/util/time_util.h"

namespace refund::testing {

std::vector<BundleSourceFile> TestBundleFiles() {
  return {
      {"bundle.textproto", R"pb(
         name: "test"
         settings { time_zone: "Asia/Shanghai" }
         constants { name: "gift_cap" value: "yuan(20)" }
         fallback {
           verdict: VERDICT_NEGOTIATE
           actions: "ESCALATE_TO_OWNER"
           explanation: "nobody decided"
         }
       )pb"},
      {"catalog.textproto", R"pb(
         actions {
           code: "CONTACT_BY_MESSAGE_FIRST"
           channel: CHANNEL_MESSAGE
           rank: 0
           scripts { locale: "zh-CN" text: "您好，关于订单{{order_id}}……" }
           scripts { locale: "en" text: "Hello, about order {{order_id}}..." }
         }
         actions {
           code: "COLLECT_EVIDENCE"
           channel: CHANNEL_INTERNAL
           rank: 10
           scripts { locale: "zh-CN" text: "请补充：{{missing_evidence}}" }
           scripts { locale: "en" text: "Collect: {{missing_evidence}}" }
         }
         actions {
           code: "ESCALATE_TO_OWNER"
           channel: CHANNEL_INTERNAL
           scripts { locale: "zh-CN" text: "请店主决定" }
           scripts { locale: "en" text: "Ask the owner" }
         }
         actions {
           code: "SEND_RETURN_NOTICE"
           channel: CHANNEL_MESSAGE
           scripts {
             locale: "zh-CN"
             text: "退款{{refund_amount}}，请在{{respond_by}}前寄回"
           }
           scripts {
             locale: "en"
             text: "Refund {{refund_amount}}; ship back before {{respond_by}}"
           }
         }
         actions {
           code: "CALL_BUYER"
           channel: CHANNEL_PHONE
           scripts { locale: "zh-CN" text: "致电买家" }
           scripts { locale: "en" text: "Call the buyer" }
         }
         forbidden {
           code: "PHONE_AT_NIGHT"
           reasons { locale: "zh-CN" text: "夜间勿打电话" }
           reasons { locale: "en" text: "No calls at night" }
         }
         risks {
           code: "DISPUTE_RATE"
           descriptions { locale: "zh-CN" text: "纠纷商责率" }
           descriptions { locale: "en" text: "Dispute rate" }
         }
       )pb"},
      {"rules.textproto", R"pb(
         rules {
           id: "always.no_night_calls"
           description: "test"
           priority: 1000
           when: "true"
           forbidden: "PHONE_AT_NIGHT"
         }
         rules {
           id: "always.message_first"
           description: "test"
           priority: 1000
           when: "true"
           only_for_verdicts: [ VERDICT_NEGOTIATE, VERDICT_REJECT ]
           actions: "CONTACT_BY_MESSAGE_FIRST"
         }
         rules {
           id: "seven_day.approve"
           description: "test"
           priority: 100
           when: "request.reason == REASON_NO_REASON && is_delivered() && within_days_of_signing(7)"
           verdict: VERDICT_APPROVE
           actions: "SEND_RETURN_NOTICE"
           risks: "DISPUTE_RATE"
         }
         rules {
           id: "seven_day.late"
           description: "test"
           priority: 90
           when: "request.reason == REASON_NO_REASON && is_delivered() && !within_days_of_signing(7)"
           verdict: VERDICT_REJECT
           evidence {
             kind: EVIDENCE_KIND_LOGISTICS_TRACE
             reasons { locale: "zh-CN" text: "证明签收时间" }
             reasons { locale: "en" text: "shows signing" }
           }
         }
         rules {
           id: "gift.deduct"
           description: "test"
           priority: 200
           when: "request.inspection.inspected && unreturned_gift_value() > fen(0)"
           verdict: VERDICT_NEGOTIATE
           refund_amount: "request.requested_amount - min(unreturned_gift_value(), gift_cap)"
           actions: "CALL_BUYER"
         }
         rules {
           id: "deadline.broken"
           description: "errors when after_sale_deadline is unset"
           priority: 50
           when: "request.reason == REASON_OTHER && time_until_deadline() < hours(24)"
           verdict: VERDICT_NEGOTIATE
         }
       )pb"},
  };
}

google::protobuf::Timestamp At(const std::string& rfc3339) {
  google::protobuf::Timestamp t;
  google::protobuf::util::TimeUtil::FromString(rfc3339, &t);
  return t;
}

v1::RefundRequest SevenDayReturn() {
  v1::RefundRequest request;
  request.set_request_id("req-1");
  request.set_refund_id("rf-1");
  request.set_shop_id("shop-1");
  request.set_platform(v1::PLATFORM_DOUYIN);
  request.set_type(v1::REQUEST_TYPE_RETURN_AND_REFUND);
  request.set_reason(v1::REASON_NO_REASON);
  request.mutable_requested_amount()->set_currency("CNY");
  request.mutable_requested_amount()->set_minor_units(12900);
  v1::Order* order = request.mutable_order();
  order->set_order_id("ord-42");
  order->mutable_paid_amount()->set_currency("CNY");
  order->mutable_paid_amount()->set_minor_units(12900);
  *order->mutable_paid_at() = At("2026-04-28T09:00:00+08:00");
  *order->mutable_shipped_at() = At("2026-04-29T09:00:00+08:00");
  *order->mutable_delivered_at() = At("2026-05-01T12:00:00+08:00");
  v1::LineItem* item = order->add_items();
  item->set_sku("dress-blue");
  item->set_quantity(1);
  item->mutable_unit_price()->set_minor_units(12900);
  *request.mutable_requested_at() = At("2026-05-03T10:00:00+08:00");
  return request;
}

}  // namespace refund::testing
