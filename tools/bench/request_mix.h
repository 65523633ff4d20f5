// The requests refund-bench sends: every request of a bundle's policy tests
// (policies/tests/*.json), i.e. every scenario family in proportion to its
// cases.
#ifndef TOOLS_BENCH_REQUEST_MIX_H_
#define TOOLS_BENCH_REQUEST_MIX_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "refund/v1/refund.pb.h"

namespace refund::bench {

// The requests of the *.json files under `tests_dir`; NOT_FOUND or
// INVALID_ARGUMENT as ReadPolicyTests, INVALID_ARGUMENT when there are none.
absl::StatusOr<std::vector<::refund::v1::RefundRequest>> ReadRequestMix(
    const std::string& tests_dir);

}  // namespace refund::bench

#endif  // TOOLS_BENCH_REQUEST_MIX_H_
