// Decision ids: 32 lower-case hex characters, the first 12 the decision time
// in milliseconds since the Unix epoch (48 bits), the other 20 random bits
// from OpenSSL's CSPRNG (80 bits). Unguessable (a decision id is enough to
// read a decision) and unique without coordination between replicas. Ids of
// later decisions sort later, so the log's unique index on decision_id grows
// at its end instead of taking each insert at a random page (fewer pages
// written per batch); log order itself is kept by the log's sequence number.
#ifndef SERVER_LOG_DECISION_ID_H_
#define SERVER_LOG_DECISION_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace refund::server {

// UNAVAILABLE when the random generator fails (it should not).
absl::StatusOr<std::string> NewDecisionId(absl::Time decided_at);

}  // namespace refund::server

#endif  // SERVER_LOG_DECISION_ID_H_
