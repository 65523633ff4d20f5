// The bare echo service refund-bench compares the refund service with: Decide
// parses the request like the real service and answers a canned Decision of
// the size of a real one (CannedDecision) with the request's ids, doing no
// evaluation and no storage.
#ifndef TOOLS_BENCH_ECHO_SERVICE_H_
#define TOOLS_BENCH_ECHO_SERVICE_H_

#include "echo_service.grpc.pb.h"
#include "refund/v1/refund.pb.h"

namespace refund::bench {

// A Decision of the size and shape of the shipped bundle's answers (zh-CN
// scripts): 6 matched rules, 3 evidence requirements, 6 actions with
// scripts, 4 forbidden conducts, 3 risks, about 4.5 KB serialized (the
// refund service's mean over the policy test requests is about 4.8 KB;
// refund-bench prints both).
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
