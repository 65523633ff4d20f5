// `refundctl get DECISION_ID --server ADDR`: one stored decision, as the
// server's GetDecision returns it.
#ifndef TOOLS_REFUNDCTL_GET_COMMAND_H_
#define TOOLS_REFUNDCTL_GET_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kGetFlags[] = {kServerFlagSpec};

// Prints the Decision as JSON. Exit code 0; 1 when the call fails (NOT_FOUND
// for an id the log does not hold, said to `err`); 2 without --server or
// exactly one decision id.
int RunGetCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_GET_COMMAND_H_
