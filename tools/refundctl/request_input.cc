#include "tools/refundctl/request_input.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tools/refundctl/json_io.h"
#include "tools/refundctl/json_locator.h"

namespace refund {

absl::StatusOr<JsonInput> ReadJsonInput(const Args& args) {
  const std::string path =
      args.positional.empty() ? "-" : args.positional.front();
  absl::StatusOr<std::string> json = ReadFileOrStdin(path);
  if (!json.ok()) return json.status();
  return JsonInput{*std::move(json), path == "-" ? "stdin" : path};
}

absl::StatusOr<v1::RefundRequest> ParseRefundRequest(const JsonInput& input) {
  // A DecideRequest is an object with a "request" member (a RefundRequest
  // has none): its mistakes are named inside it, as request.FIELD.
  absl::StatusOr<JsonNode> root = ParseJsonWithPlaces(input.json);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(input.source, ":", root.status().message()));
  }
  bool wrapped = false;
  for (const auto& member : root->members) {
    wrapped = wrapped || member.first == "request";
  }
  if (wrapped) {
    v1::DecideRequest decide;
    absl::Status parsed = ParseJson(input.json, input.source, &decide);
    if (!parsed.ok()) return parsed;
    return decide.request();
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
