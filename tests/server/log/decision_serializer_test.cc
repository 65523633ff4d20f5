#include "server/log/decision_serializer.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/decide/compiled_bundle.h"
#include "engine/load/bundle_loader.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"
#include "server/log/deterministic_serialization.h"
#include "tests/testing/request_generator.h"

namespace refund::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets every field of `message` and of every message it holds, through
// reflection: a field added to the schema is set here without anyone
// remembering to. Repeated fields get two elements; scalars take values
// derived from `seed` (negative ones too, the widest varints); enums take
// their last value.
void FillEveryField(Message& message, int seed) {
  const Reflection& reflection = *message.GetReflection();
  const google::protobuf::Descriptor& descriptor = *message.GetDescriptor();
  for (int i = 0; i < descriptor.field_count(); ++i) {
    const FieldDescriptor* field = descriptor.field(i);
    const int value = seed * 31 + i + 1;
    const int copies = field->is_repeated() ? 2 : 1;
    for (int copy = 0; copy < copies; ++copy) {
      const bool repeated = field->is_repeated();
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string text = absl::StrCat("值 ", field->name(), " ", value);
          repeated ? reflection.AddString(&message, field, text)
                   : reflection.SetString(&message, field, text);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32:
          repeated ? reflection.AddInt32(&message, field, -value)
                   : reflection.SetInt32(&message, field, -value);
          break;
        case FieldDescriptor::CPPTYPE_INT64: {
          const int64_t wide = -int64_t{value} * 1'000'000'007LL;
          repeated ? reflection.AddInt64(&message, field, wide)
                   : reflection.SetInt64(&message, field, wide);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL:
          repeated ? reflection.AddBool(&message, field, true)
                   : reflection.SetBool(&message, field, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* last =
              field->enum_type()->value(field->enum_type()->value_count() - 1);
          repeated ? reflection.AddEnum(&message, field, last)
                   : reflection.SetEnum(&message, field, last);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          FillEveryField(repeated ? *reflection.AddMessage(&message, field)
                                  : *reflection.MutableMessage(&message, field),
                         value + copy);
          break;
        default:
          ADD_FAILURE() << "no filler for " << field->full_name()
                        << "; teach FillEveryField (and check "
                           "SerializeDecision writes it)";
      }
    }
  }
}

TEST(DecisionSerializerTest, EveryFieldOfEveryMessageMatchesProtobuf) {
  for (int seed = 0; seed < 5; ++seed) {
    v1::Decision decision;
    FillEveryField(decision, seed);
    // The layout, not the hand-over to protobuf: a field this serializer
    // does not write would be handed over and pass the comparison unnoticed.
    std::string bytes;
    EXPECT_TRUE(SerializeKnownDecisionFields(decision, &bytes))
        << "SerializeDecision does not write every field of Decision";
    EXPECT_EQ(bytes, SerializeDeterministically(decision)) << "seed " << seed;
    EXPECT_EQ(SerializeDecision(decision), bytes);
  }
}

TEST(DecisionSerializerTest, EmptyAndZeroFieldsAreLeftOutAsProtobufDoes) {
  v1::Decision decision;
  EXPECT_EQ(SerializeDecision(decision), "");
  // Set but empty sub-messages are written (as an empty message); zero
  // scalars and empty strings inside them are not.
  decision.mutable_refund_amount();
  decision.add_actions()->mutable_due_by();
  decision.add_matched_rules()->set_priority(0);
  decision.mutable_policy()->set_bundle_name("");
  EXPECT_EQ(SerializeDecision(decision), SerializeDeterministically(decision));
}

TEST(DecisionSerializerTest, UnknownFieldsAreKeptThroughProtobuf) {
  v1::Decision decision;
  FillEveryField(decision, 1);
  decision.GetReflection()->MutableUnknownFields(&decision)->AddVarint(1000, 7);
  EXPECT_EQ(SerializeDecision(decision), SerializeDeterministically(decision));
}

TEST(DecisionSerializerTest, ShippedBundleDecisionsMatchProtobuf) {
  auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  testing::RequestGenerator generator(20261123);
  int decided = 0;
  for (int i = 0; i < 500; ++i) {
    v1::RefundRequest request = generator.Next("serializer");
    if (i % 2 == 1) request.set_locale("en");
    absl::StatusOr<v1::Decision> decision = (*bundle)->Decide(request);
    ASSERT_TRUE(decision.ok()) << decision.status();
    decision->set_decision_id(absl::StrCat("d-", i));
    decision->mutable_decided_at()->set_seconds(1'780'000'000 + i);
    decision->mutable_decided_at()->set_nanos(i * 1000);
    std::string bytes;
    ASSERT_TRUE(SerializeKnownDecisionFields(*decision, &bytes));
    ASSERT_EQ(bytes, SerializeDeterministically(*decision)) << "request " << i;
    ++decided;
  }
  EXPECT_EQ(decided, 500);
}

}  // namespace
}  // namespace refund::server
