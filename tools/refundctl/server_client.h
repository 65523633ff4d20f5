// refundctl's connection to a running refund-server: --server=HOST:PORT and
// the transport flags every --server command takes (TLS, mutual TLS, a
// bearer token: tools/client/channel_options.h).
#ifndef TOOLS_REFUNDCTL_SERVER_CLIENT_H_
#define TOOLS_REFUNDCTL_SERVER_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "tools/client/server_connection.h"
#include "tools/refundctl/command_args.h"

namespace refund {

// A stub on the server and the connection it uses; every call's context goes
// through `connection.PrepareCall` (the bearer token).
struct ServerStub {
  client::ServerConnection connection;
  std::unique_ptr<v1::RefundDecisionService::Stub> stub;
};

// The server --server names, reached as --tls_ca, --tls_cert, --tls_key,
// --tls_server_name and --token_file say. INVALID_ARGUMENT naming the flag
// (ServerConnection::Open).
absl::StatusOr<ServerStub> ConnectToServer(const Args& args);

// "<what> failed: CODE: message", for a failed call.
std::string DescribeRpcError(const std::string& what,
                             const grpc::Status& status);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_SERVER_CLIENT_H_
