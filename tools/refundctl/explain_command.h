// `refundctl explain`: the decision of a request on a bundle directory, then
// why: every rule's condition result, in evaluation order.
#ifndef TOOLS_REFUNDCTL_EXPLAIN_COMMAND_H_
#define TOOLS_REFUNDCTL_EXPLAIN_COMMAND_H_

#include <initializer_list>
#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr std::initializer_list<const char*> kExplainFlags = {
    "policies"};

// Prints the decision as `decide` does in-process (--policies=DIR, default
// ./policies), then each rule as "[priority] id: outcome" and, where it did
// not match, its condition sub-expression by sub-expression. Exit code 0, or
// 1 when the request cannot be read or there is no decision (said to `err`).
int RunExplainCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_EXPLAIN_COMMAND_H_
