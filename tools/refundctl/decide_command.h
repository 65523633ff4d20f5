// `refundctl decide`: decides a RefundRequest and prints the Decision as
// JSON, in-process on a bundle directory or through a running server.
#ifndef TOOLS_REFUNDCTL_DECIDE_COMMAND_H_
#define TOOLS_REFUNDCTL_DECIDE_COMMAND_H_

#include <memory>
#include <ostream>

#include "engine/decide/compiled_bundle.h"
#include "refund/v1/refund.pb.h"
#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kDecideFlags[] = {kPoliciesFlagSpec, kServerFlagSpec};

// Reads the request (a file or stdin, see request_input.h) and decides it on
// --server=HOST:PORT, or in-process on --policies=DIR (default ./policies).
// Exit code 0 with the decision printed to `out`, 1 when the request cannot
// be read, the bundle does not load or the request is refused (said to `err`).
int RunDecideCommand(const Args& args, std::ostream& out, std::ostream& err);

// Decides `request` on the bundle of --policies (default ./policies) and
// prints the decision as JSON. Returns the bundle, or null after reporting
// why there is no decision to `err`.
std::unique_ptr<const CompiledBundle> DecideInProcess(
    const v1::RefundRequest& request, const Args& args, std::ostream& out,
    std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_DECIDE_COMMAND_H_
