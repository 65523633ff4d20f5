// Where a mistake in a JSON input is, for refundctl's messages: protobuf's
// JsonStringToMessage says neither the line nor the column, and for a bad
// enum value deep in a message only "Cannot find field" or the like. This
// scanner reads the JSON itself (syntax errors at their line:column), then
// walks it against the message type it should hold, naming the first field
// that cannot hold what it was given, by its path and place.
#ifndef TOOLS_REFUNDCTL_JSON_LOCATOR_H_
#define TOOLS_REFUNDCTL_JSON_LOCATOR_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace refund {

// A JSON value and where it starts (1-based line and column; the column
// counts characters, not bytes).
struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  int line = 0;
  int column = 0;
  // A string's decoded text; a number, true or false as written.
  std::string text;
  // An object's members in order, each with its key.
  std::vector<std::pair<std::string, JsonNode>> members;
  std::vector<JsonNode> items;  // an array's
};

// The JSON value `json` holds (RFC 8259, one value and nothing after it).
// INVALID_ARGUMENT "LINE:COLUMN: what is wrong" for a syntax error.
absl::StatusOr<JsonNode> ParseJsonWithPlaces(absl::string_view json);

// The first place where `root` cannot be a `type` in protobuf's JSON mapping
// (a field the type lacks, an enum value it does not have, a string where a
// message or number goes, ...): "LINE:COLUMN: field.path: what is wrong".
// Empty when none is found (the google.protobuf well-known types are taken
// as they are: protobuf's own message then says more).
std::string FindJsonMismatch(const JsonNode& root,
                             const google::protobuf::Descriptor& type);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_JSON_LOCATOR_H_
