// The `refundctl` command line: the usage and the table of its commands
// (decide, explain, suggest, test, lint, verify, checkpoint, replay, export,
// hash-token, rekey, migrate; each in its <name>_command.h). The main only
// calls RunRefundctl, so every command is testable in-process.
#ifndef TOOLS_REFUNDCTL_REFUNDCTL_H_
#define TOOLS_REFUNDCTL_REFUNDCTL_H_

#include <ostream>
#include <string>
#include <vector>

namespace refund {

// Runs `refundctl <args...>` (args exclude the program name); writes results
// to `out` and diagnostics to `err`. Returns the process exit code: 0 on
// success, 1 when a check failed (a test, a lint finding, a refused request),
// 2 on bad usage.
// "refundctl VERSION (GIT DESCRIBE, BUILD TYPE build)": the project's
// version, `git describe` of the source when it was configured, and the
// CMake build type.
std::string RefundctlVersion();

int RunRefundctl(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_REFUNDCTL_H_
