// RETURN_IF_ERROR / ASSIGN_OR_RETURN: the installed Abseil (20220623) has no
// status macros, so we keep these two, as cel-cpp does.
#ifndef ENGINE_BASE_STATUS_MACROS_H_
#define ENGINE_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define REFUND_STATUS_CONCAT_INNER(a, b) a##b
#define REFUND_STATUS_CONCAT(a, b) REFUND_STATUS_CONCAT_INNER(a, b)

// Returns from the current function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status refund_status_ = (expr);          \
    if (!refund_status_.ok()) return refund_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` binds the value of an absl::StatusOr or
// returns its status.
#define ASSIGN_OR_RETURN(lhs, rexpr)                                  \
  auto REFUND_STATUS_CONCAT(refund_statusor_, __LINE__) = (rexpr);    \
  if (!REFUND_STATUS_CONCAT(refund_statusor_, __LINE__).ok())         \
    return REFUND_STATUS_CONCAT(refund_statusor_, __LINE__).status(); \
  lhs = std::move(REFUND_STATUS_CONCAT(refund_statusor_, __LINE__)).value()

#endif  // ENGINE_BASE_STATUS_MACROS_H_
