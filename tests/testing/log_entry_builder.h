// LogEntrySpec: a decision log entry for the log tests, described by what a
// test varies and made the way the Decide handler makes one
// (server::MakeLogEntry over a request and a stamped decision), e.g.
//   MakeTestLogEntry(LogEntrySpec().Request("r1").Verdict(v1::VERDICT_REJECT))
//
// Defaults (each setter changes one):
// - the request is the `base` given to MakeTestLogEntry (an empty
//   RefundRequest when none is given); request_id, refund_id, shop_id, the
//   requested amount and the order id are replaced only where the spec sets
//   them, and by default it sets none;
// - decision_id "d-" + the request's request_id;
// - verdict VERDICT_APPROVE and one matched rule, "rule.a" (each rule with
//   the verdict and the explanation "matched <rule id>");
// - decided_at kEntryBaseMicros (2023-11-14T22:13:20Z) plus At() seconds, 0
//   by default;
// - bundle version kEntryBundleVersion ("v-one"), which the test stores with
//   PutBundle before appending; the decision names the bundle "test" and the
//   locale "zh-CN".
#ifndef TESTS_TESTING_LOG_ENTRY_BUILDER_H_
#define TESTS_TESTING_LOG_ENTRY_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "refund/v1/refund.pb.h"
#include "server/log/log_entry.h"

namespace refund::testing {

inline constexpr char kEntryBundleVersion[] = "v-one";
// 2023-11-14T22:13:20Z, microseconds since the Unix epoch.
inline constexpr int64_t kEntryBaseMicros = 1'700'000'000'000'000;

struct LogEntrySpec {
  std::string request_id;                        // empty: the base request's
  std::string refund_id;                         // empty: the base request's
  std::string shop_id;                           // empty: the base request's
  std::optional<int64_t> requested_minor_units;  // unset: the base request's
  std::string padding;      // set: the request's order id, to make it bigger
  std::string decision_id;  // empty: "d-" + the request's request_id
  v1::Verdict verdict = v1::VERDICT_APPROVE;
  int64_t decided_at_offset_seconds = 0;
  std::vector<std::string> rule_ids = {"rule.a"};
  std::string bundle_version = kEntryBundleVersion;

  LogEntrySpec& Request(std::string id) {
    request_id = std::move(id);
    return *this;
  }
  LogEntrySpec& Refund(std::string id) {
    refund_id = std::move(id);
    return *this;
  }
  LogEntrySpec& Shop(std::string id) {
    shop_id = std::move(id);
    return *this;
  }
  LogEntrySpec& Amount(int64_t minor_units) {
    requested_minor_units = minor_units;
    return *this;
  }
  LogEntrySpec& Padding(std::string text) {
    padding = std::move(text);
    return *this;
  }
  LogEntrySpec& DecisionId(std::string id) {
    decision_id = std::move(id);
    return *this;
  }
  LogEntrySpec& Verdict(v1::Verdict v) {
    verdict = v;
    return *this;
  }
  LogEntrySpec& At(int64_t seconds) {
    decided_at_offset_seconds = seconds;
    return *this;
  }
  LogEntrySpec& Rules(std::vector<std::string> ids) {
    rule_ids = std::move(ids);
    return *this;
  }
  LogEntrySpec& Bundle(std::string version) {
    bundle_version = std::move(version);
    return *this;
  }
};

// The request of `spec`: `base` with the fields the spec sets.
v1::RefundRequest TestLogRequest(const LogEntrySpec& spec,
                                 v1::RefundRequest base = v1::RefundRequest());

// The entry of `spec`'s decision for TestLogRequest(spec, base).
server::DecisionLogEntry MakeTestLogEntry(
    const LogEntrySpec& spec,
    const v1::RefundRequest& base = v1::RefundRequest());

}  // namespace refund::testing

#endif  // TESTS_TESTING_LOG_ENTRY_BUILDER_H_
