// The opaque page token of ListDecisions.
//
// A token is web-safe base64 (no padding) of "v1.<last_seq>.<fingerprint>":
// the log position of the last decision of the previous page and the first
// 8 bytes (hex) of a SHA-256 over the filter it was made for (refund_id,
// shop_id, verdict, time range, rule_id; not page_size, which may change
// between pages). Tokens are not secret: a forged one can only move the
// starting position of a query the caller could run anyway.
#ifndef SERVER_LOG_PAGE_TOKEN_H_
#define SERVER_LOG_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/log/decision_log.h"

namespace refund::server {

std::string EncodePageToken(int64_t last_seq, const DecisionFilter& filter);

// The last_seq encoded in `token`; INVALID_ARGUMENT ("page_token: ...") when
// it is malformed or was made for a different filter.
absl::StatusOr<int64_t> DecodePageToken(absl::string_view token,
                                        const DecisionFilter& filter);

// Where a ListDecisions page starts and how many decisions it holds.
struct PageStart {
  // filter.page_size; 0 is kDefaultPageSize, above kMaxPageSize is reduced.
  int page_size = kDefaultPageSize;
  // The seq after which the page starts (0: the first page).
  int64_t after_seq = 0;
};

// The PageStart of `filter`, for every store's ListDecisions.
// INVALID_ARGUMENT for a negative page size ("page_size: must not be
// negative") or a token DecodePageToken refuses.
absl::StatusOr<PageStart> StartPage(const DecisionFilter& filter);

}  // namespace refund::server

#endif  // SERVER_LOG_PAGE_TOKEN_H_
