// `refundctl test`: runs the policy tests that live beside a bundle
// (DIR/tests/*.json), like `opa test`.
#ifndef TOOLS_REFUNDCTL_TEST_COMMAND_H_
#define TOOLS_REFUNDCTL_TEST_COMMAND_H_

#include <ostream>

#include "tools/refundctl/command_args.h"

namespace refund {

inline constexpr FlagSpec kTestFlags[] = {
    kPoliciesFlagSpec,
    {"verbose", nullptr, "print the passing tests too"},
    {"run", "REGEX",
     "only the cases whose name matches (ECMAScript regex, anywhere in it)"},
    {"format", "FORMAT", "text (default) or json"}};

// Loads the bundle (bundle_input.h: DIR, --policies or ./policies) and runs
// every case of DIR/tests/*.json on it, or with --run=REGEX only those whose
// name the regex matches (a search: `--run=night` runs "night_call"). Text:
// prints each failure (and with --verbose each pass), then the "PASS|FAIL:
// n/m policy tests passed" line. --format=json: one object {"passed": bool,
// "passed_count", "failed_count", "bundle", "version", "results": [{"file",
// "name", "passed", "failures": [...]}]}, every case in it.
// Exit code 0 when all pass, 1 when any fails, none is found (or matches
// --run), or the bundle or a test file cannot be read; 2 for a bad regex or
// format.
int RunTestCommand(const Args& args, std::ostream& out, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_TEST_COMMAND_H_
