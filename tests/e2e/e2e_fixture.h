// The fixtures of the end-to-end tests: the refund-server built with the
// tests, as a child process listening on a real port with its decision log in
// a fresh directory, and a generated client stub on it.
#ifndef TESTS_E2E_E2E_FIXTURE_H_
#define TESTS_E2E_E2E_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/testing/server_process.h"
#include "tests/testing/temp_dir.h"

namespace refund::e2e {

// Starts the refund-server built with the tests on the bundle in
// `policies_dir` and the decision log `db` (a store spec, e.g. "memory:"),
// with `options` (more flags, a descriptor limit).
absl::StatusOr<std::unique_ptr<ServerProcess>> StartRefundServer(
    const std::string& policies_dir, const std::string& db,
    const ServerProcessOptions& options = {});

// Calls `method` ("/refund.v1.RefundDecisionService/Decide") with `bytes`
// as they are (a GenericStub, 30-second deadline): for what the generated
// stub cannot send. When OK, the response's bytes into `response`.
grpc::Status CallWithBytes(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& method, const std::string& bytes,
                           std::string* response);

// Whether `decision` suggests the action `code`.
bool HasAction(const v1::Decision& decision, const std::string& code);

// A server and a stub on it; TearDown stops the server and expects a clean
// exit (code 0).
class ServerTestBase : public ::testing::Test {
 protected:
  // Starts the server on `policies` and the fixture's database.
  void StartServer(const std::filesystem::path& policies,
                   const ServerProcessOptions& options = {});
  void StopServer();
  // SIGKILLs the server (expecting it to die of it) and drops the stub; the
  // database is left as the crash left it, for StartServer to reopen.
  void KillServer();
  void TearDown() override;

  // data/decisions.db in the fixture's directory.
  std::filesystem::path db_path() const;

  // Decide, GetDecision and SuggestActions, each with a 30-second deadline.
  grpc::Status Call(const v1::DecideRequest& request, v1::Decision* decision);
  grpc::Status GetDecision(const std::string& decision_id,
                           v1::Decision* decision);
  grpc::Status Suggest(const v1::SuggestActionsRequest& request,
                       v1::SuggestActionsResponse* response);
  // The decision of `request`, expecting the call to succeed.
  v1::Decision DecideOk(const v1::RefundRequest& request);
  // GetPolicyBundle, expecting the call to succeed.
  v1::PolicyBundleInfo ActiveBundle();

  refund::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::RefundDecisionService::Stub> stub_;
};

// The server on the small bundle (tests/e2e/small_bundle.h), written to
// policies_ in the fixture's directory.
class SmallBundleTest : public ServerTestBase {
 protected:
  void SetUp() override;
  // What SetUp starts the server with (more flags, a descriptor limit).
  virtual ServerProcessOptions Options() const { return {}; }

  std::filesystem::path policies_;
};

// The server on the shipped bundle (REFUND_POLICIES_DIR); the test is skipped
// when there is none.
class ShippedPoliciesTest : public ServerTestBase {
 protected:
  void SetUp() override;
};

}  // namespace refund::e2e

#endif  // TESTS_E2E_E2E_FIXTURE_H_
