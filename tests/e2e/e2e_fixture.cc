#include "tests/e2e/e2e_fixture.h"

#include <signal.h>

#include <chrono>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "grpcpp/generic/generic_stub.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/small_bundle.h"

namespace refund::e2e {

absl::StatusOr<std::unique_ptr<ServerProcess>> StartRefundServer(
    const std::string& policies_dir, const std::string& db,
    const ServerProcessOptions& options) {
  return ServerProcess::Start(REFUND_SERVER_BINARY, policies_dir, db, options);
}

grpc::Status CallWithBytes(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& method, const std::string& bytes,
                           std::string* response) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &reply,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  response->clear();
  std::vector<grpc::Slice> slices;
  if (status.ok() && reply.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

bool HasAction(const v1::Decision& decision, const std::string& code) {
  for (const v1::SuggestedAction& action : decision.actions()) {
    if (action.code() == code) return true;
  }
  return false;
}

void ServerTestBase::StartServer(const std::filesystem::path& policies,
                                 const ServerProcessOptions& options) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      StartRefundServer(policies.string(), db_path().string(), options);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  stub_ = server_->NewStub();
}

void ServerTestBase::StopServer() {
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

void ServerTestBase::KillServer() {
  if (server_ == nullptr) return;
  stub_.reset();
  absl::StatusOr<int> signal_number = server_->Kill();
  EXPECT_TRUE(signal_number.ok()) << signal_number.status();
  if (signal_number.ok()) {
    EXPECT_EQ(*signal_number, SIGKILL);
  }
  server_.reset();
}

void ServerTestBase::TearDown() { StopServer(); }

std::filesystem::path ServerTestBase::db_path() const {
  return std::filesystem::path(dir_.path()) / "data" / "decisions.db";
}

namespace {

// A context whose call ends after 30 seconds.
void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
}

}  // namespace

grpc::Status ServerTestBase::Call(const v1::DecideRequest& request,
                                  v1::Decision* decision) {
  grpc::ClientContext context;
  SetDeadline(&context);
  return stub_->Decide(&context, request, decision);
}

grpc::Status ServerTestBase::GetDecision(const std::string& decision_id,
                                         v1::Decision* decision) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::GetDecisionRequest request;
  request.set_decision_id(decision_id);
  return stub_->GetDecision(&context, request, decision);
}

grpc::Status ServerTestBase::Suggest(const v1::SuggestActionsRequest& request,
                                     v1::SuggestActionsResponse* response) {
  grpc::ClientContext context;
  SetDeadline(&context);
  return stub_->SuggestActions(&context, request, response);
}

v1::Decision ServerTestBase::DecideOk(const v1::RefundRequest& request) {
  v1::Decision decision;
  grpc::Status status = Call(Decide(request), &decision);
  EXPECT_TRUE(status.ok()) << status.error_code() << ": "
                           << status.error_message();
  return decision;
}

v1::PolicyBundleInfo ServerTestBase::ActiveBundle() {
  grpc::ClientContext context;
  v1::PolicyBundleInfo info;
  grpc::Status status =
      stub_->GetPolicyBundle(&context, v1::GetPolicyBundleRequest(), &info);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return info;
}

void SmallBundleTest::SetUp() {
  ASSERT_FALSE(dir_.path().empty());
  policies_ = std::filesystem::path(dir_.path()) / "policies";
  dir_.Write("policies/bundle.textproto", kBundleFile);
  dir_.Write("policies/rules/rules.textproto", kRulesFile);
  StartServer(policies_, Options());
}

void ShippedPoliciesTest::SetUp() {
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

}  // namespace refund::e2e
