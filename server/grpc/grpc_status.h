// The one place where absl::Status becomes grpc::Status (STYLE.md: gRPC at
// the edge).
#ifndef SERVER_GRPC_GRPC_STATUS_H_
#define SERVER_GRPC_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace refund::server {

// Both follow the canonical code space (google.rpc.Code), so codes map by
// number; a code outside it becomes UNKNOWN. The message is kept as is.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  const grpc::StatusCode grpc_code =
      (code > 0 && code <= static_cast<int>(grpc::StatusCode::UNAUTHENTICATED))
          ? static_cast<grpc::StatusCode>(code)
          : grpc::StatusCode::UNKNOWN;
  return grpc::Status(grpc_code, std::string(status.message()));
}

}  // namespace refund::server

#endif  // SERVER_GRPC_GRPC_STATUS_H_
