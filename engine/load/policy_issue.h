// A mistake in a policy bundle, with the place it was found.
#ifndef ENGINE_LOAD_POLICY_ISSUE_H_
#define ENGINE_LOAD_POLICY_ISSUE_H_

#include <string>
#include <vector>

namespace refund {

struct PolicyIssue {
  std::string file;  // path relative to the bundle directory
  int line = 0;      // 1-based; 0 = the whole file / bundle
  int column = 0;    // 1-based, in bytes
  std::string message;

  // "file:line:col: message" (the form compilers use).
  std::string ToString() const;
};

// One issue per line.
std::string FormatIssues(const std::vector<PolicyIssue>& issues);

}  // namespace refund

#endif  // ENGINE_LOAD_POLICY_ISSUE_H_
