#include "server/log/stored_row.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "server/log/row_hash.h"

namespace refund::server {

bool RowHashMatches(const StoredRowColumns& row, absl::string_view request,
                    absl::string_view decision) {
  return ComputeRowHash(request, decision, row.bundle_version,
                        row.decided_at_micros, row.prev_hash) == row.row_hash;
}

std::vector<std::string> ColumnMismatches(const StoredRowColumns& row,
                                          absl::string_view request_bytes,
                                          const v1::RefundRequest& request,
                                          const v1::Decision& decision) {
  std::vector<std::string> mismatches;
  auto check = [&](const char* column, const std::string& stored,
                   const std::string& hashed) {
    if (stored == hashed) return;
    mismatches.push_back(absl::StrCat("column ", column, " is \"", stored,
                                      "\" but the hashed row says \"", hashed,
                                      "\""));
  };
  check("decision_id", row.decision_id, decision.decision_id());
  check("request_id", row.request_id, request.request_id());
  check("request_id", row.request_id, decision.request_id());
  check("refund_id", row.refund_id, request.refund_id());
  check("shop_id", row.shop_id, request.shop_id());
  check("verdict", v1::Verdict_Name(static_cast<v1::Verdict>(row.verdict)),
        v1::Verdict_Name(decision.verdict()));
  check("decided_at", absl::StrCat(row.decided_at_micros),
        absl::StrCat(google::protobuf::util::TimeUtil::TimestampToMicroseconds(
            decision.decided_at())));
  check("bundle_version", row.bundle_version, decision.policy().version());
  check("request_sha256", ToHex(row.request_sha256),
        ToHex(Sha256(request_bytes)));
  return mismatches;
}

}  // namespace refund::server
