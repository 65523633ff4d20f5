// GrpcStatusIs(code, message_matcher): refund::testing::StatusIs for the
// grpc::Status a stub returns (gRPC's status codes are Abseil's numbers), e.g.
//   EXPECT_THAT(stub->GetDecision(&context, request, &got),
//               GrpcStatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("0123")));
#ifndef TESTS_E2E_GRPC_STATUS_MATCHER_H_
#define TESTS_E2E_GRPC_STATUS_MATCHER_H_

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/status_matchers.h"

namespace refund::e2e {

// The same code and message as an absl::Status.
inline absl::Status ToAbslStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

template <typename MessageMatcher>
auto GrpcStatusIs(grpc::StatusCode code, MessageMatcher message_matcher) {
  return ::testing::ResultOf(
      &ToAbslStatus, refund::testing::StatusIs(
                         static_cast<absl::StatusCode>(code), message_matcher));
}

}  // namespace refund::e2e

#endif  // TESTS_E2E_GRPC_STATUS_MATCHER_H_
