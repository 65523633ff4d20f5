// The engine tests' bundle (test_bundle.h) with other rules: its settings,
// constants, fallback and catalog, and the rules a test writes for the one
// behaviour it checks.
#ifndef TESTS_TESTING_BUNDLE_WITH_RULES_H_
#define TESTS_TESTING_BUNDLE_WITH_RULES_H_

#include <string>
#include <vector>

#include "engine/load/bundle_loader.h"

namespace refund::testing {

// TestBundleFiles() with rules.textproto's content replaced by `rules` (text
// format PolicyBundle fields, e.g. `rules { id: ... }`).
std::vector<BundleSourceFile> TestBundleWithRules(const std::string& rules);

}  // namespace refund::testing

#endif  // TESTS_TESTING_BUNDLE_WITH_RULES_H_
