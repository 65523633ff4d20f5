// Decision ids: 128 random bits from OpenSSL's CSPRNG as 32 lower-case hex
// characters. Unguessable (a decision id is enough to read a decision) and
// unique without coordination between replicas; log order is kept by the
// log's own sequence number, not by the id.
#ifndef SERVER_DECISION_ID_H_
#define SERVER_DECISION_ID_H_

#include <string>

#include "absl/status/statusor.h"

namespace refund::server {

// UNAVAILABLE when the random generator fails (it should not).
absl::StatusOr<std::string> NewDecisionId();

}  // namespace refund::server

#endif  // SERVER_DECISION_ID_H_
