// `refundctl lint`: the findings of the policy linter on a bundle (rules that
// can never match, shadowed or conflicting rules, unused catalog entries).
#ifndef TOOLS_REFUNDCTL_LINT_COMMAND_H_
#define TOOLS_REFUNDCTL_LINT_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kLintFlags[] = {kPoliciesFlagSpec};

// Loads the bundle (bundle_input.h: DIR, --policies or ./policies) and prints
// each finding as "rule: check: message", then the count. Exit code 0 when
// there is none, 1 on any finding or when the bundle does not load.
int RunLintCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_LINT_COMMAND_H_
