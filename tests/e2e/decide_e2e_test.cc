// End-to-end Decide: verdicts, stamps, idempotency, refused input (by field,
// by size, bytes that do not parse, strings that are not UTF-8, enums beyond
// 32 bits), unknown fields never stored, and concurrent clients each stored
// once.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"
#include "tests/testing/wire_format.h"

namespace refund::e2e {
namespace {

using ::testing::HasSubstr;

// Decide called with `bytes` as they are: for what the generated stub cannot
// send.
grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& bytes, v1::Decision* decision) {
  std::string out;
  grpc::Status status = CallWithBytes(
      channel, "/refund.v1.RefundDecisionService/Decide", bytes, &out);
  if (status.ok() && !decision->ParseFromString(out)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "unparsable decision");
  }
  return status;
}

using ::refund::testing::LengthField;
using ::refund::testing::Varint;
using ::refund::testing::VarintField;

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
  v1::Decision ignored;
  const grpc::Status status =
      CallRaw(server_->channel(), std::string("\x0a\x7f\x0a\x03", 4), &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("not a refund.v1.DecideRequest (field 1 (request): "
                        "length 127 runs past the end)"));

  // The server goes on deciding.
  EXPECT_EQ(DecideOk(SevenDayReturn("r-after-garbage")).verdict(),
            v1::VERDICT_APPROVE);
}

// Issue 20, finding 8: a string that is not UTF-8 made the whole request
// "bytes that do not parse"; the answer names the field.
TEST_F(SmallBundleTest, InvalidUtf8IsNamedByItsField) {
  v1::RefundRequest request = SevenDayReturn("r-utf8");
  for (int i = 0; i < 3; ++i) {
    v1::LineItem* item = request.mutable_order()->add_items();
    item->set_sku("SKU-EXTRA");
    item->set_title("fine");
    item->set_quantity(1);
  }
  request.mutable_order()->mutable_items(3)->set_title("mug \xc3\x28");
  std::string bytes;
  {
    google::protobuf::LogSilencer quiet;  // the client's serializer logs it
    bytes = Decide(request).SerializeAsString();
  }
  v1::Decision ignored;
  EXPECT_THAT(CallRaw(server_->channel(), bytes, &ignored),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           "request.order.items[3].title: not valid UTF-8"));
}

// An enum sent as 2^40 was read as its low 32 bits (0) and accepted.
TEST_F(SmallBundleTest, EnumsBeyondThirtyTwoBitsAreRefused) {
  struct Case {
    std::string name;
    std::string extra;  // fields appended to the RefundRequest
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Platform", VarintField(4, uint64_t{1} << 40),
       "request.platform: unknown enum value 1099511627776 (does not fit in 32 "
       "bits)"},
      // 2^32 + 1 would read as 1, a valid value.
      {"Reason", VarintField(6, (uint64_t{1} << 32) + 1),
       "request.reason: unknown enum value 4294967297 (does not fit in 32 "
       "bits)"},
      // 0 is a valid damage cause: only the bytes show what was sent.
      {"DamageCause", LengthField(10, VarintField(5, uint64_t{1} << 40)),
       "request.inspection.damage_cause: unknown enum value 1099511627776 "
       "(does not fit in 32 bits)"},
      {"PackedEvidence", LengthField(12, Varint(1) + Varint(uint64_t{1} << 40)),
       "request.evidence[1]: unknown enum value 1099511627776 (does not fit "
       "in 32 bits)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string bytes = LengthField(
        1, SevenDayReturn("r-enum-" + c.name).SerializeAsString() + c.extra);
    v1::Decision ignored;
    EXPECT_THAT(CallRaw(server_->channel(), bytes, &ignored),
                GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT, c.message));
  }
  // The same request without the extra field is decided (nothing of the
  // refused calls was stored under its request_id).
  EXPECT_EQ(DecideOk(SevenDayReturn("r-enum-Platform")).verdict(),
            v1::VERDICT_APPROVE);
}

// A field the server does not know is dropped before the request is decided
// and stored: 3.5 MB of it cost 4 MB of log per call.
TEST_F(SmallBundleTest, UnknownFieldsAreNotStored) {
  const v1::RefundRequest request = SevenDayReturn("r-unknown-field");
  const std::string padding(3'500'000, 'u');
  const std::string with_unknown =
      LengthField(1, request.SerializeAsString() + LengthField(99, padding));
  v1::Decision first;
  ASSERT_TRUE(CallRaw(server_->channel(), with_unknown, &first).ok());
  EXPECT_EQ(first.verdict(), v1::VERDICT_APPROVE);

  // Stored without it: the same request without the field is the same body
  // (the stored decision, not ALREADY_EXISTS), and so is a resend with it.
  v1::Decision without;
  ASSERT_TRUE(Call(Decide(request), &without).ok());
  EXPECT_EQ(without.decision_id(), first.decision_id());
  v1::Decision again;
  ASSERT_TRUE(CallRaw(server_->channel(), with_unknown, &again).ok());
  EXPECT_EQ(again.decision_id(), first.decision_id());

  // Nothing of the 3.5 MB reached the log's files.
  StopServer();
  std::uintmax_t log_bytes = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(db_path().parent_path())) {
    if (entry.is_regular_file()) log_bytes += entry.file_size();
  }
  EXPECT_LT(log_bytes, 1'000'000u);
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
