#include "server/audit/decision_filter.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace refund::server {
namespace {

using google::protobuf::util::TimeUtil;

absl::StatusOr<int64_t> TimestampToMicros(
    const google::protobuf::Timestamp& timestamp, const std::string& field) {
  if (timestamp.seconds() < TimeUtil::kTimestampMinSeconds ||
      timestamp.seconds() > TimeUtil::kTimestampMaxSeconds ||
      timestamp.nanos() < 0 || timestamp.nanos() > 999'999'999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a valid timestamp"));
  }
  return TimeUtil::TimestampToMicroseconds(timestamp);
}

}  // namespace

absl::StatusOr<DecisionFilter> ToDecisionFilter(
    const v1::ListDecisionsRequest& request, absl::string_view prefix) {
  const std::string dot = prefix.empty() ? "" : absl::StrCat(prefix, ".");
  DecisionFilter filter;
  filter.refund_id = request.refund_id();
  filter.shop_id = request.shop_id();
  if (!v1::Verdict_IsValid(request.verdict())) {
    return absl::InvalidArgumentError(
        absl::StrCat(dot, "verdict: unknown value ", request.verdict()));
  }
  filter.verdict = request.verdict();
  if (request.has_from()) {
    absl::StatusOr<int64_t> from =
        TimestampToMicros(request.from(), absl::StrCat(dot, "from"));
    if (!from.ok()) return from.status();
    filter.decided_from_micros = *from;
  }
  if (request.has_to()) {
    absl::StatusOr<int64_t> to =
        TimestampToMicros(request.to(), absl::StrCat(dot, "to"));
    if (!to.ok()) return to.status();
    filter.decided_to_micros = *to;
  }
  filter.rule_id = request.rule_id();
  filter.page_size = request.page_size();
  filter.page_token = request.page_token();
  return filter;
}

}  // namespace refund::server
