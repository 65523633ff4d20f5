// `refundctl suggest`: what an agent does next on a case (SuggestActions),
// for a request as a dry run or for a decision stored by a server.
#ifndef TOOLS_REFUNDCTL_SUGGEST_COMMAND_H_
#define TOOLS_REFUNDCTL_SUGGEST_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kSuggestFlags[] = {
    kPoliciesFlagSpec,
    kServerFlagSpec,
    {"locale", "TAG", "the scripts' locale: zh-CN (default) or en"},
    {"decision-id,decision_id", "ID", "a stored decision (with --server)"},
    {"json", nullptr, "print the SuggestActionsResponse as JSON"}};

// The SuggestActionsRequest is --decision-id, or the JSON input (a
// SuggestActionsRequest, or a request as `decide` reads it); --locale
// overrides the input's. It is asked of --server=HOST:PORT, or answered
// in-process as a dry run on --policies=DIR (default ./policies). Prints the
// readable suggestion, or with --json the SuggestActionsResponse. Exit code
// 0, 1 when the input cannot be read, the bundle does not load or the request
// is refused, 2 for --decision-id without --server.
int RunSuggestCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_SUGGEST_COMMAND_H_
