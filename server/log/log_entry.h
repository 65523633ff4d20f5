// What one Decide call records in the decision log, built in one place from
// the request, the decision and the bundle version that made it.
#ifndef SERVER_LOG_LOG_ENTRY_H_
#define SERVER_LOG_LOG_ENTRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "refund/v1/refund.pb.h"

namespace refund::server {

// One decision to record. `request_bytes` is the deterministic serialization
// of the RefundRequest (the idempotency comparison is on these bytes) and
// `decision_bytes` that of the Decision, with decision_id and decided_at set:
// the store keeps them and answers with them byte for byte, so a decision is
// serialized once. The other fields are denormalized from the request and
// the decision so that the store can index them.
struct DecisionLogEntry {
  std::string request_bytes;
  std::string decision_bytes;
  std::string decision_id;
  std::string request_id;
  std::string refund_id;
  std::string shop_id;
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  // Microseconds since the Unix epoch; equals the decision's decided_at.
  int64_t decided_at_micros = 0;
  // Must have been stored with PutBundle first.
  std::string bundle_version;
  // Ids of the matched rules, for ListDecisions' rule filter.
  std::vector<std::string> rule_ids;
};

// The entry of `decision` (decision_id and decided_at set, decided_at in
// whole microseconds) made for `request` by `bundle_version`: the bytes as
// the log hashes and keeps them (server/log/decision_serializer.h), the
// indexed fields taken from the request and the decision.
DecisionLogEntry MakeLogEntry(const v1::RefundRequest& request,
                              const v1::Decision& decision,
                              std::string bundle_version);

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_ENTRY_H_
