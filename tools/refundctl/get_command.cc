#include "tools/refundctl/get_command.h"

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/server_client.h"

namespace refund {

int RunGetCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (Flag(args, "server", "").empty() || args.positional.size() != 1) {
    err << "get: give one DECISION_ID and --server HOST:PORT\n";
    return 2;
  }
  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) {
    err << "get: " << connected.status().message() << "\n";
    return 2;
  }
  grpc::ClientContext context;
  connected->connection.PrepareCall(&context);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  v1::GetDecisionRequest request;
  request.set_decision_id(args.positional.front());
  v1::Decision decision;
  grpc::Status status =
      connected->stub->GetDecision(&context, request, &decision);
  if (!status.ok()) {
    err << "get: " << DescribeRpcError("GetDecision", status) << "\n";
    return 1;
  }
  out << ToJson(decision);
  return 0;
}

}  // namespace refund
