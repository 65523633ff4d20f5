// Where the bundle commands (decide, explain, suggest, test, lint) find their
// policy bundle, and its loading with the errors reported for a person.
#ifndef TOOLS_REFUNDCTL_BUNDLE_INPUT_H_
#define TOOLS_REFUNDCTL_BUNDLE_INPUT_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "tools/refundctl/command_args.h"

namespace refund {

// The bundle directory: the positional argument, --policies, or ./policies.
std::string BundleDirectory(const Args& args);

// Loads the bundle in `directory`. On failure writes to `err` the bundle's
// issues (file:line:column each), or the error when there are none, and
// returns the error.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleReporting(
    const std::string& directory, std::ostream& err);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_BUNDLE_INPUT_H_
