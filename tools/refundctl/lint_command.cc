#include "tools/refundctl/lint_command.h"

#include <string>
#include <vector>

#include "engine/lint/policy_linter.h"
#include "tools/refundctl/bundle_input.h"

namespace refund {

int RunLintCommand(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string directory = BundleDirectory(args);
  auto bundle = LoadBundleReporting(directory, err);
  if (!bundle.ok()) return 1;
  std::vector<LintFinding> findings = LintBundle(**bundle);
  for (const LintFinding& finding : findings) {
    out << finding.rule_id << ": " << finding.check << ": " << finding.message
        << "\n";
  }
  out << findings.size() << " finding" << (findings.size() == 1 ? "" : "s")
      << " in bundle " << (*bundle)->name() << " ("
      << (*bundle)->definition().rules_size() << " rules)\n";
  return findings.empty() ? 0 : 1;
}

}  // namespace refund
