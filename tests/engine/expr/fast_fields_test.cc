#include "engine/expr/fast_fields.h"

#include <string>
#include <vector>

#include "engine/expr/expression.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/timestamp.pb.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets every field of `m` (recursively) to a distinct non-default value.
void Fill(Message* m, int* counter) {
  const Reflection* r = m->GetReflection();
  const Descriptor* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const int n = ++*counter;
    if (f->is_repeated()) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        Fill(r->AddMessage(m, f), counter);
        Fill(r->AddMessage(m, f), counter);
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
        r->AddEnumValue(m, f, 1);
        r->AddEnumValue(m, f, 2);
      }
      continue;
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(m, f, true);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(m, f, n);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(m, f, 1000000000LL * n);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnumValue(m, f, 1 + n % (f->enum_type()->value_count() - 1));
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        r->SetString(m, f, "s" + std::to_string(n));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Fill(r->MutableMessage(m, f), counter);
        break;
      default:
        break;
    }
  }
}

// Every singular field with an accessor reads as through reflection, on a
// filled and on an empty message.
void Compare(const Message& m, int* checked) {
  const Reflection* r = m.GetReflection();
  const Descriptor* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      const FieldAccessor* a = FindFieldAccessor(f);
      if (a != nullptr) {
        ++*checked;
        ASSERT_NE(a->size, nullptr) << f->full_name();
        EXPECT_EQ(a->size(m), r->FieldSize(m, f)) << f->full_name();
      }
      for (int k = 0; k < r->FieldSize(m, f); ++k) {
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          if (a != nullptr) {
            EXPECT_EQ(a->message_at(m, k), &r->GetRepeatedMessage(m, f, k));
          }
          Compare(r->GetRepeatedMessage(m, f, k), checked);
        } else if (a != nullptr &&
                   f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
          EXPECT_EQ(a->integer_at(m, k), r->GetRepeatedEnumValue(m, f, k));
        }
      }
      continue;
    }
    // A field added to the proto later may have no accessor yet: it is read
    // through reflection, which is correct, only slower.
    const FieldAccessor* a = FindFieldAccessor(f);
    if (a == nullptr) continue;
    ++*checked;
    SCOPED_TRACE(f->full_name());
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_BOOL:
        ASSERT_NE(a->integer, nullptr);
        EXPECT_EQ(a->integer(m), r->GetBool(m, f) ? 1 : 0);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        ASSERT_NE(a->integer, nullptr);
        EXPECT_EQ(a->integer(m), r->GetInt32(m, f));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        ASSERT_NE(a->integer, nullptr);
        EXPECT_EQ(a->integer(m), r->GetInt64(m, f));
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        ASSERT_NE(a->integer, nullptr);
        EXPECT_EQ(a->integer(m), r->GetEnumValue(m, f));
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        ASSERT_NE(a->string, nullptr);
        EXPECT_EQ(std::string(a->string(m)), r->GetString(m, f));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        ASSERT_NE(a->message, nullptr);
        ASSERT_NE(a->has, nullptr);
        const Message& sub = r->GetMessage(m, f);
        EXPECT_EQ(a->message(m), &sub);
        EXPECT_EQ(a->has(m), r->HasField(m, f));
        if (f->message_type() == v1::Money::descriptor()) {
          ASSERT_NE(a->integer, nullptr);
          EXPECT_EQ(a->integer(m),
                    static_cast<const v1::Money&>(sub).minor_units());
        } else if (f->message_type() ==
                   google::protobuf::Timestamp::descriptor()) {
          ASSERT_NE(a->time, nullptr);
          const auto& t = static_cast<const google::protobuf::Timestamp&>(sub);
          EXPECT_EQ(a->time(m), absl::FromUnixSeconds(t.seconds()) +
                                    absl::Nanoseconds(t.nanos()));
        } else if (f->message_type() != v1::Money::descriptor()) {
          Compare(sub, checked);
        }
        break;
      }
      default:
        ADD_FAILURE() << "unexpected field type";
    }
  }
}

TEST(FastFieldsTest, EveryRequestFieldMatchesReflection) {
  v1::RefundRequest filled;
  int counter = 0;
  Fill(&filled, &counter);
  int checked = 0;
  Compare(filled, &checked);
  EXPECT_GT(checked, 50);
  checked = 0;
  Compare(v1::RefundRequest(), &checked);
  EXPECT_GT(checked, 10);
}

TEST(FastFieldsTest, OnlyKnownFieldsHaveAccessors) {
  const FieldAccessor* evidence = FindFieldAccessor(
      v1::RefundRequest::descriptor()->FindFieldByName("evidence"));
  ASSERT_NE(evidence, nullptr);
  EXPECT_NE(evidence->integer_at, nullptr);
  EXPECT_EQ(evidence->integer, nullptr);
  EXPECT_EQ(FindFieldAccessor(
                v1::Money::descriptor()->FindFieldByName("minor_units")),
            nullptr);
}

// The same expressions on a generated message (accessors) and on a dynamic
// message (reflection) give the same values.
TEST(FastFieldsTest, GeneratedAndDynamicMessagesAgree) {
  v1::RefundRequest filled;
  int counter = 0;
  Fill(&filled, &counter);
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<Message> dynamic(
      factory.GetPrototype(v1::RefundRequest::descriptor())->New());
  ASSERT_TRUE(dynamic->ParseFromString(filled.SerializeAsString()));
  const Environment env = testing::TestEnvironment();
  const std::vector<std::string> texts = {
      "request.order.paid_amount",
      "request.order.delivered_at",
      "request.buyer.refunds_90d",
      "request.flags.influencer_misleading",
      "request.inspection.damage_cause",
      "request.return_shipment.tracking_number",
      "has(request.return_shipment.received_at)",
      "has(request.flags)",
      "has(request.flags.urgent)",
      "request.order.items.all(i, i.quantity > 0 && i.unit_price > fen(0) && "
      "i.sku != '' && i.is_gift)",
      "request.inspection.received_items.exists(r, r.quantity > 0)",
      "request.after_sale_deadline - request.requested_at",
      "size(request.order.items) + size(request.inspection.resale_defects)",
      "request.evidence",
      "request.inspection.resale_defects.exists(d, d == RESALE_DEFECT_USED)",
      "request.order.items.exists(i, i.sku == 's1')",
  };
  for (const std::string& text : texts) {
    auto e = Expression::Compile(text, env, Expect::kAny, nullptr);
    ASSERT_TRUE(e.ok()) << e.status();
    absl::StatusOr<ConstantValue> fast = (*e)->Evaluate(filled);
    absl::StatusOr<ConstantValue> slow = (*e)->Evaluate(*dynamic);
    ASSERT_TRUE(fast.ok() && slow.ok()) << text;
    EXPECT_EQ(*fast, *slow) << text << ": " << testing::Show(*fast) << " vs "
                            << testing::Show(*slow);
  }
}

}  // namespace
}  // namespace refund::expr
