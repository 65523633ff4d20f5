#include "engine/load/policy_issue.h"

#include "absl/strings/str_cat.h"

namespace refund {

std::string PolicyIssue::ToString() const {
  if (line <= 0) return absl::StrCat(file, ": ", message);
  return absl::StrCat(file, ":", line, ":", column, ": ", message);
}

std::string FormatIssues(const std::vector<PolicyIssue>& issues) {
  std::string out;
  for (const PolicyIssue& issue : issues) {
    absl::StrAppend(&out, issue.ToString(), "\n");
  }
  return out;
}

}  // namespace refund
