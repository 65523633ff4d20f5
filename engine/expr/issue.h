// A mistake found in an expression before it runs.
#ifndef ENGINE_EXPR_ISSUE_H_
#define ENGINE_EXPR_ISSUE_H_

#include <string>
#include <vector>

namespace refund::expr {

// `offset` is a byte offset into the expression text (the bundle loader turns
// it into a line and column of the policy file).
struct ExprIssue {
  int offset = 0;
  std::string message;
};

// "3: unknown field 'ordr' in refund.v1.RefundRequest; 17: ..." for status
// messages.
std::string JoinIssues(const std::vector<ExprIssue>& issues);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_ISSUE_H_
