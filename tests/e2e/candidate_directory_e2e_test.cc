// End-to-end candidate directories (issue 20, finding 5): the server reads a
// client's `candidate.directory` (ValidatePolicyBundle, Replay) only as a
// relative path under --candidate_root, never echoes what it read from a
// file that is not policy, and answers every refusal with a status naming
// the field.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/temp_dir.h"

namespace refund::e2e {
namespace {

namespace fs = std::filesystem;

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "hunter2";

// The server on the small bundle with --candidate_root=<dir>/candidates,
// which holds the same bundle in `next/`.
class CandidateRootE2eTest : public ServerTestBase {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    dir_.Write("policies/bundle.textproto", kBundleFile);
    dir_.Write("policies/rules/rules.textproto", kRulesFile);
    dir_.Write("candidates/next/bundle.textproto", kBundleFile);
    dir_.Write("candidates/next/rules/rules.textproto", kRulesFile);
    // Outside the root: a policy bundle and a planted secret.
    dir_.Write("private/secret.textproto",
               std::string("password: ") + kSecret + "\n");
    root_ = fs::path(dir_.path()) / "candidates";
    StartServer(fs::path(dir_.path()) / "policies",
                {{"--candidate_root=" + root_.string()}});
  }

  grpc::Status Validate(const std::string& directory,
                        v1::ValidatePolicyBundleResponse* response) {
    v1::ValidatePolicyBundleRequest request;
    request.mutable_candidate()->set_directory(directory);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    return stub_->ValidatePolicyBundle(&context, request, response);
  }

  // The status of a candidate replay of `directory`; its results in
  // `results`.
  grpc::Status ReplayCandidate(const std::string& directory,
                               std::vector<v1::ReplayResult>* results) {
    v1::ReplayRequest request;
    request.set_mode(v1::REPLAY_MODE_CANDIDATE);
    request.mutable_candidate()->set_directory(directory);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    auto reader = stub_->Replay(&context, request);
    v1::ReplayResult result;
    while (reader->Read(&result)) results->push_back(result);
    return reader->Finish();
  }

  // Both RPCs refuse `directory` with `code` and `message`.
  void ExpectRefused(const std::string& directory, grpc::StatusCode code,
                     const std::string& message) {
    SCOPED_TRACE(directory);
    v1::ValidatePolicyBundleResponse response;
    EXPECT_THAT(Validate(directory, &response), GrpcStatusIs(code, message));
    EXPECT_EQ(response.issues_size(), 0);
    std::vector<v1::ReplayResult> results;
    EXPECT_THAT(ReplayCandidate(directory, &results),
                GrpcStatusIs(code, message));
    EXPECT_TRUE(results.empty());
  }

  fs::path root_;
};

TEST_F(CandidateRootE2eTest, GoodCandidateUnderTheRootValidatesAndReplays) {
  DecideOk(SevenDayReturn("r-candidate"));
  v1::ValidatePolicyBundleResponse response;
  ASSERT_TRUE(Validate("next", &response).ok());
  EXPECT_TRUE(response.valid());
  EXPECT_EQ(response.bundle_name(), "e2e-small");
  EXPECT_EQ(response.version(), server_->version());
  EXPECT_EQ(response.rule_count(), 2);

  std::vector<v1::ReplayResult> results;
  grpc::Status status = ReplayCandidate("next", &results);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results.back().summary().total(), 1);
  EXPECT_EQ(results.back().summary().changed(), 0);
  EXPECT_EQ(results.back().summary().candidate_version(), server_->version());
}

TEST_F(CandidateRootE2eTest, InlineFilesStillWork) {
  v1::ValidatePolicyBundleRequest request;
  v1::SourceFile* bundle = request.mutable_candidate()->add_files();
  bundle->set_path("bundle.textproto");
  bundle->set_content(kBundleFile);
  v1::SourceFile* rules = request.mutable_candidate()->add_files();
  rules->set_path("rules/rules.textproto");
  rules->set_content(kRulesFile);
  grpc::ClientContext context;
  v1::ValidatePolicyBundleResponse response;
  ASSERT_TRUE(stub_->ValidatePolicyBundle(&context, request, &response).ok());
  EXPECT_TRUE(response.valid());
  EXPECT_EQ(response.version(), server_->version());
}

TEST_F(CandidateRootE2eTest, AbsolutePathIsRefused) {
  for (const std::string& directory :
       {(root_ / "next").string(), std::string("/etc"), std::string("/proc"),
        (fs::path(dir_.path()) / "private").string()}) {
    ExpectRefused(directory, grpc::StatusCode::INVALID_ARGUMENT,
                  "candidate.directory: \"" + directory +
                      "\" is absolute; give a path relative to the "
                      "candidate root");
  }
}

TEST_F(CandidateRootE2eTest, ParentComponentIsRefused) {
  for (const std::string& directory :
       {std::string("../policies"), std::string("next/../../private"),
        std::string("..")}) {
    ExpectRefused(
        directory, grpc::StatusCode::INVALID_ARGUMENT,
        "candidate.directory: \"" + directory + "\" has a \"..\" component");
  }
}

// A link out of the root is refused in the same words as a path that does
// not exist: the answer does not tell whether a path outside exists.
TEST_F(CandidateRootE2eTest, SymlinkOutOfTheRootIsRefused) {
  fs::create_symlink(fs::path(dir_.path()) / "policies", root_ / "live");
  fs::create_symlink(fs::path(dir_.path()) / "private", root_ / "private");
  fs::create_symlink(fs::path(dir_.path()) / "no-such-dir", root_ / "gone");
  fs::create_symlink("/", root_ / "slash");
  for (const std::string& directory :
       {std::string("live"), std::string("private"), std::string("gone"),
        std::string("slash"), std::string("slash/etc"),
        std::string("missing")}) {
    ExpectRefused(directory, grpc::StatusCode::INVALID_ARGUMENT,
                  "candidate.directory: \"" + directory +
                      "\" is not a directory under the candidate root");
  }
  // A policy file linked out of the root, to the secret.
  fs::create_symlink(fs::path(dir_.path()) / "private" / "secret.textproto",
                     root_ / "next" / "secret.textproto");
  ExpectRefused("next", grpc::StatusCode::INVALID_ARGUMENT,
                "candidate.directory: \"next\": secret.textproto: a symbolic "
                "link that does not resolve to a regular file under the root");
}

// /proc and /dev ended in an exception that escaped to gRPC (UNIMPLEMENTED,
// empty message); FIFOs are never opened. The server keeps serving.
TEST_F(CandidateRootE2eTest, SpecialFilesAreRefusedWithoutCrashing) {
  fs::create_symlink("/proc", root_ / "proc");
  fs::create_symlink("/dev", root_ / "dev");
  ASSERT_EQ(mkfifo((root_ / "fifo").c_str(), 0600), 0);
  for (const std::string& directory :
       {std::string("proc"), std::string("proc/self"), std::string("dev"),
        std::string("fifo")}) {
    ExpectRefused(directory, grpc::StatusCode::INVALID_ARGUMENT,
                  "candidate.directory: \"" + directory +
                      "\" is not a directory under the candidate root");
  }
  dir_.Write("candidates/piped/bundle.textproto", kBundleFile);
  ASSERT_EQ(mkfifo((root_ / "piped" / "rules.textproto").c_str(), 0600), 0);
  ExpectRefused("piped", grpc::StatusCode::INVALID_ARGUMENT,
                "candidate.directory: \"piped\": rules.textproto: not a "
                "regular file (a FIFO)");
  EXPECT_EQ(ActiveBundle().version(), server_->version());
}

// A file under the root that is not policy (a planted secret) is reported
// by place, never by content.
TEST_F(CandidateRootE2eTest, PlantedSecretIsNotEchoed) {
  dir_.Write("candidates/next/secret.textproto",
             std::string("\n  password: ") + kSecret + "\n");
  v1::ValidatePolicyBundleResponse response;
  ASSERT_TRUE(Validate("next", &response).ok());
  EXPECT_FALSE(response.valid());
  ASSERT_EQ(response.issues_size(), 1);
  EXPECT_EQ(response.issues(0).file(), "secret.textproto");
  EXPECT_EQ(response.issues(0).line(), 2);
  EXPECT_GT(response.issues(0).column(), 0);
  EXPECT_EQ(response.issues(0).message(),
            "Message type \"refund.v1.PolicyBundle\" has no field by this "
            "name");
  EXPECT_THAT(response.DebugString(),
              AllOf(Not(HasSubstr(kSecret)), Not(HasSubstr("password"))));

  std::vector<v1::ReplayResult> results;
  EXPECT_THAT(
      ReplayCandidate("next", &results),
      GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                   AllOf(HasSubstr("secret.textproto:2:"),
                         Not(HasSubstr(kSecret)), Not(HasSubstr("password")))));

  // A bare token, as the first line of any text file would be.
  dir_.Write("candidates/next/secret.textproto", std::string(kSecret) + "\n");
  response.Clear();
  ASSERT_TRUE(Validate("next", &response).ok());
  EXPECT_FALSE(response.valid());
  EXPECT_THAT(response.DebugString(), Not(HasSubstr(kSecret)));
}

// A root that is not a directory stops the server at start, before it
// listens or opens its log.
TEST(CandidateRootStartupTest, RootThatIsNotADirectoryStopsTheServer) {
  refund::testing::TempDir dir;
  dir.Write("policies/bundle.textproto", kBundleFile);
  dir.Write("policies/rules/rules.textproto", kRulesFile);
  for (const std::string& root :
       {dir.path() + "/missing", dir.path() + "/policies/bundle.textproto"}) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = StartRefundServer(
        dir.path() + "/policies", dir.path() + "/data/decisions.db",
        {{"--candidate_root=" + root}});
    EXPECT_FALSE(server.ok()) << root;
    EXPECT_THAT(server.status().message(),
                HasSubstr("exited before listening"));
  }
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "data"));
}

}  // namespace
}  // namespace refund::e2e
