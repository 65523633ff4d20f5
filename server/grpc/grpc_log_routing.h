// gRPC's own log lines (gpr_log: errors of the transport, the listener, TLS)
// routed to the server's logger as `grpc` lines with their severity, file
// and line, instead of gRPC's default writer on standard error.
#ifndef SERVER_GRPC_GRPC_LOG_ROUTING_H_
#define SERVER_GRPC_GRPC_LOG_ROUTING_H_

#include "server/logging/server_logger.h"

namespace refund::server {

// From now on gRPC's lines go to `logger` (borrowed: call
// StopRoutingGrpcLog before it is destroyed). gRPC has one log function
// per process; the last call wins.
void RouteGrpcLogTo(ServerLogger& logger);

// gRPC's lines go back to its default writer.
void StopRoutingGrpcLog();

}  // namespace refund::server

#endif  // SERVER_GRPC_GRPC_LOG_ROUTING_H_
