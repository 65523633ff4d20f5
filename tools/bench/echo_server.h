// Runs the echo service (echo_service.h) until SIGINT or SIGTERM.
#ifndef TOOLS_BENCH_ECHO_SERVER_H_
#define TOOLS_BENCH_ECHO_SERVER_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"

namespace refund::bench {

// Serves on `listen` ("host:port", port 0 picks one), writes
// "refund-echo-server listening on HOST:PORT" to `out` once serving, and
// returns after SIGINT or SIGTERM. Blocks those signals in the calling
// thread first (call it before starting other threads).
absl::Status RunEchoServer(const std::string& listen, std::ostream& out);

}  // namespace refund::bench

#endif  // TOOLS_BENCH_ECHO_SERVER_H_
