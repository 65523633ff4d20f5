// Shared fixtures for the expression language tests.
#ifndef TESTS_ENGINE_EXPR_EXPR_TEST_UTIL_H_
#define TESTS_ENGINE_EXPR_EXPR_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/expr/ast.h"
#include "engine/expr/environment.h"
#include "engine/expr/expression.h"
#include "google/protobuf/timestamp.pb.h"
#include "refund/v1/refund.pb.h"

namespace refund::expr::testing {

// Asia/Shanghai.
absl::TimeZone Shanghai();

// A local time in Shanghai.
absl::Time Local(int year, int month, int day, int hour, int minute,
                 int second = 0);

void SetTime(absl::Time t, google::protobuf::Timestamp* out);

// A calendar in Shanghai with the given holidays.
std::shared_ptr<const CalendarConfig> Calendar(
    std::vector<absl::CivilDay> holidays = {});

// The environment of the bundle (root `request`), with constants
// small_compensation_cap = ¥5.00, max_refunds = 3, premium_platforms =
// [PLATFORM_TAOBAO, PLATFORM_TMALL], shop_name = "小店", grace = 2h.
Environment TestEnvironment(std::vector<absl::CivilDay> holidays = {});

// A delivered return-and-refund request with two items (one a gift), an
// inspection and evidence; see the definition for the values.
v1::RefundRequest FullRequest();

// A value for test expectations: "true", "42", "¥5.00", "REASON_NO_REASON",
// "\"text\"", "72h", "2026-05-01T10:00:00+08:00", "[1, 2]".
std::string Show(const ConstantValue& value);

// An AST as an S-expression: "(+ 1 (* 2 3))", "request.order", "(call
// exists request.evidence x (== x A))".
std::string Sexpr(const Expr& e);

}  // namespace refund::expr::testing

#endif  // TESTS_ENGINE_EXPR_EXPR_TEST_UTIL_H_
