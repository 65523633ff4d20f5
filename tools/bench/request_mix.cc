#include "tools/bench/request_mix.h"

#include "absl/strings/str_cat.h"
#include "tools/refundctl/policy_test_runner.h"

namespace refund::bench {

absl::StatusOr<std::vector<::refund::v1::RefundRequest>> ReadRequestMix(
    const std::string& tests_dir) {
  auto files = ReadPolicyTests(tests_dir);
  if (!files.ok()) return files.status();
  std::vector<::refund::v1::RefundRequest> mix;
  for (const auto& [name, file] : *files) {
    for (const ::refund::v1::PolicyTestCase& test : file.cases()) {
      mix.push_back(test.request());
    }
  }
  if (mix.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no policy test requests under ", tests_dir));
  }
  return mix;
}

}  // namespace refund::bench
