// refund-echo-server: the bare gRPC service refund-bench compares the refund
// service with (echo_service.h). Prints "refund-echo-server listening on
// HOST:PORT" once serving; SIGINT/SIGTERM stop it.
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tools/bench/echo_server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052",
          "host:port to serve on; port 0 picks a free one");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status status =
      refund::bench::RunEchoServer(absl::GetFlag(FLAGS_listen), std::cout);
  if (!status.ok()) {
    std::cerr << "refund-echo-server: " << status.message() << std::endl;
    return 1;
  }
  return 0;
}
