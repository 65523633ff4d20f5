// libFuzzer target: arbitrary bytes as a policy file, next to a valid bundle.
// The loader must report issues, never crash, hang or abort.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/load/bundle_loader.h"
#include "tests/testing/test_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<refund::BundleSourceFile> files =
      refund::testing::TestBundleFiles();
  // Replace the rules file: most mistakes a policy author makes land there.
  files.back().content.assign(reinterpret_cast<const char*>(data), size);
  std::vector<refund::PolicyIssue> issues;
  auto bundle = refund::LoadBundle(files, &issues);
  if (bundle.ok()) {
    auto decision = (*bundle)->Decide(refund::testing::SevenDayReturn());
    (void)decision;
  }
  return 0;
}
