// Splits an expression into tokens.
#ifndef ENGINE_EXPR_LEXER_H_
#define ENGINE_EXPR_LEXER_H_

#include <string_view>
#include <vector>

#include "engine/expr/issue.h"
#include "engine/expr/token.h"

namespace refund::expr {

// Reads all of `text`. The result always ends with a kEnd token. Every
// unreadable character sequence (a stray '#', an unterminated string, a bad
// escape, a floating-point or oversized number, a lone '&' or '|') becomes a
// kError token and an issue appended to `issues` (not null); lexing goes on
// after it, so every such mistake is reported. `//` starts a comment that runs
// to the end of the line. Offsets are bytes into `text`.
std::vector<Token> Lex(std::string_view text, std::vector<ExprIssue>* issues);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_LEXER_H_
