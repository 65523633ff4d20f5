#include "tools/refundctl/suggest_command.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "refund/v1/service.grpc.pb.h"
#include "server/suggest/action_suggester.h"
#include "tools/refundctl/bundle_input.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/request_input.h"
#include "tools/refundctl/server_client.h"
#include "tools/refundctl/suggestion_printer.h"

namespace refund {
namespace {

// The SuggestActionsRequest of `refundctl suggest`: --decision-id, or the
// JSON input (a SuggestActionsRequest, or a request as `decide` reads it);
// --locale overrides the input's.
absl::StatusOr<v1::SuggestActionsRequest> ReadSuggestRequest(const Args& args) {
  v1::SuggestActionsRequest request;
  const std::string decision_id = Flag(args, "decision-id", "");
  if (!decision_id.empty()) {
    request.set_decision_id(decision_id);
  } else {
    absl::StatusOr<JsonInput> input = ReadJsonInput(args);
    if (!input.ok()) return input.status();
    v1::SuggestActionsRequest wrapped;
    if (ParseJson(input->json, input->source, &wrapped).ok() &&
        (wrapped.has_request() || !wrapped.decision_id().empty())) {
      request = std::move(wrapped);
    } else {
      absl::StatusOr<v1::RefundRequest> refund = ParseRefundRequest(*input);
      if (!refund.ok()) return refund.status();
      *request.mutable_request() = *std::move(refund);
    }
  }
  const std::string locale = Flag(args, "locale", "");
  if (!locale.empty()) request.set_locale(locale);
  return request;
}

}  // namespace

int RunSuggestCommand(const Args& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<v1::SuggestActionsRequest> request = ReadSuggestRequest(args);
  if (!request.ok()) {
    err << request.status().message() << "\n";
    return 1;
  }
  const std::string server = Flag(args, "server", "");
  v1::SuggestActionsResponse response;
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
    grpc::Status status =
        connected->stub->SuggestActions(&context, *request, &response);
    if (!status.ok()) {
      err << DescribeRpcError("SuggestActions", status) << "\n";
      return 1;
    }
  } else if (!request->decision_id().empty()) {
    err << "--decision-id needs --server: stored decisions live in the "
           "server's log\n";
    return 2;
  } else {
    auto bundle = LoadBundleReporting(Flag(args, "policies", "policies"), err);
    if (!bundle.ok()) return 1;
    absl::StatusOr<v1::SuggestActionsResponse> dry_run =
        server::SuggestDryRun(**bundle, request->request(), request->locale());
    if (!dry_run.ok()) {
      err << dry_run.status().message() << "\n";
      return 1;
    }
    response = *std::move(dry_run);
  }
  out << (Flag(args, "json", "") == "true" ? ToJson(response)
                                           : FormatSuggestion(response));
  return 0;
}

}  // namespace refund
