// Why gRPC could not listen: gRPC's builder reports only that no port was
// bound, so the server binds the address itself, once, to name the reason
// (the port taken, the address not this machine's, a privileged port).
#ifndef SERVER_GRPC_BIND_CHECK_H_
#define SERVER_GRPC_BIND_CHECK_H_

#include <string>

namespace refund::server {

// The reason a plain TCP socket (without SO_REUSEPORT, as the server's own
// listener) cannot bind `listen` ("host:port", "[v6]:port"), e.g. "the port
// is taken (another server listens on it)"; empty when it can (the failure
// was gRPC's own) or when the address does not resolve to bind.
std::string WhyCannotBind(const std::string& listen);

}  // namespace refund::server

#endif  // SERVER_GRPC_BIND_CHECK_H_
