// End-to-end access control (issue 14): principals recognised by bearer
// token, each role on each RPC, shop isolation in every read, refused calls
// counted and logged, the access policy reloaded on SIGHUP. (Principals by
// client certificate: tls_access_e2e_test.cc.)
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "server/access/bearer_token.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"
#include "tests/e2e/small_bundle.h"

namespace refund::e2e {
namespace {

using ::testing::AllOf;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// Random enough for the test; real tokens come from `openssl rand -hex 32`.
constexpr char kOmsAToken[] = "oms-a-7f3c9d1e5b2a4c6e8f0a1b3c5d7e9f01";
constexpr char kOmsAllToken[] = "oms-all-2b4d6f8a0c1e3f5a7b9c1d3e5f7a9b0c";
constexpr char kAgentAToken[] = "agent-a-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";
constexpr char kAuditorToken[] = "auditor-3c5e7a9b1d2f4a6c8e0b2d4f6a8c0e1d";
constexpr char kAuditorAToken[] = "auditor-a-5d7f9b1c3e5a7c9e1f3b5d7a9c1e3f";
constexpr char kOperatorToken[] = "operator-8a6c4e2f0b9d7f5a3c1e9b7d5f3a1c0e";
constexpr char kAddedLaterToken[] = "added-later-1f2e3d4c5b6a7988a9b0c1d2e3f4";

std::string Principal(const std::string& name, const std::string& role,
                      const std::string& shops, const std::string& token) {
  return absl::StrCat("principals {\n  name: \"", name, "\"\n  roles: ", role,
                      "\n  ", shops, "\n  token_sha256: \"",
                      server::BearerTokenSha256Hex(token), "\"\n}\n");
}

std::string AccessPolicyText() {
  return Principal("oms-a", "ROLE_OMS", "shops: \"shop-a\"", kOmsAToken) +
         Principal("oms-all", "ROLE_OMS", "all_shops: true", kOmsAllToken) +
         Principal("agent-a", "ROLE_AGENT", "shops: \"shop-a\"", kAgentAToken) +
         Principal("auditor", "ROLE_AUDITOR", "all_shops: true",
                   kAuditorToken) +
         Principal("auditor-a", "ROLE_AUDITOR", "shops: \"shop-a\"",
                   kAuditorAToken) +
         Principal("ops", "ROLE_OPERATOR", "", kOperatorToken);
}

v1::RefundRequest ForShop(const std::string& request_id,
                          const std::string& shop) {
  v1::RefundRequest request = SevenDayReturn(request_id);
  request.set_shop_id(shop);
  request.set_refund_id(absl::StrCat("refund-", request_id));
  request.mutable_buyer()->set_buyer_id(absl::StrCat("buyer-of-", request_id));
  return request;
}

class AccessControlTest : public SmallBundleTest {
 protected:
  std::filesystem::path PolicyPath() const {
    return std::filesystem::path(dir_.path()) / "access.textproto";
  }
  std::filesystem::path AccessLogPath() const {
    return std::filesystem::path(dir_.path()) / "refused.log";
  }
  ServerProcessOptions Options() const override {
    std::ofstream(PolicyPath()) << AccessPolicyText();
    ServerProcessOptions options;
    options.extra_args = {
        absl::StrCat("--access_policy=", PolicyPath().string()),
        absl::StrCat("--access_log=", AccessLogPath().string())};
    return options;
  }

  // A context carrying `token` (none when empty), with a deadline.
  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
    if (!token.empty()) {
      context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    return context;
  }

  v1::Decision DecideAs(const std::string& token,
                        const v1::RefundRequest& request,
                        grpc::Status* status = nullptr) {
    v1::Decision decision;
    grpc::Status result =
        stub_->Decide(As(token).get(), Decide(request), &decision);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return decision;
  }

  // Calls `method` with a small valid request; the status only.
  grpc::Status CallMethod(const std::string& token, const std::string& method) {
    auto context = As(token);
    if (method == "Decide") {
      v1::Decision decision;
      return stub_->Decide(
          context.get(),
          Decide(ForShop(absl::StrCat("probe-", ++probes_), "shop-a")),
          &decision);
    }
    if (method == "SuggestActions") {
      v1::SuggestActionsRequest request;
      *request.mutable_request() = ForShop("probe-suggest", "shop-a");
      v1::SuggestActionsResponse response;
      return stub_->SuggestActions(context.get(), request, &response);
    }
    if (method == "GetDecision") {
      v1::GetDecisionRequest request;
      request.set_decision_id(shop_a_decision_);
      v1::Decision decision;
      return stub_->GetDecision(context.get(), request, &decision);
    }
    if (method == "ListDecisions") {
      v1::ListDecisionsResponse response;
      return stub_->ListDecisions(context.get(), {}, &response);
    }
    if (method == "Replay") {
      v1::ReplayRequest request;
      request.set_mode(v1::REPLAY_MODE_EXACT);
      auto reader = stub_->Replay(context.get(), request);
      v1::ReplayResult result;
      while (reader->Read(&result)) {
      }
      return reader->Finish();
    }
    if (method == "VerifyDecisionLog") {
      v1::VerifyDecisionLogResponse response;
      return stub_->VerifyDecisionLog(context.get(), {}, &response);
    }
    if (method == "GetPolicyBundle") {
      v1::PolicyBundleInfo info;
      return stub_->GetPolicyBundle(context.get(), {}, &info);
    }
    if (method == "ValidatePolicyBundle") {
      v1::ValidatePolicyBundleRequest request;
      v1::SourceFile* file = request.mutable_candidate()->add_files();
      file->set_path("bundle.textproto");
      file->set_content("name: \"x\"");
      v1::ValidatePolicyBundleResponse response;
      return stub_->ValidatePolicyBundle(context.get(), request, &response);
    }
    if (method == "ReloadPolicies") {
      v1::PolicyBundleInfo info;
      return stub_->ReloadPolicies(context.get(), {}, &info);
    }
    ADD_FAILURE() << "no such method " << method;
    return grpc::Status::CANCELLED;
  }

  std::string AccessLog() const {
    std::ifstream in(AccessLogPath());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // One decision of shop-a and one of shop-b, made by the all-shops OMS.
  void DecideForBothShops() {
    shop_a_decision_ =
        DecideAs(kOmsAllToken, ForShop("a-1", "shop-a")).decision_id();
    shop_b_decision_ =
        DecideAs(kOmsAllToken, ForShop("b-1", "shop-b")).decision_id();
  }

  int probes_ = 0;
  std::string shop_a_decision_;
  std::string shop_b_decision_;
};

const std::vector<std::string>& EveryMethod() {
  static const std::vector<std::string> methods = {
      "Decide",          "SuggestActions",
      "GetDecision",     "ListDecisions",
      "Replay",          "VerifyDecisionLog",
      "GetPolicyBundle", "ValidatePolicyBundle",
      "ReloadPolicies"};
  return methods;
}

TEST_F(AccessControlTest, EachRoleMayCallExactlyItsMethods) {
  DecideForBothShops();
  const std::map<std::string, std::vector<std::string>> allowed = {
      {kOmsAllToken, {"Decide", "GetDecision"}},
      {kAgentAToken, {"SuggestActions", "GetDecision"}},
      {kAuditorToken,
       {"GetDecision", "ListDecisions", "Replay", "VerifyDecisionLog"}},
      {kOperatorToken,
       {"GetPolicyBundle", "ValidatePolicyBundle", "ReloadPolicies"}},
  };
  for (const auto& [token, methods] : allowed) {
    for (const std::string& method : EveryMethod()) {
      const bool may =
          std::find(methods.begin(), methods.end(), method) != methods.end();
      const grpc::Status status = CallMethod(token, method);
      if (may) {
        EXPECT_TRUE(status.ok())
            << token << " " << method << ": " << status.error_code() << " "
            << status.error_message();
      } else {
        EXPECT_THAT(
            status,
            GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                         HasSubstr(absl::StrCat("may not call ", method))))
            << token << " " << method;
      }
    }
  }
}

TEST_F(AccessControlTest, CallersWithoutAKnownTokenAreUnauthenticated) {
  for (const std::string& method : EveryMethod()) {
    EXPECT_THAT(CallMethod("", method),
                GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED,
                             HasSubstr("no credentials")))
        << method;
    EXPECT_THAT(CallMethod("not-a-known-token-0123456789abcdef", method),
                GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED,
                             HasSubstr("bearer token is not known")))
        << method;
  }
  // The hash of a token is not the token.
  EXPECT_THAT(
      CallMethod(server::BearerTokenSha256Hex(kOperatorToken),
                 "GetPolicyBundle"),
      GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("not known")));
  auto context = As("");
  context->AddMetadata("authorization", "Basic b3BzOm9wcw==");
  v1::PolicyBundleInfo info;
  EXPECT_THAT(stub_->GetPolicyBundle(context.get(), {}, &info),
              GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED,
                           HasSubstr("only \"Bearer TOKEN\"")));
}

TEST_F(AccessControlTest, HealthStaysOpen) {
  absl::StatusOr<int> health = CheckHealth(server_->channel());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, 1);  // SERVING, without credentials
}

TEST_F(AccessControlTest, AShopLimitedOmsDecidesOnlyForItsShops) {
  grpc::Status status;
  DecideAs(kOmsAToken, ForShop("b-by-a", "shop-b"), &status);
  EXPECT_THAT(status, GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                                   AllOf(HasSubstr("request.shop_id"),
                                         HasSubstr("shop-b"))));
  const v1::Decision own = DecideAs(kOmsAToken, ForShop("a-by-a", "shop-a"));
  EXPECT_FALSE(own.decision_id().empty());

  // Nothing of the refused request was stored.
  v1::ListDecisionsRequest all;
  v1::ListDecisionsResponse listed;
  ASSERT_TRUE(stub_->ListDecisions(As(kAuditorToken).get(), all, &listed).ok());
  ASSERT_THAT(listed.decisions(), SizeIs(1));
  EXPECT_EQ(listed.decisions(0).decision_id(), own.decision_id());
}

TEST_F(AccessControlTest, AShopLimitedReaderNeverSeesAnotherShopsDecisions) {
  DecideForBothShops();
  for (int i = 0; i < 3; ++i) {
    DecideAs(kOmsAllToken, ForShop(absl::StrCat("b-more-", i), "shop-b"));
  }
  DecideAs(kOmsAllToken, ForShop("a-2", "shop-a"));

  // GetDecision: another shop's decision is NOT_FOUND, as an unknown id.
  for (const char* token : {kOmsAToken, kAgentAToken, kAuditorAToken}) {
    v1::GetDecisionRequest request;
    request.set_decision_id(shop_b_decision_);
    v1::Decision decision;
    EXPECT_THAT(
        stub_->GetDecision(As(token).get(), request, &decision),
        GrpcStatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("not found")))
        << token;
    request.set_decision_id(shop_a_decision_);
    EXPECT_TRUE(stub_->GetDecision(As(token).get(), request, &decision).ok())
        << token;
  }

  // ListDecisions: only shop-a, whatever the filter asks, on every page.
  v1::ListDecisionsRequest request;
  request.set_page_size(1);
  std::vector<std::string> shops;
  for (int pages = 0; pages < 10; ++pages) {
    v1::ListDecisionsResponse response;
    ASSERT_TRUE(
        stub_->ListDecisions(As(kAuditorAToken).get(), request, &response)
            .ok());
    for (const v1::Decision& decision : response.decisions()) {
      v1::GetDecisionRequest get;
      get.set_decision_id(decision.decision_id());
      v1::Decision full;
      ASSERT_TRUE(stub_->GetDecision(As(kAuditorToken).get(), get, &full).ok());
      shops.push_back(decision.refund_id());
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(shops, SizeIs(2));
  EXPECT_THAT(shops, Each(HasSubstr("refund-a-")));
  v1::ListDecisionsRequest other_shop;
  other_shop.set_shop_id("shop-b");
  v1::ListDecisionsResponse none;
  ASSERT_TRUE(
      stub_->ListDecisions(As(kAuditorAToken).get(), other_shop, &none).ok());
  EXPECT_THAT(none.decisions(), IsEmpty());
  v1::ListDecisionsResponse everything;
  ASSERT_TRUE(
      stub_->ListDecisions(As(kAuditorToken).get(), other_shop, &everything)
          .ok());
  EXPECT_THAT(everything.decisions(), SizeIs(4));

  // Replay: only shop-a's decisions are replayed and counted.
  v1::ReplayRequest replay;
  replay.set_mode(v1::REPLAY_MODE_EXACT);
  auto replay_context = As(kAuditorAToken);  // outlives the stream
  auto reader = stub_->Replay(replay_context.get(), replay);
  std::vector<std::string> replayed;
  int64_t total = -1;
  v1::ReplayResult result;
  while (reader->Read(&result)) {
    if (result.has_diff()) replayed.push_back(result.diff().decision_id());
    if (result.has_summary()) total = result.summary().total();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_THAT(replayed, SizeIs(2));
  EXPECT_THAT(replayed, Not(::testing::Contains(shop_b_decision_)));
  EXPECT_EQ(total, 2);

  // SuggestActions: another shop's stored decision is NOT_FOUND, an inline
  // request for another shop is refused.
  v1::SuggestActionsRequest by_id;
  by_id.set_decision_id(shop_b_decision_);
  v1::SuggestActionsResponse suggestion;
  EXPECT_THAT(
      stub_->SuggestActions(As(kAgentAToken).get(), by_id, &suggestion),
      GrpcStatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("not found")));
  by_id.set_decision_id(shop_a_decision_);
  EXPECT_TRUE(
      stub_->SuggestActions(As(kAgentAToken).get(), by_id, &suggestion).ok());
  v1::SuggestActionsRequest inline_b;
  *inline_b.mutable_request() = ForShop("inline-b", "shop-b");
  EXPECT_THAT(
      stub_->SuggestActions(As(kAgentAToken).get(), inline_b, &suggestion),
      GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                   HasSubstr("request.shop_id")));

  // The whole-log report is not for a shop-limited auditor.
  v1::VerifyDecisionLogResponse report;
  EXPECT_THAT(stub_->VerifyDecisionLog(As(kAuditorAToken).get(), {}, &report),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("limited to some shops")));
}

TEST_F(AccessControlTest, RefusedCallsAreLoggedWithoutTheRequest) {
  grpc::Status status;
  v1::RefundRequest request = ForShop("secret-case", "shop-b");
  request.mutable_buyer()->set_buyer_id("buyer-4711-private");
  DecideAs(kOmsAToken, request, &status);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(CallMethod("", "ListDecisions").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_EQ(CallMethod(kAgentAToken, "ReloadPolicies").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const std::string log = AccessLog();
  EXPECT_THAT(log,
              HasSubstr("refused call=/refund.v1.RefundDecisionService/Decide "
                        "code=PERMISSION_DENIED principal=\"oms-a\" peer="));
  EXPECT_THAT(log, HasSubstr("reason=\"request.shop_id: principal "
                             "\\\"oms-a\\\" may not act for shop "
                             "\\\"shop-b\\\"\" refused_total=1"));
  EXPECT_THAT(log,
              HasSubstr("refused call=/refund.v1.RefundDecisionService/"
                        "ListDecisions code=UNAUTHENTICATED principal=\"\""));
  EXPECT_THAT(log, HasSubstr("principal=\"agent-a\""));
  EXPECT_THAT(log, HasSubstr("refused_total=3"));
  EXPECT_THAT(log, Not(HasSubstr("buyer-4711-private")));
  EXPECT_THAT(log, Not(HasSubstr("secret-case")));
}

TEST_F(AccessControlTest, SighupReloadsThePolicyAndKeepsTheLastGoodOne) {
  EXPECT_EQ(CallMethod(kAddedLaterToken, "GetPolicyBundle").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  std::ofstream(PolicyPath())
      << AccessPolicyText()
      << Principal("added-later", "ROLE_OPERATOR", "", kAddedLaterToken);
  ASSERT_TRUE(server_->Signal(SIGHUP).ok());
  grpc::Status status;
  for (int i = 0; i < 100; ++i) {
    status = CallMethod(kAddedLaterToken, "GetPolicyBundle");
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();

  // A policy that does not load changes nothing.
  std::ofstream(PolicyPath()) << "principals { name: \"broken\" ";
  ASSERT_TRUE(server_->Signal(SIGHUP).ok());
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_TRUE(CallMethod(kAddedLaterToken, "GetPolicyBundle").ok());
  EXPECT_TRUE(CallMethod(kOperatorToken, "GetPolicyBundle").ok());
}

TEST(AccessPolicyStartupTest, AServerWithABrokenPolicyDoesNotStart) {
  refund::testing::TempDir dir;
  dir.Write("access.textproto",
            "principals {\n  name: \"x\"\n  roles: ROLE_OMS\n  token_sha256: "
            "\"abc\"\n}\n");
  dir.Write("policies/bundle.textproto", kBundleFile);
  dir.Write("policies/rules/rules.textproto", kRulesFile);
  ServerProcessOptions options;
  options.extra_args = {
      absl::StrCat("--access_policy=", dir.path(), "/access.textproto")};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      StartRefundServer(absl::StrCat(dir.path(), "/policies"),
                        absl::StrCat(dir.path(), "/decisions.db"), options);
  EXPECT_THAT(server.status().message(), HasSubstr("exited before listening"));
  // Refused before anything was created.
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/decisions.db"));
}

}  // namespace
}  // namespace refund::e2e
