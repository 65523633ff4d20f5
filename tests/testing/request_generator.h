// Seeded generator of valid, varied refund requests for the audit property
// test and the replay benchmark: reasons, types, platforms, flags, evidence,
// dates around the seven- and fifteen-day windows, gifts, returns and
// inspections, buyer histories.
#ifndef TESTS_TESTING_REQUEST_GENERATOR_H_
#define TESTS_TESTING_REQUEST_GENERATOR_H_

#include <cstdint>
#include <random>
#include <string>

#include "refund/v1/refund.pb.h"

namespace refund::testing {

class RequestGenerator {
 public:
  explicit RequestGenerator(uint64_t seed) : rng_(seed) {}

  // A request that passes ValidateRefundRequest, with ids derived from
  // `prefix` and a counter (unique per generator).
  v1::RefundRequest Next(const std::string& prefix);

 private:
  int Uniform(int lo, int hi);  // [lo, hi]
  bool Chance(int percent);

  std::mt19937_64 rng_;
  int64_t counter_ = 0;
};

}  // namespace refund::testing

#endif  // TESTS_TESTING_REQUEST_GENERATOR_H_
