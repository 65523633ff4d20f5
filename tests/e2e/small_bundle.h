// The small bundle the end-to-end tests write (so that they do not depend on
// the shipped rules): a seven-day rule, an evidence-demanding rule, a
// fallback; and a broken rules file.
#ifndef TESTS_E2E_SMALL_BUNDLE_H_
#define TESTS_E2E_SMALL_BUNDLE_H_

namespace refund::e2e {

// bundle.textproto: the name, the fallback and the action catalog, with
// zh-CN and en scripts.
inline constexpr char kBundleFile[] = R"pb(
  name: "e2e-small"
  fallback {
    verdict: VERDICT_NEGOTIATE
    actions: "ESCALATE_TO_OWNER"
    explanation: "no rule matched; the shop owner decides"
  }
  actions {
    code: "SEND_RETURN_NOTICE"
    channel: CHANNEL_MESSAGE
    scripts { locale: "zh-CN" text: "请按退货地址寄回商品。" }
    scripts { locale: "en" text: "Please send the item back." }
  }
  actions {
    code: "COLLECT_EVIDENCE"
    channel: CHANNEL_INTERNAL
    scripts { locale: "zh-CN" text: "请补充证据。" }
    scripts { locale: "en" text: "Collect the missing evidence." }
  }
  actions {
    code: "ESCALATE_TO_OWNER"
    channel: CHANNEL_INTERNAL
    scripts { locale: "zh-CN" text: "请店主处理。" }
    scripts { locale: "en" text: "Escalate to the shop owner." }
  }
)pb";

// rules/rules.textproto: the two rules.
inline constexpr char kRulesFile[] = R"pb(
  rules {
    id: "seven_day.no_reason"
    description: "Seven-day no-reason return inside the window (e2e bundle)"
    priority: 100
    when: "request.reason == REASON_NO_REASON && within_days_of_signing(7)"
    verdict: VERDICT_APPROVE
    actions: "SEND_RETURN_NOTICE"
  }
  rules {
    id: "empty_parcel.reject"
    description: "Returned parcel was empty (e2e bundle)"
    priority: 200
    when: "request.inspection.empty_package"
    verdict: VERDICT_REJECT
    evidence {
      kind: EVIDENCE_KIND_UNBOXING_VIDEO
      reason: "the unboxing video shows the empty parcel"
    }
  }
)pb";

// A broken rules file: line 5 names a field the request does not have.
inline constexpr char kBrokenRulesFile[] =
    R"pb(rules {
           id: "broken.rule"
           description: "refers to a field that does not exist"
           priority: 1
           when: "request.no_such_field == 1"
           verdict: VERDICT_APPROVE
         }
    )pb";

}  // namespace refund::e2e

#endif  // TESTS_E2E_SMALL_BUNDLE_H_
