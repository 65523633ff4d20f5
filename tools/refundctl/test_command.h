// `refundctl test`: runs the policy tests that live beside a bundle
// (DIR/tests/*.json), like `opa test`.
#ifndef TOOLS_REFUNDCTL_TEST_COMMAND_H_
#define TOOLS_REFUNDCTL_TEST_COMMAND_H_

#include <initializer_list>
#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr std::initializer_list<const char*> kTestFlags = {"policies",
                                                                  "verbose"};

// Loads the bundle (bundle_input.h: DIR, --policies or ./policies) and runs
// every case of DIR/tests/*.json on it. Prints each failure (and with
// --verbose each pass), then the "PASS|FAIL: n/m policy tests passed" line.
// Exit code 0 when all pass, 1 when any fails, none is found, or the bundle or
// a test file cannot be read.
int RunTestCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_TEST_COMMAND_H_
