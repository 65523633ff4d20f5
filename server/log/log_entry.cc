#include "server/log/log_entry.h"

#include <utility>

#include "google/protobuf/util/time_util.h"
#include "server/log/decision_serializer.h"
#include "server/log/deterministic_serialization.h"

namespace refund::server {

DecisionLogEntry MakeLogEntry(const v1::RefundRequest& request,
                              const v1::Decision& decision,
                              std::string bundle_version) {
  DecisionLogEntry entry;
  entry.request_bytes = SerializeDeterministically(request);
  entry.decision_bytes = SerializeDecision(decision);
  entry.decision_id = decision.decision_id();
  entry.request_id = request.request_id();
  entry.refund_id = request.refund_id();
  entry.shop_id = request.shop_id();
  entry.verdict = decision.verdict();
  entry.decided_at_micros =
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(
          decision.decided_at());
  entry.bundle_version = std::move(bundle_version);
  entry.rule_ids.reserve(decision.matched_rules_size());
  for (const v1::MatchedRule& rule : decision.matched_rules()) {
    entry.rule_ids.push_back(rule.rule_id());
  }
  return entry;
}

}  // namespace refund::server
