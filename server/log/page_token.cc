#include "server/log/page_token.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "engine/base/status_macros.h"
#include "server/log/row_hash.h"

namespace refund::server {
namespace {

constexpr absl::string_view kVersion = "v1";

std::string FilterFingerprint(const DecisionFilter& filter) {
  // Length-prefixed so that ("ab", "") and ("a", "b") differ.
  std::string canonical;
  for (const std::string* field :
       {&filter.refund_id, &filter.shop_id, &filter.rule_id}) {
    absl::StrAppend(&canonical, field->size(), ":", *field, ";");
  }
  absl::StrAppend(&canonical, "verdict=", static_cast<int>(filter.verdict),
                  ";");
  absl::StrAppend(&canonical, "from=",
                  filter.decided_from_micros.has_value()
                      ? absl::StrCat(*filter.decided_from_micros)
                      : "-",
                  ";");
  absl::StrAppend(&canonical, "to=",
                  filter.decided_to_micros.has_value()
                      ? absl::StrCat(*filter.decided_to_micros)
                      : "-",
                  ";");
  return ToHex(Sha256(canonical).substr(0, 8));
}

absl::Status InvalidToken(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("page_token: ", why));
}

}  // namespace

std::string EncodePageToken(int64_t last_seq, const DecisionFilter& filter) {
  std::string plain =
      absl::StrCat(kVersion, ".", last_seq, ".", FilterFingerprint(filter));
  return absl::WebSafeBase64Escape(plain);
}

absl::StatusOr<int64_t> DecodePageToken(absl::string_view token,
                                        const DecisionFilter& filter) {
  std::string plain;
  if (token.size() > 256 || !absl::WebSafeBase64Unescape(token, &plain)) {
    return InvalidToken("malformed");
  }
  std::vector<absl::string_view> parts = absl::StrSplit(plain, '.');
  int64_t last_seq = 0;
  if (parts.size() != 3 || parts[0] != kVersion ||
      !absl::SimpleAtoi(parts[1], &last_seq) || last_seq < 0) {
    return InvalidToken("malformed");
  }
  if (parts[2] != FilterFingerprint(filter)) {
    return InvalidToken("made for a different filter");
  }
  return last_seq;
}

absl::StatusOr<PageStart> StartPage(const DecisionFilter& filter) {
  if (filter.page_size < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  PageStart start;
  if (filter.page_size != 0) {
    start.page_size = std::min(filter.page_size, kMaxPageSize);
  }
  if (!filter.page_token.empty()) {
    ASSIGN_OR_RETURN(start.after_seq,
                     DecodePageToken(filter.page_token, filter));
  }
  return start;
}

}  // namespace refund::server
