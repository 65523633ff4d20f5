// `refundctl explain`: a decision, then why: every rule's condition result,
// in evaluation order. The decision of a request on a bundle directory, or a
// stored decision (--decision_id) under the bundle it was decided with.
#ifndef TOOLS_REFUNDCTL_EXPLAIN_COMMAND_H_
#define TOOLS_REFUNDCTL_EXPLAIN_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kExplainFlags[] = {
    kPoliciesFlagSpec,
    {"decision_id,decision-id", "ID",
     "a stored decision in --log or --db (not --policies)"},
    kLogFlagSpec,
    kDbFlagSpec,
    kLogKeyFileFlagSpec};

// Prints the decision as JSON, then each rule as "[priority] id: outcome"
// and, under it, its condition sub-expression by sub-expression with their
// values, whether it matched or not. Strings print as UTF-8 (Chinese text
// stays readable).
// - A request (a file or stdin): decided in-process on --policies=DIR
//   (default ./policies).
// - --decision_id=ID with --log=SPEC (or --db=FILE, and the key file of an
//   encrypted log): the stored decision and its stored request, explained
//   under the stored bundle version it was decided with. (Not through a
//   server: no RPC returns a stored request.)
// Exit code 0; 1 when the request cannot be read, there is no decision, or
// the stored one cannot be read (said to `err`); 2 on bad usage.
int RunExplainCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_EXPLAIN_COMMAND_H_
