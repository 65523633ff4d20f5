#include "tests/testing/bundle_with_rules.h"

#include "tests/testing/test_bundle.h"

namespace refund::testing {

std::vector<BundleSourceFile> TestBundleWithRules(const std::string& rules) {
  std::vector<BundleSourceFile> files = TestBundleFiles();
  for (BundleSourceFile& file : files) {
    if (file.path == "rules.textproto") file.content = rules;
  }
  return files;
}

}  // namespace refund::testing
