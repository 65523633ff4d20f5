#include "tests/testing/policy_requests.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "refund/v1/policy.pb.h"

namespace refund::testing {

absl::StatusOr<std::vector<PolicyRequest>> ReadPolicyRequests(
    const std::string& tests_dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(tests_dir, error)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", tests_dir, ": ", error.message()));
  }
  std::sort(paths.begin(), paths.end());
  std::vector<PolicyRequest> requests;
  for (const std::filesystem::path& path : paths) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    v1::PolicyTestFile file;
    const auto parsed =
        google::protobuf::util::JsonStringToMessage(text.str(), &file);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": ", parsed.message().ToString()));
    }
    for (int i = 0; i < file.cases_size(); ++i) {
      requests.push_back({path.filename().string(), i, file.cases(i).name(),
                          file.cases(i).request()});
    }
  }
  return requests;
}

}  // namespace refund::testing
