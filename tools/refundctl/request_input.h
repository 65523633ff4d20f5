// The JSON input of the request commands (decide, explain, suggest): a file
// or standard input, and the RefundRequest in it.
#ifndef TOOLS_REFUNDCTL_REQUEST_INPUT_H_
#define TOOLS_REFUNDCTL_REQUEST_INPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "refund/v1/service.pb.h"
#include "tools/refundctl/command_args.h"

namespace refund {

// What a command reads: the text of the file its first positional argument
// names, or of standard input when there is none or it is "-"; `source` names
// it in messages ("stdin" or the path).
struct JsonInput {
  std::string json;
  std::string source;
};

absl::StatusOr<JsonInput> ReadJsonInput(const Args& args);

// The RefundRequest in `input`: the request itself, or a DecideRequest
// {"request": {...}} wrapping it (an object with a "request" member).
// INVALID_ARGUMENT naming the source, the line and column and the field path
// (json_io.h's ParseJson) when it does not parse as one.
absl::StatusOr<v1::RefundRequest> ParseRefundRequest(const JsonInput& input);

// ReadJsonInput, then ParseRefundRequest.
absl::StatusOr<v1::RefundRequest> ReadRefundRequest(const Args& args);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_REQUEST_INPUT_H_
