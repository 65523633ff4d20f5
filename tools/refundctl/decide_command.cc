#include "tools/refundctl/decide_command.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "tools/refundctl/bundle_input.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/request_input.h"
#include "tools/refundctl/server_client.h"

namespace refund {

std::unique_ptr<const CompiledBundle> DecideInProcess(
    const v1::RefundRequest& request, const Args& args, std::ostream& out,
    std::ostream& err) {
  auto bundle = LoadBundleReporting(Flag(args, "policies", "policies"), err);
  if (!bundle.ok()) return nullptr;
  absl::StatusOr<v1::Decision> decision = (*bundle)->Decide(request);
  if (!decision.ok()) {
    err << decision.status().message() << "\n";
    return nullptr;
  }
  out << ToJson(*decision);
  return *std::move(bundle);
}

int RunDecideCommand(const Args& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::RefundRequest> request = ReadRefundRequest(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 1;
  }
  const std::string server = Flag(args, "server", "");
  if (!server.empty()) {
    absl::StatusOr<ServerStub> connected = ConnectToServer(args);
    if (!connected.ok()) {
      err << connected.status().message() << "\n";
      return 2;
    }
    grpc::ClientContext context;
    connected->connection.PrepareCall(&context);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::DecideRequest call;
    *call.mutable_request() = *request;
    v1::Decision decision;
    grpc::Status status = connected->stub->Decide(&context, call, &decision);
    if (!status.ok()) {
      err << DescribeRpcError("Decide", status) << "\n";
      return 1;
    }
    out << ToJson(decision);
    return 0;
  }
  return DecideInProcess(*request, args, out, err) != nullptr ? 0 : 1;
}

}  // namespace refund
