// The process's limit on open file descriptors. Each gRPC connection holds
// one; the soft limit (often 1024) is far below what a busy server needs,
// and running out stops gRPC 1.51's listener for good
// (server/grpc/listener_failure.h).
#ifndef SERVER_GRPC_DESCRIPTOR_LIMIT_H_
#define SERVER_GRPC_DESCRIPTOR_LIMIT_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace refund::server {

// Raises the soft RLIMIT_NOFILE to the hard limit and returns the limit now
// in force. INTERNAL when the limit cannot be read or set.
absl::StatusOr<uint64_t> RaiseDescriptorLimit();

}  // namespace refund::server

#endif  // SERVER_GRPC_DESCRIPTOR_LIMIT_H_
