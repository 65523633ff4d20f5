#include "engine/decide/unknown_fields.h"

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "tests/testing/policy_requests.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Every chain of message fields from RefundRequest down (the schema is not
// recursive; a depth limit keeps the test finite if it ever becomes so).
void MessagePaths(const Descriptor& type,
                  std::vector<const FieldDescriptor*>& prefix,
                  std::vector<std::vector<const FieldDescriptor*>>& out) {
  out.push_back(prefix);
  if (prefix.size() >= 6) return;
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) continue;
    prefix.push_back(field);
    MessagePaths(*field->message_type(), prefix, out);
    prefix.pop_back();
  }
}

std::string Name(const std::vector<const FieldDescriptor*>& path) {
  std::string name = "request";
  for (const FieldDescriptor* field : path) name += "." + field->name();
  return name;
}

// The message at `path` in `request`, made present (the second element of a
// repeated field, so that a check of the first alone is not enough).
Message* Reach(v1::RefundRequest& request,
               const std::vector<const FieldDescriptor*>& path) {
  Message* message = &request;
  for (const FieldDescriptor* field : path) {
    const google::protobuf::Reflection* reflection = message->GetReflection();
    if (field->is_repeated()) {
      reflection->AddMessage(message, field);
      message = reflection->AddMessage(message, field);
    } else {
      message = reflection->MutableMessage(message, field);
    }
  }
  return message;
}

TEST(HasUnknownFieldsTest, FindsOneInEveryMessageOfTheSchema) {
  std::vector<const FieldDescriptor*> prefix;
  std::vector<std::vector<const FieldDescriptor*>> paths;
  MessagePaths(*v1::RefundRequest::descriptor(), prefix, paths);
  ASSERT_GE(paths.size(), 20u);  // 20 when this was written
  for (const auto& path : paths) {
    SCOPED_TRACE(Name(path));
    v1::RefundRequest request = testing::SevenDayReturn();
    Message* target = Reach(request, path);
    EXPECT_FALSE(HasUnknownFields(request));
    target->GetReflection()->MutableUnknownFields(target)->AddVarint(999, 1);
    EXPECT_TRUE(HasUnknownFields(request));
    request.DiscardUnknownFields();
    EXPECT_FALSE(HasUnknownFields(request));
  }
}

TEST(HasUnknownFieldsTest, PolicyRequestsHaveNone) {
  auto requests = testing::ReadPolicyRequests(REFUND_POLICIES_DIR "/tests");
  ASSERT_TRUE(requests.ok()) << requests.status();
  for (const testing::PolicyRequest& request : *requests) {
    EXPECT_FALSE(HasUnknownFields(request.request)) << request.name;
  }
}

}  // namespace
}  // namespace refund
