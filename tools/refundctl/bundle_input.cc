#include "tools/refundctl/bundle_input.h"

#include <vector>

#include "engine/load/bundle_loader.h"
#include "engine/load/policy_issue.h"

namespace refund {

std::string BundleDirectory(const Args& args) {
  if (!args.positional.empty()) return args.positional.front();
  auto it = args.flags.find("policies");
  return it == args.flags.end() ? "policies" : it->second;
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleReporting(
    const std::string& directory, std::ostream& err) {
  std::vector<PolicyIssue> issues;
  auto bundle = LoadBundleFromDirectory(directory, &issues);
  if (!bundle.ok()) {
    if (issues.empty()) {
      err << bundle.status().message() << "\n";
    } else {
      err << FormatIssues(issues);
    }
  }
  return bundle;
}

}  // namespace refund
