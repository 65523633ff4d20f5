// What refund-server and refundctl read from a decision log spec before the
// store is opened (the specs and the stores they name:
// server/log/open/open_decision_log.h): whether it is a PostgreSQL URI,
// the parts of one that name the database (for a checkpoint's origin), and
// whether it holds a password, which must never be given on a command line
// (every user of the machine can read a process's arguments).
//
// A PostgreSQL URI is libpq's (PostgreSQL documentation, "Connection
// URIs"):
//   postgresql://[user[:password]@][host[:port][,host[:port]...]][/dbname]
//       [?name=value[&name=value...]]
// (`postgres://` too), each part percent-encoded, an IPv6 host in
// brackets. Only what libpq itself refuses is refused here (a `[` with no
// `]`, an empty `[]`, a character other than `:`, `/`, `?` or `,` after
// `]`, a bad `%` escape or `%00`, a parameter without `=` or with two):
// everything else is left to the store, which connects.
#ifndef SERVER_LOG_LOG_SPEC_H_
#define SERVER_LOG_LOG_SPEC_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace refund::server {

// Whether `spec` starts with `postgresql://` or `postgres://`.
bool IsPostgresUri(absl::string_view spec);

// The parts of a PostgreSQL URI, percent-decoded.
struct PostgresUri {
  // Empty when not given.
  std::string user;
  // Whether the user part holds a password (`user:secret@`; also an empty
  // one, `user:@`). The password itself is never kept.
  bool has_password = false;
  // The hosts in order, without their ports; an IPv6 address keeps its
  // brackets (`[::1]`). Empty when none is given (libpq's default: the
  // local Unix socket).
  std::vector<std::string> hosts;
  // The path's database name; empty when not given.
  std::string database;
  // The query's parameters in order (name, value), e.g. ("sslmode",
  // "verify-full").
  std::vector<std::pair<std::string, std::string>> parameters;
};

// The parts of `uri`, which IsPostgresUri. INVALID_ARGUMENT, saying what is
// wrong but never quoting the URI (it may hold a password), when libpq
// would refuse it as above.
absl::StatusOr<PostgresUri> ParsePostgresUri(absl::string_view uri);

// OK for a spec that is not a PostgreSQL URI, or one without a password.
// INVALID_ARGUMENT, never quoting the spec, for a PostgreSQL URI that holds
// a password (in its user part or as a `password` parameter), saying to give
// it in a password file (PGPASSFILE, ~/.pgpass) or PGPASSWORD instead; and
// for one ParsePostgresUri refuses (whether it holds a password cannot be
// told).
absl::Status CheckLogSpecHasNoPassword(absl::string_view spec);

}  // namespace refund::server

#endif  // SERVER_LOG_LOG_SPEC_H_
