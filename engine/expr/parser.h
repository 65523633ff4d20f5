// Parses the expression language (a subset of CEL) into an Ast.
//
//   expr     = or ['?' or ':' expr]
//   or       = and {'||' and}
//   and      = relation {'&&' relation}
//   relation = addition {('=='|'!='|'<'|'<='|'>'|'>='|'in') addition}
//   addition = term {('+'|'-') term}
//   term     = unary {('*'|'/'|'%') unary}
//   unary    = '!' unary | '-' unary | member
//   member   = primary {'.' IDENT ['(' [args] ')']}
//   primary  = IDENT ['(' [args] ')'] | '(' expr ')' | '[' [args] [','] ']'
//            | INT | STRING | 'true' | 'false'
//   args     = expr {',' expr}
#ifndef ENGINE_EXPR_PARSER_H_
#define ENGINE_EXPR_PARSER_H_

#include <memory>
#include <string_view>
#include <vector>

#include "engine/expr/ast.h"
#include "engine/expr/issue.h"

namespace refund::expr {

// Deeper trees are refused, so that every later stage can recurse safely.
inline constexpr int kMaxExpressionHeight = 96;
// Longer texts are refused (the shipped policies' longest is under 500
// bytes): parsing and compiling allocate ~250 bytes per byte of a dense
// text, so this bounds what one expression costs to load.
inline constexpr size_t kMaxExpressionBytes = 16 * 1024;
// Longer list literals are refused: `x in [...]` compares element by
// element (cost_estimate.h), and a policy's lists name a few enum values or
// shops (the shipped policies' longest has 2 elements).
inline constexpr size_t kMaxListElements = 256;

// Returns the tree, or nullptr after appending issues to `issues` (not null):
// every lexical mistake, then the first syntax error (parsing stops there).
// A literal `-N` is folded into one negative int literal, so
// -9223372036854775808 is accepted. Thread-safe.
std::unique_ptr<const Ast> Parse(std::string_view text,
                                 std::vector<ExprIssue>* issues);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_PARSER_H_
