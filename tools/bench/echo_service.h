// The bare echo service refund-bench compares the refund service with: Decide
// parses the request like the real service and answers a canned Decision of
// the size of a real one (CannedDecision) with the request's ids, doing no
// evaluation and no storage.
#ifndef TOOLS_BENCH_ECHO_SERVICE_H_
#define TOOLS_BENCH_ECHO_SERVICE_H_

#include "echo_service.grpc.pb.h"
#include "refund/v1/refund.pb.h"

namespace refund::bench {

// A Decision shaped like the shipped bundle's answer to a seven-day return
// in zh-CN: 3 matched rules, 2 evidence requirements, 4 actions with scripts,
// 3 forbidden conducts, 2 risks (about 2.5 KB serialized).
::refund::v1::Decision CannedDecision();

class EchoDecisionService final
    : public refund::bench::v1::EchoDecisionService::CallbackService {
 public:
  EchoDecisionService();

  grpc::ServerUnaryReactor* Decide(grpc::CallbackServerContext* context,
                                   const ::refund::v1::DecideRequest* request,
                                   ::refund::v1::Decision* response) override;

 private:
  const ::refund::v1::Decision canned_;
};

}  // namespace refund::bench

#endif  // TOOLS_BENCH_ECHO_SERVICE_H_
