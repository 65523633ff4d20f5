// `refundctl verify`: checks a decision log's hash chain, offline on the
// file (--db) or through a running server (--server).
#ifndef TOOLS_REFUNDCTL_VERIFY_COMMAND_H_
#define TOOLS_REFUNDCTL_VERIFY_COMMAND_H_

#include <ostream>

#include "refund/v1/service.pb.h"
#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr std::initializer_list<const char*> kVerifyFlags = {
    "db", "server", "format", "max-problems", "log-key-file", "log_key_file"};

// Prints the report (--format=text|json); text names the first broken link
// as "seq N (decision ID): KIND: what". Exit code 0 when the log is intact,
// 1 when a problem was found or the check could not run, 2 on bad usage.
int RunVerifyCommand(const Args& args, std::ostream& out, std::ostream& err);

// The text form of a report.
void PrintVerifyReport(const v1::VerifyDecisionLogResponse& report,
                       std::ostream& out);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_VERIFY_COMMAND_H_
