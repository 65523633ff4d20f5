// Runs the policy tests that live beside a bundle (policies/tests/*.json,
// protobuf JSON of refund.v1.PolicyTestFile), like `opa test`.
#ifndef TOOLS_REFUNDCTL_POLICY_TEST_RUNNER_H_
#define TOOLS_REFUNDCTL_POLICY_TEST_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/decide/compiled_bundle.h"
#include "refund/v1/policy.pb.h"

namespace refund {

struct PolicyTestResult {
  std::string file;
  std::string name;
  bool passed = false;
  std::vector<std::string> failures;  // one line per unmet expectation
};

// What `decision` fails to meet of `expectation`, one line each; empty when
// it meets all of them.
std::vector<std::string> CheckExpectation(const v1::PolicyExpectation& expect,
                                          const v1::Decision& decision);

// Reads every *.json under `tests_directory`, sorted by name. A file that
// does not parse, or a *.json that is not a regular file (a dangling or
// looping link, a FIFO), is an error naming the file.
absl::StatusOr<std::vector<std::pair<std::string, v1::PolicyTestFile>>>
ReadPolicyTests(const std::string& tests_directory);

// Runs every case of `files` on `bundle`.
std::vector<PolicyTestResult> RunPolicyTests(
    const CompiledBundle& bundle,
    const std::vector<std::pair<std::string, v1::PolicyTestFile>>& files);

}  // namespace refund

#endif  // TOOLS_REFUNDCTL_POLICY_TEST_RUNNER_H_
