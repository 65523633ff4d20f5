// Deterministic variations of a RefundRequest for tests and benchmarks:
// starting from a realistic request (a policy test case), changes a few of
// the fields the shipped rules read (reason, type, platform, shop, flags,
// inspection, buyer, evidence, amounts, times, locale). The same seed gives
// the same request on every platform (own PRNG, no <random> distributions).
#ifndef TESTS_TESTING_REQUEST_MUTATOR_H_
#define TESTS_TESTING_REQUEST_MUTATOR_H_

#include <cstdint>

#include "refund/v1/refund.pb.h"

namespace refund::testing {

// splitmix64: small, fast, and the same sequence everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform enough in [0, n) for tests; n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }

 private:
  uint64_t state_;
};

// `base` with a few random changes drawn from `rng`. The result may be an
// invalid request (e.g. a time moved before another); callers that need
// valid ones validate and skip.
v1::RefundRequest MutateRequest(const v1::RefundRequest& base, SplitMix64& rng);

}  // namespace refund::testing

#endif  // TESTS_TESTING_REQUEST_MUTATOR_H_
