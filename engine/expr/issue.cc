#include "engine/expr/issue.h"

#include "absl/strings/str_cat.h"

namespace refund::expr {

std::string JoinIssues(const std::vector<ExprIssue>& issues) {
  std::string out;
  for (const ExprIssue& issue : issues) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", issue.offset, ": ",
                    issue.message);
  }
  return out;
}

}  // namespace refund::expr
