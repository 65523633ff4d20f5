#include "tools/refundctl/policy_test_runner.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace refund {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Decision SampleDecision() {
  v1::Decision d;
  d.set_verdict(v1::VERDICT_NEGOTIATE);
  d.mutable_refund_amount()->set_minor_units(1000);
  d.add_actions()->set_code("CONTACT_BY_MESSAGE_FIRST");
  d.add_actions()->set_code("COLLECT_EVIDENCE");
  d.add_actions()->set_code("ESCALATE_TO_OWNER");
  auto* e = d.add_required_evidence();
  e->set_kind(v1::EVIDENCE_KIND_UNBOXING_VIDEO);
  d.add_forbidden()->set_code("PHONE_AT_NIGHT");
  d.add_risks()->set_code("DISPUTE_RATE");
  d.add_matched_rules()->set_rule_id("empty_parcel.reject");
  d.mutable_respond_by()->set_seconds(100);
  return d;
}

TEST(CheckExpectationTest, MetExpectationsGiveNoFailures) {
  v1::PolicyExpectation expect;
  expect.set_verdict(v1::VERDICT_NEGOTIATE);
  expect.mutable_refund_amount()->set_minor_units(1000);
  expect.add_actions("CONTACT_BY_MESSAGE_FIRST");
  expect.add_actions("ESCALATE_TO_OWNER");
  expect.add_actions_absent("SEND_RETURN_NOTICE");
  expect.add_evidence(v1::EVIDENCE_KIND_UNBOXING_VIDEO);
  expect.add_forbidden("PHONE_AT_NIGHT");
  expect.add_risks("DISPUTE_RATE");
  expect.add_matched_rules("empty_parcel.reject");
  expect.set_first_action("CONTACT_BY_MESSAGE_FIRST");
  expect.mutable_respond_by()->set_seconds(100);
  EXPECT_THAT(CheckExpectation(expect, SampleDecision()), IsEmpty());
}

TEST(CheckExpectationTest, EachUnmetExpectationIsOneLine) {
  v1::PolicyExpectation expect;
  expect.set_verdict(v1::VERDICT_REJECT);
  expect.mutable_refund_amount()->set_minor_units(0);
  expect.add_actions("ESCALATE_TO_OWNER");
  expect.add_actions("COLLECT_EVIDENCE");  // out of order
  expect.add_actions_absent("COLLECT_EVIDENCE");
  expect.add_evidence(v1::EVIDENCE_KIND_CHAT_RECORD);
  expect.add_forbidden("PROMISE_REVIEW_CASHBACK");
  expect.set_first_action("COLLECT_EVIDENCE");
  std::vector<std::string> failures =
      CheckExpectation(expect, SampleDecision());
  EXPECT_EQ(failures.size(), 7u);
  EXPECT_THAT(failures[0],
              HasSubstr("want VERDICT_REJECT, got VERDICT_NEGOTIATE"));
  EXPECT_THAT(failures[1], HasSubstr("refund_amount: want 0, got 1000"));
}

TEST(CheckExpectationTest, LineResultsMustMatchOneForOne) {
  v1::Decision decision = SampleDecision();
  v1::LineResult* line = decision.add_line_results();
  line->set_sku("MUG");
  line->mutable_paid_amount()->set_minor_units(3545);
  line->mutable_approved_amount()->set_minor_units(1000);
  line->set_reason("REDUCED");
  v1::PolicyExpectation expect;
  *expect.add_line_results() = *line;
  EXPECT_THAT(CheckExpectation(expect, decision), IsEmpty());
  // The reason is checked only when given.
  expect.mutable_line_results(0)->clear_reason();
  EXPECT_THAT(CheckExpectation(expect, decision), IsEmpty());
  expect.mutable_line_results(0)->mutable_approved_amount()->set_minor_units(
      3545);
  EXPECT_THAT(CheckExpectation(expect, decision),
              ElementsAre(HasSubstr("line_results: want [MUG paid 3545 "
                                    "approved 3545 ], got [MUG paid 3545 "
                                    "approved 1000 REDUCED]")));
  // A line too many in the decision is a failure too.
  *expect.mutable_line_results(0) = *line;
  decision.add_line_results()->set_sku("PLATE");
  EXPECT_EQ(CheckExpectation(expect, decision).size(), 1u);
}

TEST(ReadPolicyTestsTest, NamesTheFileThatDoesNotParse) {
  testing::TempDir dir;
  dir.Write("tests/a.json", R"({"cases": [{"name": "ok"}]})");
  dir.Write("tests/b.json", R"({"cases": [{"nmae": "typo"}]})");
  auto files = ReadPolicyTests(dir.path() + "/tests");
  EXPECT_THAT(files, testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("b.json")));
}

// Before, a looping link threw std::filesystem::filesystem_error out of
// refundctl.
TEST(ReadPolicyTestsTest, LoopingLinkIsAnErrorNotAnException) {
  testing::TempDir dir;
  dir.Write("tests/a.json", R"({"cases": [{"name": "ok"}]})");
  std::filesystem::create_symlink("loop.json", dir.path() + "/tests/loop.json");
  EXPECT_THAT(ReadPolicyTests(dir.path() + "/tests"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("loop.json: not a readable")));
}

}  // namespace
}  // namespace refund
