#include "engine/index/key_read_plan.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decide/bundle_internals.h"
#include "engine/load/bundle_loader.h"
#include "google/protobuf/dynamic_message.h"
#include "gtest/gtest.h"
#include "tests/testing/policy_requests.h"
#include "tests/testing/request_mutator.h"

namespace refund {
namespace {

using expr::FieldRead;
using expr::Node;
using expr::Op;

// Every key-field kind at several depths, sharing prefixes (`flags`,
// `inspection`, `return_shipment`), plus has() of singular and repeated
// fields.
constexpr const char* kKeyFields[] = {
    "request.reason",
    "request.type",
    "request.platform",
    "request.shop_id",
    "request.locale",
    "request.flags.urgent",
    "request.flags.force_majeure",
    "request.flags.complaint_threat",
    "request.inspection.empty_package",
    "request.inspection.damage_cause",
    "request.buyer.blacklisted",
    "request.buyer.buyer_id",
    "request.order.shipping_insurance",
    "request.return_shipment.parcel_abnormal",
    "has(request.return_shipment.received_at)",
    "has(request.order.shipped_at)",
    "has(request.inspection.received_items)",
    "has(request.order.items)",
    "has(request.after_sale_deadline)",
    "has(request.flags)",
    "has(request.evidence)",
};

class KeyReadPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bundle = LoadBundleFromDirectory(REFUND_POLICIES_DIR);
    ASSERT_TRUE(bundle.ok()) << bundle.status();
    bundle_ = *std::move(bundle);
    for (const char* text : kKeyFields) {
      auto compiled = expr::Expression::Compile(
          text, *bundle_->internals().environment, expr::Expect::kAny, nullptr);
      ASSERT_TRUE(compiled.ok()) << text << ": " << compiled.status();
      expressions_.push_back(*std::move(compiled));
      reads_.push_back(&expressions_.back()->program().root());
    }
    auto requests = testing::ReadPolicyRequests(REFUND_POLICIES_DIR "/tests");
    ASSERT_TRUE(requests.ok()) << requests.status();
    requests_ = *std::move(requests);
  }

  // What evaluating the read nodes one by one gives, as Read reports it.
  void ExpectSameAsEvaluating(const KeyReadPlan& plan,
                              const google::protobuf::Message& root) {
    expr::Frame frame;
    ASSERT_TRUE(expressions_[0]->program().InitFrame(&root, &frame).ok());
    std::vector<int64_t> numbers(reads_.size(), -7);
    std::vector<std::string_view> texts(plan.text_count());
    ASSERT_TRUE(plan.Read(frame, numbers.data(), texts.data()));
    for (size_t i = 0; i < reads_.size(); ++i) {
      const Node& read = *reads_[i];
      frame.program = &expressions_[i]->program();
      expr::Value value;
      ASSERT_TRUE(expr::Eval(read, frame, &value)) << kKeyFields[i];
      if (read.op == Op::kSelect && read.read == FieldRead::kString) {
        ASSERT_GE(plan.text_index(i), 0) << kKeyFields[i];
        EXPECT_EQ(texts[plan.text_index(i)], value.s) << kKeyFields[i];
      } else if (read.op == Op::kHas || read.read == FieldRead::kBool) {
        EXPECT_EQ(numbers[i], value.b ? 1 : 0) << kKeyFields[i];
      } else {
        EXPECT_EQ(numbers[i], value.i) << kKeyFields[i];
      }
    }
  }

  std::unique_ptr<const CompiledBundle> bundle_;
  std::vector<std::shared_ptr<const expr::Expression>> expressions_;
  std::vector<const Node*> reads_;
  std::vector<testing::PolicyRequest> requests_;
};

TEST_F(KeyReadPlanTest, SharesSubMessagesAndReadsEveryFieldDirectly) {
  const KeyReadPlan plan = KeyReadPlan::Build(reads_);
  EXPECT_EQ(plan.field_count(), static_cast<int>(reads_.size()));
  // flags, inspection, buyer, order, return_shipment: once each.
  EXPECT_EQ(plan.message_step_count(), 5);
  EXPECT_EQ(plan.evaluated_field_count(), 0);
}

TEST_F(KeyReadPlanTest, AgreesWithEvaluatingEachFieldOnMutatedRequests) {
  const KeyReadPlan plan = KeyReadPlan::Build(reads_);
  testing::SplitMix64 rng(5);
  for (const testing::PolicyRequest& base : requests_) {
    ExpectSameAsEvaluating(plan, base.request);
    for (int round = 0; round < 20; ++round) {
      v1::RefundRequest request = testing::MutateRequest(base.request, rng);
      if (rng.OneIn(4)) request.clear_flags();
      if (rng.OneIn(4)) request.clear_inspection();
      if (rng.OneIn(4)) request.mutable_order()->clear_items();
      ExpectSameAsEvaluating(plan, request);
    }
  }
  ExpectSameAsEvaluating(plan, v1::RefundRequest());
}

// A root that is not the generated class (a dynamic message of the same
// type) is read by evaluating the nodes, through reflection.
TEST_F(KeyReadPlanTest, ReadsADynamicMessageThroughTheEvaluator) {
  const KeyReadPlan plan = KeyReadPlan::Build(reads_);
  google::protobuf::DynamicMessageFactory factory;
  for (const testing::PolicyRequest& base : requests_) {
    std::unique_ptr<google::protobuf::Message> dynamic(
        factory.GetPrototype(v1::RefundRequest::descriptor())->New());
    ASSERT_TRUE(dynamic->ParseFromString(base.request.SerializeAsString()));
    ExpectSameAsEvaluating(plan, *dynamic);
  }
}

}  // namespace
}  // namespace refund
