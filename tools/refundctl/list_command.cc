#include "tools/refundctl/list_command.h"

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "tools/refundctl/decision_filter_flags.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/server_client.h"

namespace refund {

int RunListCommand(const Args& args, std::ostream& out, std::ostream& err) {
  if (Flag(args, "server", "").empty()) {
    err << "list: --server HOST:PORT is required\n";
    return 2;
  }
  v1::ListDecisionsRequest request;
  absl::Status filtered = DecisionFilterFromFlags(args, &request);
  if (!filtered.ok()) {
    err << "list: " << filtered.message() << "\n";
    return 2;
  }
  const std::string page_size = Flag(args, "page_size", "0");
  int32_t size = 0;
  if (!absl::SimpleAtoi(page_size, &size) || size < 0) {
    err << "list: --page_size: \"" << page_size
        << "\" is not a non-negative number\n";
    return 2;
  }
  request.set_page_size(size);
  request.set_page_token(Flag(args, "page_token", ""));
  const bool all = Flag(args, "all", "false") == "true";
  absl::StatusOr<ServerStub> connected = ConnectToServer(args);
  if (!connected.ok()) {
    err << "list: " << connected.status().message() << "\n";
    return 2;
  }
  for (;;) {
    grpc::ClientContext context;
    connected->connection.PrepareCall(&context);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    v1::ListDecisionsResponse page;
    grpc::Status status =
        connected->stub->ListDecisions(&context, request, &page);
    if (!status.ok()) {
      err << "list: " << DescribeRpcError("ListDecisions", status) << "\n";
      return 1;
    }
    if (!all) {
      out << ToJson(page);
      return 0;
    }
    for (const v1::Decision& decision : page.decisions()) {
      out << ToJsonLine(decision);
    }
    if (page.next_page_token().empty()) return 0;
    request.set_page_token(page.next_page_token());
  }
}

}  // namespace refund
