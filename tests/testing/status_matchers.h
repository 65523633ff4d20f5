// StatusIs(code, message_matcher): the one status matcher of the tests, for
// an absl::Status or an absl::StatusOr<T>, e.g.
//   EXPECT_THAT(log.GetDecision("x"),
//               StatusIs(absl::StatusCode::kNotFound, HasSubstr("x")));
// `_` as the message matcher when only the code matters. A test target gets
// it by linking refund_testing_status (tests/testing/CMakeLists.txt).
#ifndef TESTS_TESTING_STATUS_MATCHERS_H_
#define TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace refund::testing {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           absl::StrCat(negation ? "isn't " : "is ",
                        absl::StatusCodeToString(code))) {
  const absl::Status& status = StatusOf(arg);
  if (status.code() != code) {
    *result_listener << "status is " << status;
    return false;
  }
  return ::testing::ExplainMatchResult(
      message_matcher, std::string(status.message()), result_listener);
}

}  // namespace refund::testing

#endif  // TESTS_TESTING_STATUS_MATCHERS_H_
