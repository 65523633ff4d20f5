#include "engine/expr/compiler.h"

#include <string>
#include <utility>

#include "engine/expr/cost_estimate.h"
#include "engine/expr/functions.h"
#include "engine/expr/value.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "refund/v1/refund.pb.h"

namespace refund::expr {
namespace {

using google::protobuf::FieldDescriptor;

FieldRead ReadOf(const FieldDescriptor* field, const Type& type) {
  if (field->is_repeated()) return FieldRead::kRepeated;
  switch (type.kind()) {
    case ValueKind::kMoney:
      return FieldRead::kMoney;
    case ValueKind::kTimestamp:
      return FieldRead::kTimestamp;
    case ValueKind::kMessage:
      return FieldRead::kMessage;
    case ValueKind::kEnum:
      return FieldRead::kEnum;
    case ValueKind::kBool:
      return FieldRead::kBool;
    case ValueKind::kString:
      return FieldRead::kString;
    default:
      break;
  }
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return FieldRead::kInt32;
    case FieldDescriptor::CPPTYPE_UINT32:
      return FieldRead::kUInt32;
    case FieldDescriptor::CPPTYPE_UINT64:
      return FieldRead::kUInt64;
    default:
      return FieldRead::kInt64;
  }
}

Value ValueOfConstant(const ConstantValue& c) {
  switch (c.kind) {
    case ValueKind::kBool:
      return Value::Bool(c.bool_value);
    case ValueKind::kTimestamp:
      return Value::Time(c.time_value);
    case ValueKind::kDuration:
      return Value::Duration(c.duration_value);
    case ValueKind::kString:
      return Value::String("");  // the node's string_constant at evaluation
    default:
      return Value::Int(c.int_value);
  }
}

class Compiler {
 public:
  Compiler(const CheckedAst& checked, std::vector<ExprIssue>* issues)
      : checked_(checked), issues_(issues) {}

  std::unique_ptr<Node> Build(const Expr& e) {
    std::unique_ptr<Node> node = BuildKind(e);
    node->begin = e.begin();
    node->end = e.end();
    return Fold(std::move(node), e);
  }

 private:
  std::unique_ptr<Node> NewNode(Op op, const Type& type) {
    auto node = std::make_unique<Node>();
    node->op = op;
    SetType(*node, type);
    return node;
  }

  static void SetType(Node& node, const Type& type) {
    node.kind = type.kind();
    node.enum_type = nullptr;
    if (type.kind() == ValueKind::kEnum) node.enum_type = type.enum_type();
    if (type.kind() == ValueKind::kList) {
      const Type& element = type.element();
      node.element_kind = element.is_dyn() ? ValueKind::kInt : element.kind();
      if (!element.is_dyn() && element.kind() == ValueKind::kEnum) {
        node.enum_type = element.enum_type();
      }
    }
  }

  std::unique_ptr<Node> Constant(const ConstantValue& c, const Type& type) {
    if (c.kind == ValueKind::kList) {
      auto list = NewNode(Op::kList, type);
      for (const ConstantValue& element : c.elements) {
        list->children.push_back(Constant(element, TypeOfConstant(element)));
      }
      return list;
    }
    auto node = NewNode(Op::kConstant, type);
    node->constant = ValueOfConstant(c);
    node->string_constant = c.string_value;
    return node;
  }

  std::unique_ptr<Node> BuildKind(const Expr& e) {
    const Type& type = checked_.type(e);
    const Reference& ref = checked_.reference(e);
    switch (e.kind()) {
      case ExprKind::kLiteral: {
        auto node = NewNode(Op::kConstant, type);
        switch (e.literal_kind()) {
          case LiteralKind::kInt:
            node->constant = Value::Int(e.int_value());
            break;
          case LiteralKind::kBool:
            node->constant = Value::Bool(e.bool_value());
            break;
          case LiteralKind::kString:
            node->constant = Value::String("");
            node->string_constant = e.name();
            break;
        }
        return node;
      }
      case ExprKind::kIdent:
        switch (ref.kind) {
          case Reference::Kind::kRoot:
            return NewNode(Op::kRoot, type);
          case Reference::Kind::kVariable: {
            auto node = NewNode(Op::kVariable, type);
            node->slot = ref.slot;
            return node;
          }
          case Reference::Kind::kConstant:
            return Constant(*ref.constant, type);
          default: {  // kEnumValue
            auto node = NewNode(Op::kConstant, type);
            node->constant = Value::Int(ref.enum_value->number());
            return node;
          }
        }
      case ExprKind::kSelect:
        return Path(Op::kSelect, Build(e.child(0)), ref.field, type);
      case ExprKind::kCall:
        return BuildCall(e, type, ref);
      case ExprKind::kList: {
        auto node = NewNode(Op::kList, type);
        for (const auto& child : e.children()) {
          node->children.push_back(Build(*child));
        }
        return node;
      }
      case ExprKind::kUnary: {
        auto node = NewNode(
            e.unary_op() == UnaryOp::kNot ? Op::kNot : Op::kNegate, type);
        node->children.push_back(Build(e.child(0)));
        return node;
      }
      case ExprKind::kBinary:
        return BuildBinary(e, type);
      case ExprKind::kTernary: {
        auto node = NewNode(Op::kTernary, type);
        for (const auto& child : e.children()) {
          node->children.push_back(Build(*child));
        }
        return node;
      }
    }
    return NewNode(Op::kConstant, type);
  }

  // `base.field` as a path node: extends `base` when it is itself a path
  // to a singular message, so `request.order.delivered_at` is one node.
  std::unique_ptr<Node> Path(Op op, std::unique_ptr<Node> base,
                             const FieldDescriptor* field, const Type& type) {
    std::unique_ptr<Node> node;
    if (base->op == Op::kSelect && base->read == FieldRead::kMessage) {
      node = std::move(base);
      node->op = op;
    } else {
      node = std::make_unique<Node>();
      node->op = op;
      node->children.push_back(std::move(base));
    }
    node->path.push_back(field);
    // Cache the reflection of every message on the path when all of them
    // are generated types (see Node::reflections).
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            field->containing_type());
    if (prototype != nullptr &&
        node->reflections.size() + 1 == node->path.size()) {
      node->reflections.push_back(prototype->GetReflection());
      node->accessors.push_back(FindFieldAccessor(field));
    } else {
      node->reflections.clear();
      node->accessors.clear();
    }
    node->generated_leaf =
        field->message_type() != nullptr &&
        (field->message_type() == v1::Money::descriptor() ||
         field->message_type() == google::protobuf::Timestamp::descriptor());
    if (op == Op::kSelect) {
      node->read = ReadOf(field, type);
      SetType(*node, type);
    } else {
      SetType(*node, Type::Bool());
    }
    return node;
  }

  std::unique_ptr<Node> BuildCall(const Expr& e, const Type& type,
                                  const Reference& ref) {
    switch (ref.kind) {
      case Reference::Kind::kHas: {
        const Expr& select = e.arg(0);
        return Path(Op::kHas, Build(select.child(0)), ref.field, type);
      }
      case Reference::Kind::kSize: {
        auto node = NewNode(Op::kSize, type);
        node->children.push_back(Build(e.child(0)));
        return node;
      }
      case Reference::Kind::kComprehension: {
        auto node =
            NewNode(e.name() == "exists" ? Op::kExists : Op::kAll, type);
        node->slot = ref.slot;
        node->children.push_back(Build(e.child(0)));
        node->children.push_back(Build(e.arg(1)));
        return node;
      }
      default: {  // kHelper
        auto node = NewNode(Op::kCall, type);
        node->helper = ref.helper->fn;
        for (const auto& child : e.children()) {
          node->children.push_back(Build(*child));
        }
        return node;
      }
    }
  }

  std::unique_ptr<Node> BuildBinary(const Expr& e, const Type& type) {
    Op op = Op::kAnd;
    switch (e.binary_op()) {
      case BinaryOp::kAnd:
        op = Op::kAnd;
        break;
      case BinaryOp::kOr:
        op = Op::kOr;
        break;
      case BinaryOp::kEqual:
        op = Op::kEqual;
        break;
      case BinaryOp::kNotEqual:
        op = Op::kNotEqual;
        break;
      case BinaryOp::kLess:
        op = Op::kLess;
        break;
      case BinaryOp::kLessEqual:
        op = Op::kLessEqual;
        break;
      case BinaryOp::kGreater:
        op = Op::kGreater;
        break;
      case BinaryOp::kGreaterEqual:
        op = Op::kGreaterEqual;
        break;
      case BinaryOp::kIn:
        op = Op::kIn;
        break;
      case BinaryOp::kAdd:
        op = Op::kAdd;
        break;
      case BinaryOp::kSubtract:
        op = Op::kSubtract;
        break;
      case BinaryOp::kMultiply:
        op = Op::kMultiply;
        break;
      case BinaryOp::kDivide:
        op = Op::kDivide;
        break;
      case BinaryOp::kModulo:
        op = Op::kModulo;
        break;
    }
    auto node = NewNode(op, type);
    for (const auto& child : e.children()) {
      std::unique_ptr<Node> built = Build(*child);
      // a && (b && c) == a && b && c under CEL's commutative semantics.
      if ((op == Op::kAnd || op == Op::kOr) && built->op == op) {
        for (auto& grandchild : built->children) {
          node->children.push_back(std::move(grandchild));
        }
      } else {
        node->children.push_back(std::move(built));
      }
    }
    return node;
  }

  static bool IsConstantOperand(const Node& node) {
    if (node.op == Op::kConstant) return true;
    if (node.op != Op::kList) return false;
    for (const auto& child : node.children) {
      if (child->op != Op::kConstant) return false;
    }
    return true;
  }

  static bool IsFoldable(const Node& node, const Expr& e) {
    switch (node.op) {
      case Op::kConstant:
      case Op::kRoot:
      case Op::kVariable:
      case Op::kSelect:
      case Op::kHas:
      case Op::kList:
      case Op::kExists:
      case Op::kAll:
        return false;
      case Op::kCall:
        if (FindHelper(e.name())->reads_request) return false;
        break;
      default:
        break;
    }
    // A folded list or message would point into the children it replaces.
    if (node.kind == ValueKind::kList || node.kind == ValueKind::kMessage) {
      return false;
    }
    for (const auto& child : node.children) {
      if (!IsConstantOperand(*child)) return false;
    }
    return true;
  }

  std::unique_ptr<Node> Fold(std::unique_ptr<Node> node, const Expr& e) {
    if (!IsFoldable(*node, e)) return node;
    Frame frame;
    Value v;
    if (!Eval(*node, frame, &v)) {
      issues_->push_back({node->begin, std::string(frame.error.message())});
      return node;
    }
    if (node->kind == ValueKind::kString)
      node->string_constant = std::string(v.s);
    node->op = Op::kConstant;
    node->constant = v;
    node->children.clear();
    node->path.clear();
    node->helper = nullptr;
    return node;
  }

  const CheckedAst& checked_;
  std::vector<ExprIssue>* issues_;
};

}  // namespace

std::unique_ptr<const Node> CompileTree(const Ast& ast,
                                        const CheckedAst& checked,
                                        std::vector<ExprIssue>* issues) {
  std::unique_ptr<Node> root = Compiler(checked, issues).Build(ast.root());
  SetIterationSteps(*root);
  return root;
}

}  // namespace refund::expr
