#include "tools/refundctl/decision_filter_flags.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace refund {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status ParseTime(const Args& args, const std::string& flag,
                       google::protobuf::Timestamp* out) {
  const std::string value = Flag(args, flag, "");
  if (!TimeUtil::FromString(value, out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": \"", value,
                     "\" is not an RFC 3339 time (2026-05-01T00:00:00+08:00)"));
  }
  return absl::OkStatus();
}

absl::Status ParseVerdict(const std::string& value, v1::Verdict* out) {
  if (value.empty()) return absl::OkStatus();
  std::string name = absl::AsciiStrToUpper(value);
  if (name.rfind("VERDICT_", 0) != 0) name = "VERDICT_" + name;
  if (!v1::Verdict_Parse(name, out) || *out == v1::VERDICT_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--verdict: \"", value, "\" is not one of approve, negotiate, reject"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecisionFilterFromFlags(const Args& args,
                                     v1::ListDecisionsRequest* filter) {
  filter->set_shop_id(Flag(args, "shop", ""));
  filter->set_refund_id(Flag(args, "refund", ""));
  filter->set_rule_id(Flag(args, "rule", ""));
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  absl::Status parsed = ParseVerdict(Flag(args, "verdict", ""), &verdict);
  if (!parsed.ok()) return parsed;
  filter->set_verdict(verdict);
  if (!Flag(args, "from", "").empty()) {
    parsed = ParseTime(args, "from", filter->mutable_from());
    if (!parsed.ok()) return parsed;
  }
  if (!Flag(args, "to", "").empty()) {
    parsed = ParseTime(args, "to", filter->mutable_to());
    if (!parsed.ok()) return parsed;
  }
  return absl::OkStatus();
}

bool PassesDecisionFilter(const v1::ListDecisionsRequest& filter,
                          const v1::Decision& decision,
                          const std::string& shop_id) {
  if (!filter.refund_id().empty() && decision.refund_id() != filter.refund_id())
    return false;
  if (!filter.shop_id().empty() && shop_id != filter.shop_id()) return false;
  if (filter.verdict() != v1::VERDICT_UNSPECIFIED &&
      decision.verdict() != filter.verdict()) {
    return false;
  }
  const int64_t decided =
      TimeUtil::TimestampToMicroseconds(decision.decided_at());
  if (filter.has_from() &&
      decided < TimeUtil::TimestampToMicroseconds(filter.from())) {
    return false;
  }
  if (filter.has_to() &&
      decided >= TimeUtil::TimestampToMicroseconds(filter.to())) {
    return false;
  }
  if (!filter.rule_id().empty()) {
    bool matched = false;
    for (const v1::MatchedRule& rule : decision.matched_rules()) {
      matched = matched || rule.rule_id() == filter.rule_id();
    }
    if (!matched) return false;
  }
  return true;
}

}  // namespace refund
