// End-to-end GetDecision and ListDecisions: stored decisions read back,
// filtered and paged.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST_F(SmallBundleTest, GetDecisionReturnsStoredDecision) {
  const v1::Decision decided = DecideOk(SevenDayReturn("r-get"));
  {
    v1::Decision got;
    ASSERT_TRUE(GetDecision(decided.decision_id(), &got).ok());
    EXPECT_EQ(got.SerializeAsString(), decided.SerializeAsString());
  }
  {
    v1::Decision got;
    EXPECT_THAT(GetDecision("0123", &got),
                GrpcStatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("0123")));
  }
  {
    v1::Decision got;
    EXPECT_THAT(GetDecision("", &got),
                GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                             HasSubstr("decision_id")));
  }
}

TEST_F(SmallBundleTest, ListDecisionsFiltersAndPaginates) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    v1::RefundRequest request = SevenDayReturn(absl::StrCat("r-list-", i));
    request.set_refund_id("refund-shared");
    if (i == 4) {
      request.mutable_inspection()->set_inspected(true);
      request.mutable_inspection()->set_empty_package(true);
    }
    ids.push_back(DecideOk(request).decision_id());
  }
  DecideOk(SevenDayReturn("r-other-refund"));

  v1::ListDecisionsRequest request;
  request.set_refund_id("refund-shared");
  request.set_page_size(2);
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    grpc::ClientContext context;
    v1::ListDecisionsResponse response;
    ASSERT_TRUE(stub_->ListDecisions(&context, request, &response).ok());
    ++pages;
    for (const v1::Decision& decision : response.decisions()) {
      seen.push_back(decision.decision_id());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, ids);  // oldest first

  v1::ListDecisionsRequest by_rule;
  by_rule.set_rule_id("empty_parcel.reject");
  grpc::ClientContext context;
  v1::ListDecisionsResponse response;
  ASSERT_TRUE(stub_->ListDecisions(&context, by_rule, &response).ok());
  ASSERT_THAT(response.decisions(), SizeIs(1));
  EXPECT_EQ(response.decisions(0).decision_id(), ids[4]);

  v1::ListDecisionsRequest by_verdict;
  by_verdict.set_verdict(v1::VERDICT_APPROVE);
  by_verdict.set_shop_id("shop-1");
  grpc::ClientContext verdict_context;
  v1::ListDecisionsResponse approved;
  ASSERT_TRUE(
      stub_->ListDecisions(&verdict_context, by_verdict, &approved).ok());
  EXPECT_THAT(approved.decisions(), SizeIs(5));

  v1::ListDecisionsRequest bad_token;
  bad_token.set_page_token("not-a-token");
  grpc::ClientContext bad_context;
  v1::ListDecisionsResponse ignored;
  EXPECT_THAT(stub_->ListDecisions(&bad_context, bad_token, &ignored),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           HasSubstr("page_token")));
}

}  // namespace
}  // namespace refund::e2e
