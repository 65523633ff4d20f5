// Every call the server serves, seen by a gRPC server interceptor (gRPC
// 1.51's experimental API): its method, status, latency and message bytes,
// passed to a ServerObserver (server/telemetry/server_observer.h) when its
// status is sent. An interceptor sees every method, health and reflection
// included, and calls refused before their handler ran, with the status
// and bytes that went on the wire.
#ifndef SERVER_GRPC_CALL_INTERCEPTOR_H_
#define SERVER_GRPC_CALL_INTERCEPTOR_H_

#include "grpcpp/support/server_interceptor.h"
#include "server/telemetry/server_observer.h"

namespace refund::server {

// For ServerBuilder::experimental().SetInterceptorCreators. Borrows
// `observer`, which must outlive the server. With `read_decisions`,
// Decide's answer is read for its ids, verdict and bundle version (a walk
// over the top-level fields of the bytes sent; only a log line needs them).
class CallInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallInterceptorFactory(ServerObserver& observer, bool read_decisions)
      : observer_(observer), read_decisions_(read_decisions) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  ServerObserver& observer_;
  const bool read_decisions_;
};

}  // namespace refund::server

#endif  // SERVER_GRPC_CALL_INTERCEPTOR_H_
