// Tells systemd what refund-server is doing, for a unit of Type=notify
// (packaging/refund-server.service): sd_notify(3)'s protocol written out, so
// that the server needs no libsystemd. systemd names a Unix datagram socket
// in $NOTIFY_SOCKET; each notification is one datagram of newline-separated
// VARIABLE=value assignments. Started by anything else (no $NOTIFY_SOCKET),
// every function here does nothing and returns OK.
#ifndef SERVER_GRPC_SYSTEMD_NOTIFY_H_
#define SERVER_GRPC_SYSTEMD_NOTIFY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace refund::server {

// Sends `assignments` ("READY=1", "STATUS=...\nREADY=1") as one datagram to
// the socket $NOTIFY_SOCKET names: an absolute path, or an abstract socket
// when it starts with '@'. OK without $NOTIFY_SOCKET (nothing sent);
// INVALID_ARGUMENT for a name that is neither, or longer than a socket
// address holds; UNAVAILABLE when the socket cannot be made or the send
// fails (no systemd listening).
absl::Status NotifySystemd(absl::string_view assignments);

// The server's notifications. Ready: serving (after it listens), with a
// one-line `status` for `systemctl status`. Reloading: a SIGHUP reload has
// started (with the CLOCK_MONOTONIC time systemd asks for); Ready again when
// it is done. Stopping: the shutdown has started.
absl::Status NotifyReady(absl::string_view status);
absl::Status NotifyReloading();
absl::Status NotifyStopping();

}  // namespace refund::server

#endif  // SERVER_GRPC_SYSTEMD_NOTIFY_H_
