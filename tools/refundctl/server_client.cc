#include "tools/refundctl/server_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "tools/client/channel_options.h"

namespace refund {

absl::StatusOr<ServerStub> ConnectToServer(const Args& args) {
  client::ChannelOptions options;
  options.address = Flag(args, "server", "");
  options.tls_ca = Flag(args, "tls_ca", "");
  options.tls_cert = Flag(args, "tls_cert", "");
  options.tls_key = Flag(args, "tls_key", "");
  options.tls_server_name = Flag(args, "tls_server_name", "");
  options.token_file = Flag(args, "token_file", "");
  absl::StatusOr<client::ServerConnection> connection =
      client::ServerConnection::Open(options);
  if (!connection.ok()) return connection.status();
  auto stub = v1::RefundDecisionService::NewStub(connection->NewChannel());
  return ServerStub{*std::move(connection), std::move(stub)};
}

std::string DescribeRpcError(const std::string& what,
                             const grpc::Status& status) {
  // gRPC status codes and absl::StatusCode share their numbers.
  return absl::StrCat(what, " failed: ",
                      absl::StatusCodeToString(
                          static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

}  // namespace refund
