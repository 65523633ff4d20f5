// Notices when gRPC's TCP listener has stopped accepting connections.
//
// gRPC 1.51's POSIX listener gives up for good when accept4 fails with
// anything but EINTR, EAGAIN or ECONNABORTED: after EMFILE (the descriptor
// limit reached) it no longer watches the listening socket, so no new
// connection is ever served again, even after descriptors are free (gRPC
// issue 20418; later releases retry). All it does is log "Failed accept4".
// The server cannot re-open the listener, so it reports it: health turns
// NOT_SERVING (server/grpc/log_health_watcher.h) and a supervisor restarts
// the process.
#ifndef SERVER_GRPC_LISTENER_FAILURE_H_
#define SERVER_GRPC_LISTENER_FAILURE_H_

#include <optional>
#include <string>

#include "grpc/support/log.h"

namespace refund::server {

// Routes gRPC's log through a function that writes each line to stderr as
// gRPC would and records a listener failure. Call once, before the server
// starts; later calls do nothing. Needs gRPC's error logs on (the default;
// GRPC_VERBOSITY=NONE hides them).
void WatchForListenerFailure();

// The failure gRPC logged ("Failed accept4: Too many open files"), once the
// listener has stopped; nullopt while it accepts. Thread-safe.
std::optional<std::string> ListenerFailure();

// Notes `args` if it is the listener's failure line. For a log function
// that replaces WatchForListenerFailure's (server/grpc/grpc_log_routing.h):
// it must pass every line here.
void WatchGrpcLogLine(const gpr_log_func_args& args);

}  // namespace refund::server

#endif  // SERVER_GRPC_LISTENER_FAILURE_H_
