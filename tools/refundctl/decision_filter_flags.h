// Which stored decisions a command reads (replay, export, list): the flags of
// a ListDecisionsRequest's filter, the same in every command.
#ifndef TOOLS_REFUNDCTL_DECISION_FILTER_FLAGS_H_
#define TOOLS_REFUNDCTL_DECISION_FILTER_FLAGS_H_

#include "absl/status/status.h"
#include "refund/v1/service.pb.h"
#include "tools/refundctl/command_args.h"

namespace refund {

// --refund (or --refund_id), --shop (--shop_id), --verdict, --from, --to,
// --rule (--rule_id).
inline constexpr FlagSpec kDecisionFilterFlags[] = {
    {"refund,refund_id", "ID", "only this refund's decisions"},
    {"shop,shop_id", "ID", "only this shop's decisions"},
    {"verdict", "V",
     "only decisions with this verdict (approve, negotiate, reject)"},
    {"from", "RFC3339", "decided at or after (2026-05-01T00:00:00+08:00)"},
    {"to", "RFC3339", "decided before"},
    {"rule,rule_id", "ID", "only decisions this rule matched"}};

// Sets the filter fields of `filter` (not page_size, page_token) from the
// flags. INVALID_ARGUMENT naming the flag (a time that is not RFC 3339, a
// verdict that is none of approve, negotiate, reject).
absl::Status DecisionFilterFromFlags(const Args& args,
                                     v1::ListDecisionsRequest* filter);

// Whether a stored decision passes `filter` (its filter fields): what the
// stores' ListDecisions select, for a command that walks a whole log.
bool PassesDecisionFilter(const v1::ListDecisionsRequest& filter,
                          const v1::Decision& decision,
                          const std::string& shop_id);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_DECISION_FILTER_FLAGS_H_
