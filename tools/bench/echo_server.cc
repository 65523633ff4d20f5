#include "tools/bench/echo_server.h"

#include <signal.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "tools/bench/echo_service.h"

namespace refund::bench {

absl::Status RunEchoServer(const std::string& listen, std::ostream& out) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return absl::InternalError("cannot block SIGINT/SIGTERM");
  }
  EchoDecisionService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  }
  const std::string host = listen.substr(0, listen.rfind(':'));
  out << "refund-echo-server listening on " << host << ":" << port << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server->Shutdown();
  return absl::OkStatus();
}

}  // namespace refund::bench
