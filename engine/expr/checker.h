// Type-checks a parsed expression against an Environment (the root message's
// descriptors, enum values, constants, helpers) and resolves every name.
#ifndef ENGINE_EXPR_CHECKER_H_
#define ENGINE_EXPR_CHECKER_H_

#include <vector>

#include "engine/expr/ast.h"
#include "engine/expr/environment.h"
#include "engine/expr/functions.h"
#include "engine/expr/issue.h"
#include "engine/expr/types.h"
#include "google/protobuf/descriptor.h"

namespace refund::expr {

// What a name or call in the tree refers to.
struct Reference {
  enum class Kind {
    kNone,
    kRoot,           // kIdent: the root variable
    kVariable,       // kIdent: a comprehension variable in `slot`
    kConstant,       // kIdent: `constant`
    kEnumValue,      // kIdent: `enum_value`
    kField,          // kSelect: `field`
    kHas,            // kCall has(x.f): `field` is f
    kSize,           // kCall size()
    kComprehension,  // kCall exists()/all(): variable in `slot`
    kHelper,         // kCall: `helper`
  };
  Kind kind = Kind::kNone;
  const google::protobuf::FieldDescriptor* field = nullptr;
  // Points into the Environment: valid while it is unchanged.
  const ConstantValue* constant = nullptr;
  const google::protobuf::EnumValueDescriptor* enum_value = nullptr;
  const HelperOverload* helper = nullptr;
  int slot = 0;
};

// The checker's side tables, indexed by Expr::id().
struct CheckedAst {
  std::vector<Type> types;
  std::vector<Reference> references;
  // The expression reads the root message (names it, or calls a helper that
  // reads the request).
  bool reads_root = false;
  // Offset of the first such read, or -1.
  int first_root_read = -1;

  const Type& type(const Expr& e) const { return types[e.id()]; }
  const Reference& reference(const Expr& e) const { return references[e.id()]; }
};

// Checks the whole tree and appends every issue found to `issues` (not null),
// each at the offset of the offending name or operator: unknown identifier,
// field, function or enum value name (with a "did you mean" hint), enum of a
// different type, money compared with int, non-bool operands of && || ! ?:,
// bad arithmetic, wrong argument count or type, and so on. A sub-expression
// with an issue is not reported again by the expressions around it. The
// result is meaningful only when no issue was added. Thread-safe.
CheckedAst Check(const Ast& ast, const Environment& env,
                 std::vector<ExprIssue>* issues);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_CHECKER_H_
