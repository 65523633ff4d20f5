// The requests of a bundle's policy tests (policies/tests/*.json), for tests
// and benchmarks that need realistic requests.
#ifndef TESTS_TESTING_POLICY_REQUESTS_H_
#define TESTS_TESTING_POLICY_REQUESTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "refund/v1/refund.pb.h"

namespace refund::testing {

struct PolicyRequest {
  std::string file;  // "01_seven_day.json"
  int index = 0;     // of the case in its file
  std::string name;  // the case's name
  v1::RefundRequest request;
};

// Every case of every *.json under `tests_dir`, files sorted by name.
absl::StatusOr<std::vector<PolicyRequest>> ReadPolicyRequests(
    const std::string& tests_dir);

}  // namespace refund::testing

#endif  // TESTS_TESTING_POLICY_REQUESTS_H_
