// refundctl's connection to a running refund-server.
#ifndef TOOLS_REFUNDCTL_SERVER_CLIENT_H_
#define TOOLS_REFUNDCTL_SERVER_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"

namespace refund {

// A stub on an insecure channel to `address` (host:port).
std::unique_ptr<v1::RefundDecisionService::Stub> ConnectToServer(
    const std::string& address);

// "<what> failed: CODE: message", for a failed call.
std::string DescribeRpcError(const std::string& what,
                             const grpc::Status& status);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_SERVER_CLIENT_H_
