// Turns a checked syntax tree into the evaluable node tree of a Program.
#ifndef ENGINE_EXPR_COMPILER_H_
#define ENGINE_EXPR_COMPILER_H_

#include <memory>
#include <vector>

#include "engine/expr/ast.h"
#include "engine/expr/checker.h"
#include "engine/expr/issue.h"
#include "engine/expr/program.h"

namespace refund::expr {

// Requires `checked` to be Check()'s result for `ast` with no issues.
// Resolves names to descriptors, constants and function pointers, merges
// field chains into one path node, flattens && and || chains, and folds
// sub-expressions that do not read the root into constants, and sets what
// each loop charges the step budget per iteration (SetIterationSteps,
// cost_estimate.h). A fold that
// fails (1/0, yuan(10^17)) is a mistake in the text: it is appended to
// `issues` (not null) at that sub-expression, and the tree must not be used.
std::unique_ptr<const Node> CompileTree(const Ast& ast,
                                        const CheckedAst& checked,
                                        std::vector<ExprIssue>* issues);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_COMPILER_H_
