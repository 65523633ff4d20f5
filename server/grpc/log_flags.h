// Which decision log refund-server opens, from its two flags: --log=SPEC
// names any store (server/log/open/open_decision_log.h: `sqlite:PATH`,
// `PATH`, `postgresql://...`, `memory:`); --db=PATH, the older flag, names
// one too (a file, by default data/decisions.db) and is what is opened when
// --log is not given.
#ifndef SERVER_GRPC_LOG_FLAGS_H_
#define SERVER_GRPC_LOG_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"

namespace refund::server {

// --db's default.
inline constexpr char kDefaultDbPath[] = "data/decisions.db";

// The spec refund-server opens: `log_flag` when it is not empty, otherwise
// `db_flag`. INVALID_ARGUMENT, in one line naming the flags, when both name
// a log (`log_flag` not empty and `db_flag` not kDefaultDbPath), or when the
// spec is a PostgreSQL URI that holds a password or cannot be read
// (server/log/log_spec.h; the spec is never quoted, it may hold one).
absl::StatusOr<std::string> ServerLogSpec(const std::string& log_flag,
                                          const std::string& db_flag);

}  // namespace refund::server

#endif  // SERVER_GRPC_LOG_FLAGS_H_
