#include "tools/refundctl/json_io.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tools/refundctl/json_locator.h"

namespace refund {

absl::Status ParseJson(const std::string& json, const std::string& source,
                       google::protobuf::Message* out) {
  const auto status = google::protobuf::util::JsonStringToMessage(json, out);
  if (status.ok()) return absl::OkStatus();
  // protobuf's message has no place: find it (json_locator.h).
  absl::StatusOr<JsonNode> root = ParseJsonWithPlaces(json);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", root.status().message()));
  }
  const std::string mismatch = FindJsonMismatch(*root, *out->GetDescriptor());
  if (!mismatch.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", mismatch));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": ", status.message().ToString()));
}

namespace {

std::string PrintJson(const google::protobuf::Message& message,
                      bool add_whitespace) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = add_whitespace;
  options.preserve_proto_field_names = true;
  // A zero amount or an unmet evidence requirement is information: print
  // scalar fields even when they hold their default.
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  return PrintJson(message, /*add_whitespace=*/true);
}

std::string ToJsonLine(const google::protobuf::Message& message) {
  return PrintJson(message, /*add_whitespace=*/false) + "\n";
}

absl::StatusOr<std::string> ReadFileOrStdin(const std::string& path) {
  std::stringstream content;
  if (path.empty() || path == "-") {
    content << std::cin.rdbuf();
    return content.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  content << in.rdbuf();
  return content.str();
}

}  // namespace refund
