#include "tools/refundctl/request_input.h"

#include <utility>

#include "absl/status/status.h"
#include "tools/refundctl/json_io.h"

namespace refund {

absl::StatusOr<JsonInput> ReadJsonInput(const Args& args) {
  const std::string path =
      args.positional.empty() ? "-" : args.positional.front();
  absl::StatusOr<std::string> json = ReadFileOrStdin(path);
  if (!json.ok()) return json.status();
  return JsonInput{*std::move(json), path == "-" ? "stdin" : path};
}

absl::StatusOr<v1::RefundRequest> ParseRefundRequest(const JsonInput& input) {
  v1::DecideRequest wrapped;
  if (ParseJson(input.json, input.source, &wrapped).ok() &&
      wrapped.has_request()) {
    return wrapped.request();
  }
  v1::RefundRequest request;
  absl::Status parsed = ParseJson(input.json, input.source, &request);
  if (!parsed.ok()) return parsed;
  return request;
}

absl::StatusOr<v1::RefundRequest> ReadRefundRequest(const Args& args) {
  absl::StatusOr<JsonInput> input = ReadJsonInput(args);
  if (!input.ok()) return input.status();
  return ParseRefundRequest(*input);
}

}  // namespace refund
