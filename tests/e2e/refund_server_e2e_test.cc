// End-to-end: the real refund-server binary, a real SQLite file, the gRPC
// client stub. One fixture runs on a small bundle written by the test (so
// that these tests do not depend on the shipped rules); another runs the
// scenario families on the shipped policies/.
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/testing/server_process.h"

namespace refund::e2e {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Property;
using ::testing::SizeIs;

MATCHER_P2(GrpcStatusIs, code, message_matcher, "") {
  const grpc::Status& status = arg;
  if (status.error_code() != code) {
    *result_listener << "status is " << status.error_code() << ": "
                     << status.error_message();
    return false;
  }
  return ::testing::ExplainMatchResult(message_matcher, status.error_message(),
                                       result_listener);
}

// The small bundle: a seven-day rule, an evidence-demanding rule, a fallback.
constexpr char kBundleFile[] = R"pb(
  name: "e2e-small"
  fallback {
    verdict: VERDICT_NEGOTIATE
    actions: "ESCALATE_TO_OWNER"
    explanation: "no rule matched; the shop owner decides"
  }
  actions {
    code: "SEND_RETURN_NOTICE"
    channel: CHANNEL_MESSAGE
    scripts { locale: "zh-CN" text: "请按退货地址寄回商品。" }
    scripts { locale: "en" text: "Please send the item back." }
  }
  actions {
    code: "COLLECT_EVIDENCE"
    channel: CHANNEL_INTERNAL
    scripts { locale: "zh-CN" text: "请补充证据。" }
    scripts { locale: "en" text: "Collect the missing evidence." }
  }
  actions {
    code: "ESCALATE_TO_OWNER"
    channel: CHANNEL_INTERNAL
    scripts { locale: "zh-CN" text: "请店主处理。" }
    scripts { locale: "en" text: "Escalate to the shop owner." }
  }
)pb";

constexpr char kRulesFile[] = R"pb(
  rules {
    id: "seven_day.no_reason"
    description: "Seven-day no-reason return inside the window (e2e bundle)"
    priority: 100
    when: "request.reason == REASON_NO_REASON && within_days_of_signing(7)"
    verdict: VERDICT_APPROVE
    actions: "SEND_RETURN_NOTICE"
  }
  rules {
    id: "empty_parcel.reject"
    description: "Returned parcel was empty (e2e bundle)"
    priority: 200
    when: "request.inspection.empty_package"
    verdict: VERDICT_REJECT
    evidence {
      kind: EVIDENCE_KIND_UNBOXING_VIDEO
      reason: "the unboxing video shows the empty parcel"
    }
  }
)pb";

// A broken rules file: line 5 names a field the request does not have.
constexpr char kBrokenRulesFile[] =
    R"pb(rules {
           id: "broken.rule"
           description: "refers to a field that does not exist"
           priority: 1
           when: "request.no_such_field == 1"
           verdict: VERDICT_APPROVE
         }
    )pb";

google::protobuf::Timestamp At(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  return timestamp;
}

// 2026-03-10 10:00 in Shanghai.
absl::Time EvaluatedAt() {
  return absl::FromCivil(absl::CivilSecond(2026, 3, 10, 10, 0, 0),
                         absl::FixedTimeZone(8 * 3600));
}

v1::Money Fen(int64_t minor_units) {
  v1::Money money;
  money.set_currency("CNY");
  money.set_minor_units(minor_units);
  return money;
}

// A delivered order, a seven-day no-reason return applied for three days
// after delivery.
v1::RefundRequest SevenDayReturn(const std::string& request_id) {
  const absl::Time now = EvaluatedAt();
  v1::RefundRequest request;
  request.set_request_id(request_id);
  request.set_refund_id(absl::StrCat("refund-", request_id));
  request.set_shop_id("shop-1");
  request.set_platform(v1::PLATFORM_DOUYIN);
  request.set_type(v1::REQUEST_TYPE_RETURN_AND_REFUND);
  request.set_reason(v1::REASON_NO_REASON);
  *request.mutable_requested_amount() = Fen(12900);
  v1::Order* order = request.mutable_order();
  order->set_order_id(absl::StrCat("order-", request_id));
  v1::LineItem* item = order->add_items();
  item->set_sku("SKU-SHIRT");
  item->set_title("T-shirt");
  item->set_category("apparel");
  item->set_quantity(1);
  *item->mutable_unit_price() = Fen(12900);
  *order->mutable_paid_amount() = Fen(12900);
  *order->mutable_paid_at() = At(now - absl::Hours(24 * 7));
  *order->mutable_shipped_at() = At(now - absl::Hours(24 * 6));
  *order->mutable_delivered_at() = At(now - absl::Hours(24 * 3));
  *request.mutable_applied_at() = At(now - absl::Hours(1));
  *request.mutable_requested_at() = At(now);
  return request;
}

v1::DecideRequest Decide(const v1::RefundRequest& request) {
  v1::DecideRequest decide;
  *decide.mutable_request() = request;
  return decide;
}

bool IsLowerHex(const std::string& text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool HasAction(const v1::Decision& decision, const std::string& code) {
  for (const v1::SuggestedAction& action : decision.actions()) {
    if (action.code() == code) return true;
  }
  return false;
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "refund_e2e_XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class ServerTestBase : public ::testing::Test {
 protected:
  // Starts the server on `policies` and the fixture's database.
  void StartServer(const std::filesystem::path& policies) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(REFUND_SERVER_BINARY, policies.string(),
                             db_path().string());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }

  void StopServer() {
    if (server_ == nullptr) return;
    // An idle synchronous client does not poll its connection, so the
    // server's graceful GOAWAY would wait seconds for it; close it first.
    stub_.reset();
    absl::StatusOr<int> exit_code = server_->Stop();
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    if (exit_code.ok()) {
      EXPECT_EQ(*exit_code, 0);
    }
    server_.reset();
  }

  void TearDown() override { StopServer(); }

  std::filesystem::path db_path() const {
    return dir_.path() / "data" / "decisions.db";
  }

  grpc::Status Call(const v1::DecideRequest& request, v1::Decision* decision) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return stub_->Decide(&context, request, decision);
  }

  v1::Decision DecideOk(const v1::RefundRequest& request) {
    v1::Decision decision;
    grpc::Status status = Call(Decide(request), &decision);
    EXPECT_TRUE(status.ok())
        << status.error_code() << ": " << status.error_message();
    return decision;
  }

  v1::PolicyBundleInfo ActiveBundle() {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    grpc::Status status =
        stub_->GetPolicyBundle(&context, v1::GetPolicyBundleRequest(), &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::RefundDecisionService::Stub> stub_;
};

class SmallBundleTest : public ServerTestBase {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    policies_ = dir_.path() / "policies";
    WriteFile(policies_ / "bundle.textproto", kBundleFile);
    WriteFile(policies_ / "rules" / "rules.textproto", kRulesFile);
    StartServer(policies_);
  }

  std::filesystem::path policies_;
};

TEST_F(SmallBundleTest, HealthIsServing) {
  absl::StatusOr<int> health = CheckHealth(server_->channel());
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, 1);  // SERVING
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

TEST_F(SmallBundleTest, GetDecisionReturnsStoredDecision) {
  const v1::Decision decided = DecideOk(SevenDayReturn("r-get"));
  {
    grpc::ClientContext context;
    v1::GetDecisionRequest request;
    request.set_decision_id(decided.decision_id());
    v1::Decision got;
    ASSERT_TRUE(stub_->GetDecision(&context, request, &got).ok());
    EXPECT_EQ(got.SerializeAsString(), decided.SerializeAsString());
  }
  {
    grpc::ClientContext context;
    v1::GetDecisionRequest request;
    request.set_decision_id("0123");
    v1::Decision got;
    EXPECT_THAT(stub_->GetDecision(&context, request, &got),
                GrpcStatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("0123")));
  }
  {
    grpc::ClientContext context;
    v1::Decision got;
    EXPECT_THAT(stub_->GetDecision(&context, v1::GetDecisionRequest(), &got),
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

TEST_F(SmallBundleTest, GetPolicyBundleDescribesActiveBundle) {
  const v1::PolicyBundleInfo info = ActiveBundle();
  EXPECT_EQ(info.bundle_name(), "e2e-small");
  EXPECT_EQ(info.version(), server_->version());
  EXPECT_THAT(info.rules(),
              Contains(Property(&v1::RuleSummary::id, "seven_day.no_reason")));
  EXPECT_GT(info.loaded_at().seconds(), 0);
  EXPECT_EQ(info.source(), policies_.string());
}

TEST_F(SmallBundleTest, ValidatePolicyBundleReportsIssuesAndNeverActivates) {
  v1::ValidatePolicyBundleRequest request;
  v1::SourceFile* bundle = request.mutable_candidate()->add_files();
  bundle->set_path("bundle.textproto");
  bundle->set_content(kBundleFile);
  v1::SourceFile* rules = request.mutable_candidate()->add_files();
  rules->set_path("rules/broken.textproto");
  rules->set_content(kBrokenRulesFile);
  {
    grpc::ClientContext context;
    v1::ValidatePolicyBundleResponse response;
    ASSERT_TRUE(stub_->ValidatePolicyBundle(&context, request, &response).ok());
    EXPECT_FALSE(response.valid());
    EXPECT_THAT(
        response.issues(),
        Contains(AllOf(
            Property(&v1::PolicyIssue::file, "rules/broken.textproto"),
            Property(&v1::PolicyIssue::line, 5),
            Property(&v1::PolicyIssue::column, ::testing::Gt(0)),
            Property(&v1::PolicyIssue::message, HasSubstr("no_such_field")))));
  }
  // A valid candidate from a server-side directory.
  v1::ValidatePolicyBundleRequest by_directory;
  by_directory.mutable_candidate()->set_directory(policies_.string());
  grpc::ClientContext context;
  v1::ValidatePolicyBundleResponse response;
  ASSERT_TRUE(
      stub_->ValidatePolicyBundle(&context, by_directory, &response).ok());
  EXPECT_TRUE(response.valid());
  EXPECT_EQ(response.version(), server_->version());
  EXPECT_EQ(response.rule_count(), 2);
  EXPECT_EQ(ActiveBundle().version(), server_->version());
}

TEST_F(SmallBundleTest, BrokenReloadKeepsOldBundleAndSighupLoadsFixedOne) {
  WriteFile(policies_ / "rules" / "broken.textproto", kBrokenRulesFile);
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    EXPECT_THAT(
        stub_->ReloadPolicies(&context, v1::ReloadPoliciesRequest(), &info),
        GrpcStatusIs(grpc::StatusCode::FAILED_PRECONDITION,
                     AllOf(HasSubstr("rules/broken.textproto:5:"),
                           HasSubstr("no_such_field"))));
  }
  EXPECT_EQ(ActiveBundle().version(), server_->version());
  EXPECT_EQ(DecideOk(SevenDayReturn("r-after-broken")).policy().version(),
            server_->version());

  // Fixed: the broken file is gone and a rule changed, so the version moves.
  std::filesystem::remove(policies_ / "rules" / "broken.textproto");
  std::string changed = kRulesFile;
  changed.replace(changed.find("priority: 100"), 13, "priority: 150");
  WriteFile(policies_ / "rules" / "rules.textproto", changed);
  ASSERT_TRUE(server_->Signal(SIGHUP).ok());
  std::string version = server_->version();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (version == server_->version() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    version = ActiveBundle().version();
  }
  EXPECT_NE(version, server_->version());
  EXPECT_EQ(DecideOk(SevenDayReturn("r-after-fix")).policy().version(),
            version);
}

TEST_F(SmallBundleTest, SuggestionsForStoredDecisionsUseTheirOwnBundle) {
  const v1::Decision decided = DecideOk(SevenDayReturn("r-suggest-old"));
  // The shop rewrites its English script and reloads.
  std::string rewritten = kBundleFile;
  rewritten.replace(rewritten.find("Please send the item back."), 26,
                    "Send it back within 7 days.");
  WriteFile(policies_ / "bundle.textproto", rewritten);
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    ASSERT_TRUE(
        stub_->ReloadPolicies(&context, v1::ReloadPoliciesRequest(), &info)
            .ok());
    ASSERT_NE(info.version(), decided.policy().version());
  }

  // The stored decision is shown in English as its own bundle wrote it.
  v1::SuggestActionsRequest stored;
  stored.set_decision_id(decided.decision_id());
  stored.set_locale("en");
  v1::SuggestActionsResponse old_view;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->SuggestActions(&context, stored, &old_view).ok());
  }
  ASSERT_EQ(old_view.actions_size(), 1);
  EXPECT_EQ(old_view.actions(0).script(), "Please send the item back.");
  EXPECT_EQ(old_view.policy().version(), decided.policy().version());

  // A dry run today uses the active bundle.
  v1::SuggestActionsRequest dry_run;
  *dry_run.mutable_request() = SevenDayReturn("r-suggest-new");
  dry_run.set_locale("en");
  v1::SuggestActionsResponse new_view;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->SuggestActions(&context, dry_run, &new_view).ok());
  }
  ASSERT_EQ(new_view.actions_size(), 1);
  EXPECT_EQ(new_view.actions(0).script(), "Send it back within 7 days.");
}

TEST_F(SmallBundleTest, RestartOnSameDatabaseServesOldDecisionsIdentically) {
  const v1::RefundRequest request = SevenDayReturn("r-restart");
  const v1::Decision decided = DecideOk(request);
  StopServer();
  StartServer(policies_);

  grpc::ClientContext context;
  v1::GetDecisionRequest get;
  get.set_decision_id(decided.decision_id());
  v1::Decision got;
  ASSERT_TRUE(stub_->GetDecision(&context, get, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), decided.SerializeAsString());
  // Idempotency survives the restart.
  EXPECT_EQ(DecideOk(request).decision_id(), decided.decision_id());
}

TEST(ServerStartupTest, RefusesBrokenBundleAtStartup) {
  TempDir dir;
  WriteFile(dir.path() / "policies" / "bundle.textproto", kBundleFile);
  WriteFile(dir.path() / "policies" / "rules" / "broken.textproto",
            kBrokenRulesFile);
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
      REFUND_SERVER_BINARY, (dir.path() / "policies").string(),
      (dir.path() / "decisions.db").string());
  EXPECT_THAT(server.status().message(), HasSubstr("exited before listening"));
}

TEST(ServerStartupTest, MemoryLogServesAndVerifiesWithoutAFile) {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
      REFUND_SERVER_BINARY, REFUND_POLICIES_DIR, "memory:");
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->NewStub();
  v1::DecideRequest request;
  *request.mutable_request() = SevenDayReturn("memory-1");
  v1::Decision decision;
  grpc::ClientContext decide_context;
  ASSERT_TRUE(stub->Decide(&decide_context, request, &decision).ok());
  v1::GetDecisionRequest get;
  get.set_decision_id(decision.decision_id());
  v1::Decision stored;
  grpc::ClientContext get_context;
  ASSERT_TRUE(stub->GetDecision(&get_context, get, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), decision.SerializeAsString());
  v1::VerifyDecisionLogResponse report;
  grpc::ClientContext verify_context;
  ASSERT_TRUE(stub->VerifyDecisionLog(&verify_context,
                                      v1::VerifyDecisionLogRequest(), &report)
                  .ok());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.rows_checked(), 1);
  EXPECT_FALSE(std::filesystem::exists("memory:"));
}

// An inspected return missing its gift: NEGOTIATE, ¥129.00 less the ¥15.00
// gift.
v1::RefundRequest ReturnWithoutGift(const std::string& request_id) {
  v1::RefundRequest request = SevenDayReturn(request_id);
  v1::LineItem* gift = request.mutable_order()->add_items();
  gift->set_sku("SKU-GIFT");
  gift->set_title("gift mug");
  gift->set_quantity(1);
  gift->set_is_gift(true);
  *gift->mutable_unit_price() = Fen(0);
  *gift->mutable_gift_value() = Fen(1500);
  v1::ReturnShipment* shipment = request.mutable_return_shipment();
  shipment->set_tracking_number("SF456");
  *shipment->mutable_shipped_at() = At(EvaluatedAt() - absl::Hours(48));
  *shipment->mutable_received_at() = At(EvaluatedAt() - absl::Hours(2));
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->set_inspected(true);
  v1::ReceivedItem* received = inspection->add_received_items();
  received->set_sku("SKU-SHIRT");
  received->set_quantity(1);
  return request;
}

// The scenario families of the shipped bundle (policies/).
class ShippedPoliciesTest : public ServerTestBase {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    bool has_bundle = false;
    if (std::filesystem::is_directory(REFUND_POLICIES_DIR)) {
      for (const auto& entry :
           std::filesystem::recursive_directory_iterator(REFUND_POLICIES_DIR)) {
        if (entry.path().extension() == ".textproto") has_bundle = true;
      }
    }
    if (!has_bundle) GTEST_SKIP() << "no bundle in " << REFUND_POLICIES_DIR;
    StartServer(REFUND_POLICIES_DIR);
  }
};

TEST_F(ShippedPoliciesTest, SevenDayReturnInsideWindowIsApproved) {
  const v1::Decision decision = DecideOk(SevenDayReturn("s-seven-day"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_APPROVE);
}

TEST_F(ShippedPoliciesTest, EmptyParcelWithoutEvidenceCollectsEvidence) {
  v1::RefundRequest request = SevenDayReturn("s-empty-parcel");
  request.set_reason(v1::REASON_OTHER);
  v1::ReturnShipment* shipment = request.mutable_return_shipment();
  shipment->set_tracking_number("SF123");
  *shipment->mutable_shipped_at() = At(EvaluatedAt() - absl::Hours(48));
  *shipment->mutable_received_at() = At(EvaluatedAt() - absl::Hours(2));
  request.mutable_inspection()->set_inspected(true);
  request.mutable_inspection()->set_empty_package(true);
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_TRUE(HasAction(decision, "COLLECT_EVIDENCE"));
}

TEST_F(ShippedPoliciesTest, UnreturnedGiftIsDeductedFromRefund) {
  const v1::Decision decision = DecideOk(ReturnWithoutGift("s-gift"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_EQ(decision.refund_amount().minor_units(), 12900 - 1500);
}

TEST_F(ShippedPoliciesTest, WrongItemReturnedIsNegotiated) {
  v1::RefundRequest request = SevenDayReturn("s-wrong-item");
  v1::ReturnShipment* shipment = request.mutable_return_shipment();
  shipment->set_tracking_number("SF789");
  *shipment->mutable_shipped_at() = At(EvaluatedAt() - absl::Hours(48));
  *shipment->mutable_received_at() = At(EvaluatedAt() - absl::Hours(2));
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->set_inspected(true);
  v1::ReceivedItem* received = inspection->add_received_items();
  received->set_sku("SKU-SOMETHING-ELSE");
  received->set_quantity(1);
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
}

TEST_F(ShippedPoliciesTest, ResaleDamageByBuyerIsNegotiatedNotRefused) {
  v1::RefundRequest request = SevenDayReturn("s-resale");
  v1::ReturnShipment* shipment = request.mutable_return_shipment();
  shipment->set_tracking_number("SF321");
  *shipment->mutable_shipped_at() = At(EvaluatedAt() - absl::Hours(48));
  *shipment->mutable_received_at() = At(EvaluatedAt() - absl::Hours(2));
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->set_inspected(true);
  inspection->add_resale_defects(v1::RESALE_DEFECT_TAGS_REMOVED);
  inspection->set_damage_cause(v1::DAMAGE_CAUSE_BUYER);
  v1::ReceivedItem* received = inspection->add_received_items();
  received->set_sku("SKU-SHIRT");
  received->set_quantity(1);
  // Even with the evidence in hand the seed says: do not refuse rashly.
  request.add_evidence(v1::EVIDENCE_KIND_WAYBILL_WITH_PRODUCT_PHOTO);
  request.add_evidence(v1::EVIDENCE_KIND_UNBOXING_VIDEO);
  const v1::Decision decision = DecideOk(request);
  EXPECT_EQ(decision.verdict(), v1::VERDICT_NEGOTIATE);
  ASSERT_GT(decision.actions_size(), 0);
  EXPECT_EQ(decision.actions(0).code(), "CONTACT_BY_MESSAGE_FIRST");
  EXPECT_TRUE(HasAction(decision, "OFFER_PARTIAL_REFUND"));
  EXPECT_LT(decision.refund_amount().minor_units(), 12900);
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

// --- SuggestActions: what an agent console shows ---------------------------

std::vector<std::string> ActionCodes(
    const google::protobuf::RepeatedPtrField<v1::SuggestedAction>& actions) {
  std::vector<std::string> codes;
  for (const v1::SuggestedAction& action : actions) {
    codes.push_back(action.code());
  }
  return codes;
}

std::vector<std::string> ForbiddenCodes(
    const v1::SuggestActionsResponse& response) {
  std::vector<std::string> codes;
  for (const v1::ForbiddenAction& forbidden : response.forbidden()) {
    codes.push_back(forbidden.code());
  }
  return codes;
}

class SuggestActionsTest : public ShippedPoliciesTest {
 protected:
  grpc::Status Suggest(const v1::SuggestActionsRequest& request,
                       v1::SuggestActionsResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return stub_->SuggestActions(&context, request, response);
  }

  v1::SuggestActionsResponse SuggestOk(
      const v1::SuggestActionsRequest& request) {
    v1::SuggestActionsResponse response;
    grpc::Status status = Suggest(request, &response);
    EXPECT_TRUE(status.ok())
        << status.error_code() << ": " << status.error_message();
    return response;
  }

  int StoredForShop(const std::string& shop_id) {
    v1::ListDecisionsRequest list;
    list.set_shop_id(shop_id);
    grpc::ClientContext context;
    v1::ListDecisionsResponse page;
    grpc::Status status = stub_->ListDecisions(&context, list, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return page.decisions_size();
  }
};

TEST_F(SuggestActionsTest, StoredDecisionInItsOwnLocaleIsTheStoredDecision) {
  const v1::Decision decision = DecideOk(ReturnWithoutGift("sa-stored"));
  v1::SuggestActionsRequest request;
  request.set_decision_id(decision.decision_id());
  const v1::SuggestActionsResponse response = SuggestOk(request);

  EXPECT_FALSE(response.dry_run());
  EXPECT_EQ(response.decision_id(), decision.decision_id());
  EXPECT_EQ(response.locale(), "zh-CN");
  EXPECT_FALSE(response.locale_fallback());
  EXPECT_EQ(response.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_EQ(response.refund_amount().minor_units(), 12900 - 1500);
  EXPECT_EQ(response.time_zone(), "Asia/Shanghai");
  EXPECT_EQ(response.policy().version(), decision.policy().version());
  ASSERT_EQ(response.actions_size(), decision.actions_size());
  for (int i = 0; i < decision.actions_size(); ++i) {
    EXPECT_EQ(response.actions(i).SerializeAsString(),
              decision.actions(i).SerializeAsString());
  }
  // CONTACT_BY_MESSAGE_FIRST leads every NEGOTIATE (SCENARIOS 6.3).
  ASSERT_GT(response.actions_size(), 0);
  EXPECT_EQ(response.actions(0).code(), "CONTACT_BY_MESSAGE_FIRST");
  EXPECT_THAT(
      ForbiddenCodes(response),
      ::testing::IsSupersetOf({"PHONE_AT_NIGHT", "REPEATED_CALLS_AFTER_REFUSAL",
                               "PROMISE_REVIEW_CASHBACK"}));
  EXPECT_GT(response.risks_size(), 0);
}

TEST_F(SuggestActionsTest, ScriptsRenderInTheAgentsLocaleWithTheCaseValues) {
  const v1::Decision decision = DecideOk(ReturnWithoutGift("sa-english"));
  v1::SuggestActionsRequest request;
  request.set_decision_id(decision.decision_id());
  request.set_locale("en");
  const v1::SuggestActionsResponse english = SuggestOk(request);
  request.set_locale("zh-CN");
  const v1::SuggestActionsResponse chinese = SuggestOk(request);

  EXPECT_EQ(english.locale(), "en");
  EXPECT_FALSE(english.locale_fallback());
  // The same case, only the language differs.
  EXPECT_EQ(ActionCodes(english.actions()), ActionCodes(decision.actions()));
  EXPECT_EQ(ActionCodes(chinese.actions()), ActionCodes(decision.actions()));
  EXPECT_EQ(english.verdict(), decision.verdict());
  bool found_offer = false;
  for (int i = 0; i < english.actions_size(); ++i) {
    const std::string& en = english.actions(i).script();
    const std::string& zh = chinese.actions(i).script();
    EXPECT_NE(en, zh) << english.actions(i).code();
    EXPECT_THAT(zh, HasSubstr("亲")) << english.actions(i).code();
    EXPECT_THAT(en, Not(HasSubstr("{{")));
    EXPECT_THAT(en, Not(HasSubstr("12900")));
    if (english.actions(i).code() == "OFFER_PARTIAL_REFUND") {
      found_offer = true;
      // Amounts in yuan, as the buyer reads them.
      EXPECT_THAT(en, HasSubstr("¥114.00"));
      EXPECT_THAT(en, HasSubstr("¥129.00"));
      EXPECT_THAT(zh, HasSubstr("¥114.00"));
    }
    if (english.actions(i).code() == "CONTACT_BY_MESSAGE_FIRST") {
      EXPECT_THAT(en, HasSubstr("order-sa-english"));
      // respond_by = requested_at (10:00 local) + 24 h, in local time.
      EXPECT_THAT(en, HasSubstr("2026-03-11 10:00"));
    }
  }
  EXPECT_TRUE(found_offer);
  // The stored decision is untouched by the English rendering.
  grpc::ClientContext context;
  v1::GetDecisionRequest get;
  get.set_decision_id(decision.decision_id());
  v1::Decision stored;
  ASSERT_TRUE(stub_->GetDecision(&context, get, &stored).ok());
  EXPECT_EQ(stored.SerializeAsString(), decision.SerializeAsString());
}

TEST_F(SuggestActionsTest, RegionalTagsMatchTheirLanguageUnknownOnesFallBack) {
  const v1::Decision decision = DecideOk(ReturnWithoutGift("sa-locales"));
  v1::SuggestActionsRequest request;
  request.set_decision_id(decision.decision_id());
  request.set_locale("en-US");
  const v1::SuggestActionsResponse regional = SuggestOk(request);
  EXPECT_EQ(regional.locale(), "en");
  EXPECT_FALSE(regional.locale_fallback());

  request.set_locale("fr-FR");
  const v1::SuggestActionsResponse unknown = SuggestOk(request);
  EXPECT_EQ(unknown.locale(), "zh-CN");
  EXPECT_TRUE(unknown.locale_fallback());
  EXPECT_EQ(ActionCodes(unknown.actions()), ActionCodes(decision.actions()));
}

TEST_F(SuggestActionsTest, DryRunDecidesWithoutStoring) {
  v1::RefundRequest refund = ReturnWithoutGift("sa-dry-run");
  refund.set_shop_id("shop-dry-run");
  v1::SuggestActionsRequest request;
  *request.mutable_request() = refund;
  request.set_locale("en");
  const v1::SuggestActionsResponse response = SuggestOk(request);
  EXPECT_TRUE(response.dry_run());
  EXPECT_TRUE(response.decision_id().empty());
  EXPECT_EQ(response.locale(), "en");
  EXPECT_EQ(response.verdict(), v1::VERDICT_NEGOTIATE);
  EXPECT_EQ(StoredForShop("shop-dry-run"), 0);

  // The request_id was not used up: deciding it for real stores it, with
  // the same outcome the dry run showed.
  const v1::Decision decision = DecideOk(refund);
  EXPECT_EQ(StoredForShop("shop-dry-run"), 1);
  EXPECT_EQ(ActionCodes(decision.actions()), ActionCodes(response.actions()));
  EXPECT_EQ(decision.refund_amount().minor_units(),
            response.refund_amount().minor_units());
}

TEST_F(SuggestActionsTest, MissingEvidenceIsWhatIsRequiredAndNotHeld) {
  v1::RefundRequest refund = SevenDayReturn("sa-evidence");
  refund.set_reason(v1::REASON_OTHER);
  v1::ReturnShipment* shipment = refund.mutable_return_shipment();
  shipment->set_tracking_number("SF123");
  *shipment->mutable_shipped_at() = At(EvaluatedAt() - absl::Hours(48));
  *shipment->mutable_received_at() = At(EvaluatedAt() - absl::Hours(2));
  refund.mutable_inspection()->set_inspected(true);
  refund.mutable_inspection()->set_empty_package(true);
  refund.add_evidence(v1::EVIDENCE_KIND_UNBOXING_VIDEO);
  v1::SuggestActionsRequest request;
  *request.mutable_request() = refund;
  const v1::SuggestActionsResponse response = SuggestOk(request);
  EXPECT_EQ(response.verdict(), v1::VERDICT_NEGOTIATE);
  std::vector<v1::EvidenceKind> missing;
  for (const v1::EvidenceRequirement& evidence : response.missing_evidence()) {
    EXPECT_FALSE(evidence.satisfied());
    missing.push_back(evidence.kind());
  }
  EXPECT_THAT(missing, Contains(v1::EVIDENCE_KIND_WAYBILL_WITH_PRODUCT_PHOTO));
  EXPECT_THAT(missing, Not(Contains(v1::EVIDENCE_KIND_UNBOXING_VIDEO)));
  EXPECT_THAT(ActionCodes(response.actions()), Contains("COLLECT_EVIDENCE"));
}

TEST_F(SuggestActionsTest, APhoneCallIsScheduledOutOfQuietHours) {
  // A case to negotiate with a buyer who cannot be reached, at 23:30 in
  // Shanghai: calls wait until 08:00 the next morning.
  const absl::TimeZone shanghai = absl::FixedTimeZone(8 * 3600);
  const absl::Time late =
      absl::FromCivil(absl::CivilSecond(2026, 3, 10, 23, 30, 0), shanghai);
  v1::RefundRequest refund = ReturnWithoutGift("sa-night");
  refund.mutable_flags()->set_buyer_unreachable(true);
  *refund.mutable_applied_at() = At(late - absl::Hours(1));
  *refund.mutable_requested_at() = At(late);
  v1::SuggestActionsRequest request;
  *request.mutable_request() = refund;
  v1::SuggestActionsResponse response = SuggestOk(request);
  ASSERT_GT(response.actions_size(), 0);
  EXPECT_EQ(response.actions(0).code(), "CONTACT_BY_MESSAGE_FIRST");
  int calls = 0;
  for (const v1::SuggestedAction& action : response.actions()) {
    if (action.channel() != v1::CHANNEL_PHONE) {
      EXPECT_FALSE(action.has_not_before()) << action.code();
      continue;
    }
    ++calls;
    EXPECT_EQ(action.not_before().seconds(),
              absl::ToUnixSeconds(absl::FromCivil(
                  absl::CivilSecond(2026, 3, 11, 8, 0, 0), shanghai)))
        << action.code();
  }
  EXPECT_GT(calls, 0);
  EXPECT_THAT(ForbiddenCodes(response), Contains("PHONE_AT_NIGHT"));

  // Urgent: the platform wants an answer by 01:30, which the messages meet;
  // the call is due when it may first be made, never before.
  refund.mutable_flags()->set_urgent(true);
  *request.mutable_request() = refund;
  response = SuggestOk(request);
  const int64_t morning = absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilSecond(2026, 3, 11, 8, 0, 0), shanghai));
  EXPECT_EQ(response.respond_by().seconds(),
            absl::ToUnixSeconds(late + absl::Hours(2)));
  for (const v1::SuggestedAction& action : response.actions()) {
    if (action.channel() == v1::CHANNEL_PHONE) {
      EXPECT_EQ(action.not_before().seconds(), morning) << action.code();
      EXPECT_EQ(action.due_by().seconds(), morning) << action.code();
    } else {
      EXPECT_EQ(action.due_by().seconds(), response.respond_by().seconds())
          << action.code();
    }
  }
  refund.mutable_flags()->set_urgent(false);

  // At 10:00 the call may be made at once.
  *refund.mutable_applied_at() = At(EvaluatedAt() - absl::Hours(1));
  *refund.mutable_requested_at() = At(EvaluatedAt());
  *request.mutable_request() = refund;
  response = SuggestOk(request);
  for (const v1::SuggestedAction& action : response.actions()) {
    if (action.channel() == v1::CHANNEL_PHONE) {
      EXPECT_EQ(action.not_before().seconds(),
                absl::ToUnixSeconds(EvaluatedAt()));
    }
  }
}

TEST_F(SuggestActionsTest, BadRequestsAreRefusedNamingTheField) {
  v1::SuggestActionsResponse response;
  EXPECT_THAT(Suggest(v1::SuggestActionsRequest(), &response),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           HasSubstr("decision_id")));
  v1::SuggestActionsRequest both;
  both.set_decision_id("d-1");
  *both.mutable_request() = SevenDayReturn("sa-both");
  EXPECT_THAT(
      Suggest(both, &response),
      GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("not both")));
  v1::SuggestActionsRequest unknown;
  unknown.set_decision_id("no-such-decision");
  EXPECT_EQ(Suggest(unknown, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::SuggestActionsRequest invalid;
  *invalid.mutable_request() = SevenDayReturn("sa-invalid");
  invalid.mutable_request()->clear_shop_id();
  EXPECT_THAT(Suggest(invalid, &response),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           HasSubstr("request.shop_id")));
}

}  // namespace
}  // namespace refund::e2e
