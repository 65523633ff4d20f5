// Protobuf JSON in and out for the command line, with protobuf's util::Status
// wrapped into absl::Status at this boundary.
#ifndef TOOLS_REFUNDCTL_JSON_IO_H_
#define TOOLS_REFUNDCTL_JSON_IO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace refund {

// Parses protobuf JSON into `out`; INVALID_ARGUMENT naming `source` and,
// wherever it can be found, the line, column and field path of the mistake
// ("req.json:3:13: reason: \"X\" is not a value of refund.v1.Reason (...)";
// json_locator.h).
absl::Status ParseJson(const std::string& json, const std::string& source,
                       google::protobuf::Message* out);

// Pretty-printed protobuf JSON with the proto field names, scalar fields
// printed even when they hold their default (a zero refund amount shows).
std::string ToJson(const google::protobuf::Message& message);

// The same on one line, ending with a newline (JSON Lines).
std::string ToJsonLine(const google::protobuf::Message& message);

// The contents of `path`, or of standard input when `path` is "-" or empty.
absl::StatusOr<std::string> ReadFileOrStdin(const std::string& path);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_JSON_IO_H_
