// A client's way to refund-server, made from ChannelOptions: the channel
// credentials (plaintext, TLS or mutual TLS) and what every call carries (a
// bearer token). refundctl's --server commands and refund-bench use it.
#ifndef TOOLS_CLIENT_SERVER_CONNECTION_H_
#define TOOLS_CLIENT_SERVER_CONNECTION_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "tools/client/channel_options.h"

namespace refund::client {

// Copyable; const methods are thread-safe.
class ServerConnection {
 public:
  // Reads the files of `options` now (CA, certificate, key, token).
  // INVALID_ARGUMENT naming the flag when the address is empty, a file cannot
  // be read or holds no PEM block, or the flags do not go together
  // (--tls_cert without --tls_key or the reverse; --tls_cert or
  // --tls_server_name without --tls_ca); the token's errors as in
  // bearer_token.h. Whether the certificates verify is seen in the handshake
  // (a call fails UNAVAILABLE).
  static absl::StatusOr<ServerConnection> Open(const ChannelOptions& options);

  // A new channel to the address (every replica it names, balanced by
  // round_robin) with these credentials; `arguments` are the caller's own (a
  // local subchannel pool for a connection of its own), to which the load
  // balancing policy and the server name override are added.
  std::shared_ptr<grpc::Channel> NewChannel(
      grpc::ChannelArguments arguments = grpc::ChannelArguments()) const;

  // Adds what every call carries to `context` (`authorization: Bearer
  // <token>` with --token_file, nothing otherwise). Call it on each
  // ClientContext before its call starts.
  void PrepareCall(grpc::ClientContext* context) const;

  const std::string& address() const { return address_; }
  // The gRPC target of the address: `ipv4:` or `ipv6:` before a list of
  // several addresses, the address itself otherwise.
  std::string target() const;
  bool tls() const { return tls_; }

 private:
  ServerConnection() = default;

  std::string address_;
  bool tls_ = false;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string server_name_;
  std::string authorization_;  // "Bearer <token>", or empty
};

}  // namespace refund::client

#endif  // TOOLS_CLIENT_SERVER_CONNECTION_H_
