// refundctl run in-process, as the tests call it: its exit code and what it
// wrote to standard output and standard error.
#ifndef TESTS_TOOLS_REFUNDCTL_CLI_RUN_H_
#define TESTS_TOOLS_REFUNDCTL_CLI_RUN_H_

#include <sstream>
#include <string>
#include <vector>

#include "tools/refundctl/refundctl.h"

namespace refund {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

// RunRefundctl(args) (args[0] is the command).
inline CliRun Cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunRefundctl(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace refund

#endif  // TESTS_TOOLS_REFUNDCTL_CLI_RUN_H_
