#include "tools/refundctl/server_client.h"

#include "absl/strings/str_cat.h"

namespace refund {

std::unique_ptr<v1::RefundDecisionService::Stub> ConnectToServer(
    const std::string& address) {
  return v1::RefundDecisionService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::string DescribeRpcError(const std::string& what,
                             const grpc::Status& status) {
  // gRPC status codes and absl::StatusCode share their numbers.
  return absl::StrCat(what, " failed: ",
                      absl::StatusCodeToString(
                          static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

}  // namespace refund
