// Generated bundles for the rule index tests and the scaling benchmarks:
// the shipped bundle's settings and catalog (bundle.textproto,
// catalog.textproto) with generated rules instead of the shipped ones.
//
// Rules look like real shops' rules: most are one shop's, keyed on
// request.shop_id and some of platform / type / reason (`==` or `in`), with
// an occasional non-key conjunct (an amount limit, is_delivered(), a flag);
// up to a tenth, at most kMaxPlatformWideRules, are platform-wide, keyed on
// type and reason (and sometimes platform); a handful (kUnkeyedRules) have no
// key at all. A bigger bundle has more shops (rules_per_shop), so a request
// matches about as many rules whatever the size, as when a real bundle grows
// by adding shops. With `noise`,
// rules also use the forms the index must see through or leave alone:
// reversed comparisons, `!=`, contradictory keys, top-level `||`, conditions
// that fail to evaluate, post-verdict rules and refund amounts.
#ifndef TESTS_TESTING_SYNTHETIC_BUNDLE_H_
#define TESTS_TESTING_SYNTHETIC_BUNDLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/load/bundle_loader.h"
#include "refund/v1/refund.pb.h"
#include "tests/testing/request_mutator.h"

namespace refund::testing {

struct SyntheticBundleOptions {
  int rule_count = 100;
  uint64_t seed = 1;
  // Shops are "shop-0" ... "shop-<n-1>", n = max(1, rule_count /
  // rules_per_shop); when shop_count > 0 it is used instead.
  int rules_per_shop = 10;
  int shop_count = 0;
  bool noise = false;
};

inline constexpr int kUnkeyedRules = 4;
inline constexpr int kMaxPlatformWideRules = 30;

// The files of the bundle: `policies_dir`'s bundle.textproto and
// catalog.textproto, and rules/generated.textproto.
absl::StatusOr<std::vector<BundleSourceFile>> SyntheticBundle(
    const std::string& policies_dir, const SyntheticBundleOptions& options);

// The number of shops SyntheticBundle uses for `options`.
int SyntheticShopCount(const SyntheticBundleOptions& options);

// `base` as a request to a random shop of the bundle, with random platform,
// type and reason.
v1::RefundRequest SyntheticRequest(const v1::RefundRequest& base,
                                   const SyntheticBundleOptions& options,
                                   SplitMix64& rng);

}  // namespace refund::testing

#endif  // TESTS_TESTING_SYNTHETIC_BUNDLE_H_
