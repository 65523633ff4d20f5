// End-to-end policy administration: GetPolicyBundle, ValidatePolicyBundle,
// ReloadPolicies and the SIGHUP reload.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"
#include "tests/e2e/small_bundle.h"

namespace refund::e2e {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Property;

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
  // The same files, valid: the answer names the bundle it would be.
  rules->set_path("rules/rules.textproto");
  rules->set_content(kRulesFile);
  grpc::ClientContext context;
  v1::ValidatePolicyBundleResponse response;
  ASSERT_TRUE(stub_->ValidatePolicyBundle(&context, request, &response).ok());
  EXPECT_TRUE(response.valid());
  EXPECT_EQ(response.version(), server_->version());
  EXPECT_EQ(response.rule_count(), 2);
  EXPECT_EQ(ActiveBundle().version(), server_->version());
}

// Issue 20, finding 1: a candidate whose one rule nests exists() five deep
// over the line items (hours of CPU on one 500-line request) is refused when
// it is compiled, with the rule's place and its estimate, by
// ValidatePolicyBundle and by a candidate Replay alike; the server goes on.
TEST_F(SmallBundleTest, CandidateWhoseCostHasNoBoundIsRefusedWithItsEstimate) {
  std::string condition = "x5.is_gift";
  for (int i = 5; i >= 1; --i) {
    condition = "request.order.items.exists(x" + std::to_string(i) + ", " +
                condition + ")";
  }
  v1::PolicyBundleSource candidate;
  v1::SourceFile* bundle = candidate.add_files();
  bundle->set_path("bundle.textproto");
  bundle->set_content(kBundleFile);
  v1::SourceFile* rules = candidate.add_files();
  rules->set_path("rules/hostile.textproto");
  rules->set_content(
      "rules {\n"
      "  id: \"hostile.deep\"\n"
      "  description: \"five nested loops over the items\"\n"
      "  priority: 1\n"
      "  when: \"" +
      condition +
      "\"\n"
      "  verdict: VERDICT_APPROVE\n"
      "}\n");
  {
    v1::ValidatePolicyBundleRequest request;
    *request.mutable_candidate() = candidate;
    grpc::ClientContext context;
    v1::ValidatePolicyBundleResponse response;
    ASSERT_TRUE(stub_->ValidatePolicyBundle(&context, request, &response).ok());
    EXPECT_FALSE(response.valid());
    EXPECT_THAT(response.issues(),
                Contains(AllOf(
                    Property(&v1::PolicyIssue::file, "rules/hostile.textproto"),
                    Property(&v1::PolicyIssue::line, 5),
                    Property(&v1::PolicyIssue::message,
                             HasSubstr("condition costs up to")))));
  }
  DecideOk(SevenDayReturn("before-the-replay"));
  {
    v1::ReplayRequest request;
    request.set_mode(v1::REPLAY_MODE_CANDIDATE);
    *request.mutable_candidate() = candidate;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(60));
    auto reader = stub_->Replay(&context, request);
    v1::ReplayResult result;
    EXPECT_FALSE(reader->Read(&result));
    const grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("condition costs up to"));
  }
  DecideOk(SevenDayReturn("after-the-replay"));
}

// Started without --candidate_root, the server reads no client's directory,
// not even its own policies (candidate directories under a root:
// candidate_directory_e2e_test.cc).
TEST_F(SmallBundleTest, ServerWithoutCandidateRootRefusesDirectories) {
  constexpr char kRefused[] =
      "candidate.directory: this server takes no candidate directories "
      "(start it with --candidate_root)";
  for (const std::string& directory :
       {policies_.string(), std::string("policies"), std::string("/proc")}) {
    v1::ValidatePolicyBundleRequest by_directory;
    by_directory.mutable_candidate()->set_directory(directory);
    grpc::ClientContext context;
    v1::ValidatePolicyBundleResponse response;
    EXPECT_THAT(stub_->ValidatePolicyBundle(&context, by_directory, &response),
                GrpcStatusIs(grpc::StatusCode::FAILED_PRECONDITION, kRefused));
    EXPECT_EQ(response.issues_size(), 0);

    v1::ReplayRequest replay;
    replay.set_mode(v1::REPLAY_MODE_CANDIDATE);
    replay.mutable_candidate()->set_directory(directory);
    grpc::ClientContext replay_context;
    auto reader = stub_->Replay(&replay_context, replay);
    v1::ReplayResult result;
    EXPECT_FALSE(reader->Read(&result));
    EXPECT_THAT(reader->Finish(),
                GrpcStatusIs(grpc::StatusCode::FAILED_PRECONDITION, kRefused));
  }
}

TEST_F(SmallBundleTest, BrokenReloadKeepsOldBundleAndSighupLoadsFixedOne) {
  dir_.Write("policies/rules/broken.textproto", kBrokenRulesFile);
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
  dir_.Write("policies/rules/rules.textproto", changed);
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

}  // namespace
}  // namespace refund::e2e
