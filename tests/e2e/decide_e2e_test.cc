// End-to-end Decide: verdicts, stamps, idempotency, refused input (by field,
// by size, bytes that do not parse), and concurrent clients each stored once.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;

bool IsLowerHex(const std::string& text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST_F(SmallBundleTest, SevenDayReturnIsApprovedAndStamped) {
  const v1::Decision decision = DecideOk(SevenDayReturn("r-approve"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_APPROVE);
  EXPECT_TRUE(HasAction(decision, "SEND_RETURN_NOTICE"));
  EXPECT_TRUE(IsLowerHex(decision.decision_id(), 32)) << decision.decision_id();
  EXPECT_EQ(decision.request_id(), "r-approve");
  EXPECT_EQ(decision.policy().version(), server_->version());
  EXPECT_GT(decision.decided_at().seconds(), 0);
}

TEST_F(SmallBundleTest, RejectWithoutEvidenceBecomesNegotiateCollectEvidence) {
  v1::RefundRequest request = SevenDayReturn("r-empty");
  request.mutable_inspection()->set_inspected(true);
  request.mutable_inspection()->set_empty_package(true);
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_TRUE(HasAction(decision, "COLLECT_EVIDENCE"));
}

TEST_F(SmallBundleTest, DecideIsIdempotentOnRequestId) {
  const v1::RefundRequest request = SevenDayReturn("r-idem");
  const v1::Decision first = DecideOk(request);
  const v1::Decision second = DecideOk(request);
  EXPECT_EQ(second.decision_id(), first.decision_id());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());

  v1::RefundRequest changed = request;
  changed.mutable_requested_amount()->set_minor_units(100);
  v1::Decision ignored;
  EXPECT_THAT(
      Call(Decide(changed), &ignored),
      GrpcStatusIs(grpc::StatusCode::ALREADY_EXISTS, HasSubstr("r-idem")));
}

struct InvalidCase {
  std::string name;
  void (*mutate)(v1::DecideRequest&);
  std::string field;
};

TEST_F(SmallBundleTest, InvalidInputIsRejectedNamingTheField) {
  const std::vector<InvalidCase> cases = {
      {"MissingRequest", [](v1::DecideRequest& r) { r.clear_request(); },
       "request: required"},
      {"MissingRequestId",
       [](v1::DecideRequest& r) { r.mutable_request()->clear_request_id(); },
       "request.request_id"},
      {"NegativeAmount",
       [](v1::DecideRequest& r) {
         r.mutable_request()->mutable_requested_amount()->set_minor_units(-1);
       },
       "request.requested_amount.minor_units"},
      {"RequestedMoreThanPaid",
       [](v1::DecideRequest& r) {
         r.mutable_request()->mutable_requested_amount()->set_minor_units(
             r.request().order().paid_amount().minor_units() + 1);
       },
       "request.requested_amount"},
      {"DeliveredAfterRequested",
       [](v1::DecideRequest& r) {
         *r.mutable_request()->mutable_order()->mutable_delivered_at() =
             At(EvaluatedAt() + absl::Hours(1));
       },
       "request.order.delivered_at"},
      {"UnknownEnumNumber",
       [](v1::DecideRequest& r) {
         r.mutable_request()->set_reason(static_cast<v1::Reason>(999));
       },
       "request.reason"},
  };
  for (const InvalidCase& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    v1::DecideRequest request =
        Decide(SevenDayReturn(absl::StrCat("r-", test_case.name)));
    test_case.mutate(request);
    v1::Decision ignored;
    EXPECT_THAT(Call(request, &ignored),
                GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                             HasSubstr(test_case.field)));
  }
}

TEST_F(SmallBundleTest, OversizeMessageIsRefused) {
  v1::RefundRequest request = SevenDayReturn("r-huge");
  request.mutable_order()->mutable_items(0)->set_title(
      std::string(5 * 1024 * 1024, 'x'));
  v1::Decision ignored;
  EXPECT_EQ(Call(Decide(request), &ignored).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(SmallBundleTest, BytesThatAreNotADecideRequestAreInvalidArgument) {
  // Decide reads its request bytes itself (a raw method): what protobuf
  // cannot parse (here a field 1 whose length runs past the end) is the
  // client's error, named as such, and nothing is stored.
  grpc::GenericStub stub(server_->channel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  const std::string garbage("\x0a\x7f\x0a\x03", 4);
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/refund.v1.RefundDecisionService/Decide",
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("not a refund.v1.DecideRequest"));

  // The server goes on deciding.
  EXPECT_EQ(DecideOk(SevenDayReturn("r-after-garbage")).verdict(),
            v1::VERDICT_APPROVE);
}

TEST_F(ShippedPoliciesTest, ConcurrentDecidesAreAllStoredOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        v1::RefundRequest request =
            SevenDayReturn(absl::StrCat("s-concurrent-", t, "-", i));
        request.set_shop_id("shop-concurrent");
        v1::Decision decision;
        if (!Call(Decide(request), &decision).ok() ||
            decision.verdict() != v1::VERDICT_APPROVE) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);

  std::set<std::string> stored;
  v1::ListDecisionsRequest list;
  list.set_shop_id("shop-concurrent");
  list.set_page_size(64);
  for (;;) {
    grpc::ClientContext context;
    v1::ListDecisionsResponse page;
    ASSERT_TRUE(stub_->ListDecisions(&context, list, &page).ok());
    for (const v1::Decision& decision : page.decisions()) {
      EXPECT_TRUE(stored.insert(decision.request_id()).second);
      EXPECT_GE(decision.forbidden_size(), 3);
    }
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(stored.size(), static_cast<size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace refund::e2e
