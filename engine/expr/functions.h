// The helper library: named functions policy authors call (`yuan(5)`,
// `within_days_of_signing(7)`, ...). Bound at compile time to plain function
// pointers; documented for authors in policies/README.md.
#ifndef ENGINE_EXPR_FUNCTIONS_H_
#define ENGINE_EXPR_FUNCTIONS_H_

#include <string_view>
#include <vector>

#include "engine/expr/program.h"
#include "engine/expr/types.h"

namespace refund::expr {

struct HelperOverload {
  std::vector<Type> params;
  Type result;
  HelperFn fn;
};

struct HelperSpec {
  std::string_view name;
  // Reads the request: only for a root of type refund.v1.RefundRequest, and
  // never in a constant expression.
  bool reads_request = false;
  std::vector<HelperOverload> overloads;
};

// nullptr when there is no helper of that name.
const HelperSpec* FindHelper(std::string_view name);

// Every helper, for documentation and for reserving their names.
const std::vector<HelperSpec>& AllHelpers();

// The macros handled by the checker itself.
bool IsMacroName(std::string_view name);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_FUNCTIONS_H_
