#include "tools/refundctl/test_command.h"

#include <string>
#include <vector>

#include "tools/refundctl/bundle_input.h"
#include "tools/refundctl/policy_test_runner.h"

namespace refund {

int RunTestCommand(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string directory = BundleDirectory(args);
  auto bundle = LoadBundleReporting(directory, err);
  if (!bundle.ok()) return 1;
  auto files = ReadPolicyTests(directory + "/tests");
  if (!files.ok()) {
    err << files.status().message() << "\n";
    return 1;
  }
  std::vector<PolicyTestResult> results = RunPolicyTests(**bundle, *files);
  int failed = 0;
  for (const PolicyTestResult& result : results) {
    if (result.passed) {
      if (Flag(args, "verbose", "") == "true") {
        out << "PASS " << result.file << ": " << result.name << "\n";
      }
      continue;
    }
    ++failed;
    out << "FAIL " << result.file << ": " << result.name << "\n";
    for (const std::string& failure : result.failures) {
      out << "     " << failure << "\n";
    }
  }
  if (results.empty()) {
    err << "no policy tests found in " << directory << "/tests\n";
    return 1;
  }
  out << (failed == 0 ? "PASS" : "FAIL") << ": " << results.size() - failed
      << "/" << results.size() << " policy tests passed (bundle "
      << (*bundle)->name() << " " << (*bundle)->version().substr(0, 12)
      << ")\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace refund
