// A stored decision row's own integrity, apart from its links to other
// rows: its row_hash, and its indexed columns against the hashed bytes.
// Shared by the verifier (every row) and exact replay (the rows replayed).
#ifndef SERVER_LOG_STORED_ROW_H_
#define SERVER_LOG_STORED_ROW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "refund/v1/refund.pb.h"

namespace refund::server {

// What the log keeps beside the hashed request and decision bytes: the
// indexed columns (not hashed themselves) and the chain hashes.
struct StoredRowColumns {
  std::string decision_id;
  std::string request_id;
  std::string refund_id;
  std::string shop_id;
  int64_t verdict = 0;
  int64_t decided_at_micros = 0;
  std::string bundle_version;
  std::string request_sha256;
  std::string prev_hash;
  std::string row_hash;
};

// Whether row_hash is ComputeRowHash over the bytes, bundle_version,
// decided_at and prev_hash: false means the row was edited.
bool RowHashMatches(const StoredRowColumns& row, absl::string_view request,
                    absl::string_view decision);

// One message per indexed column that disagrees with the hashed (parsed)
// request and decision, e.g. `column verdict is "VERDICT_REJECT" but the
// hashed row says "VERDICT_APPROVE"`. Empty when all agree.
std::vector<std::string> ColumnMismatches(const StoredRowColumns& row,
                                          absl::string_view request_bytes,
                                          const v1::RefundRequest& request,
                                          const v1::Decision& decision);

}  // namespace refund::server

#endif  // SERVER_LOG_STORED_ROW_H_
