// End-to-end access control over mutual TLS (issue 14): principals named by
// their client certificates (made in the test with OpenSSL), each role on
// its RPCs, a shop-limited certificate reading another shop's decisions, a
// certificate from another CA, an unknown certificate, no certificate, a
// bearer token over TLS; and the server refusing to serve every caller off
// loopback without a policy.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "server/access/bearer_token.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/grpc_status_matcher.h"
#include "tests/e2e/shell_command.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/test_certificates.h"

namespace refund::e2e {
namespace {

using ::refund::testing::CertificateFiles;
using ::refund::testing::TestPki;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kAuditorToken[] = "tls-auditor-4e6a8c0e2b4d6f8a0c2e4b6d8f0a";

std::string CertificatePrincipal(const std::string& name,
                                 const std::string& role,
                                 const std::string& shops) {
  return absl::StrCat("principals {\n  name: \"", name, "\"\n  roles: ", role,
                      "\n  ", shops, "\n  certificate { uri_san: \"",
                      "spiffe://refund.test/", name, "\" }\n}\n");
}

v1::RefundRequest ForShop(const std::string& request_id,
                          const std::string& shop) {
  v1::RefundRequest request = SevenDayReturn(request_id);
  request.set_shop_id(shop);
  return request;
}

grpc::ClientContext* WithDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  return &context;
}

class TlsAccessTest : public ServerTestBase {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    dir_.Write("policies/bundle.textproto", kBundleFile);
    dir_.Write("policies/rules/rules.textproto", kRulesFile);
    absl::StatusOr<TestPki> pki = TestPki::Create(dir_.path() + "/pki");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_.emplace(*std::move(pki));
    absl::StatusOr<TestPki> other =
        TestPki::Create(dir_.path() + "/other", "other-ca");
    ASSERT_TRUE(other.ok()) << other.status();
    absl::StatusOr<CertificateFiles> server = pki_->IssueServer("server");
    ASSERT_TRUE(server.ok()) << server.status();
    for (const char* name : {"oms-a", "oms-all", "agent-a", "auditor",
                             "auditor-a", "ops", "nobody"}) {
      absl::StatusOr<CertificateFiles> client =
          pki_->IssueClient(name, absl::StrCat("spiffe://refund.test/", name));
      ASSERT_TRUE(client.ok()) << client.status();
      clients_[name] = *client;
    }
    // Another CA's certificate with a name the policy knows.
    absl::StatusOr<CertificateFiles> impostor =
        other->IssueClient("auditor", "spiffe://refund.test/auditor");
    ASSERT_TRUE(impostor.ok()) << impostor.status();
    impostor_ = *impostor;

    dir_.Write(
        "access.textproto",
        CertificatePrincipal("oms-a", "ROLE_OMS", "shops: \"shop-a\"") +
            CertificatePrincipal("oms-all", "ROLE_OMS", "all_shops: true") +
            CertificatePrincipal("agent-a", "ROLE_AGENT", "shops: \"shop-a\"") +
            CertificatePrincipal("auditor", "ROLE_AUDITOR", "all_shops: true") +
            CertificatePrincipal("auditor-a", "ROLE_AUDITOR",
                                 "shops: \"shop-a\"") +
            CertificatePrincipal("ops", "ROLE_OPERATOR", "") +
            absl::StrCat("principals { name: \"auditor-token\" roles: "
                         "ROLE_AUDITOR all_shops: true token_sha256: \"",
                         server::BearerTokenSha256Hex(kAuditorToken),
                         "\" }\n"));
    ServerProcessOptions options;
    options.extra_args = {
        "--tls_cert=" + server->cert, "--tls_key=" + server->key,
        "--tls_client_ca=" + pki_->ca_cert(), "--tls_client_auth=optional",
        "--access_policy=" + dir_.path() + "/access.textproto"};
    options.channel_credentials = Credentials(clients_["oms-all"]);
    StartServer(std::filesystem::path(dir_.path()) / "policies", options);
  }

  std::shared_ptr<grpc::ChannelCredentials> Credentials(
      const std::optional<CertificateFiles>& client) const {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadWholeFile(pki_->ca_cert());
    if (client.has_value()) {
      options.pem_private_key = ReadWholeFile(client->key);
      options.pem_cert_chain = ReadWholeFile(client->cert);
    }
    return grpc::SslCredentials(options);
  }

  // A stub on a connection of its own, with `client`'s certificate (none
  // when nullopt).
  std::unique_ptr<v1::RefundDecisionService::Stub> StubAs(
      const std::optional<CertificateFiles>& client) const {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return v1::RefundDecisionService::NewStub(grpc::CreateCustomChannel(
        server_->address(), Credentials(client), arguments));
  }

  std::string Decide(const std::string& client, const std::string& request_id,
                     const std::string& shop) {
    v1::Decision decision;
    grpc::ClientContext context;
    grpc::Status status =
        StubAs(clients_[client])
            ->Decide(WithDeadline(context),
                     e2e::Decide(ForShop(request_id, shop)), &decision);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return decision.decision_id();
  }

  std::optional<TestPki> pki_;
  mutable std::map<std::string, CertificateFiles> clients_;
  CertificateFiles impostor_;
};

TEST_F(TlsAccessTest, EachRolesCertificateCallsItsMethodsOnly) {
  const std::string decision_a = Decide("oms-a", "tls-a-1", "shop-a");

  v1::GetDecisionRequest get;
  get.set_decision_id(decision_a);
  for (const char* reader : {"oms-a", "agent-a", "auditor", "auditor-a"}) {
    grpc::ClientContext context;
    v1::Decision decision;
    EXPECT_TRUE(StubAs(clients_[reader])
                    ->GetDecision(WithDeadline(context), get, &decision)
                    .ok())
        << reader;
  }
  {
    grpc::ClientContext context;
    v1::Decision decision;
    EXPECT_THAT(StubAs(clients_["ops"])
                    ->GetDecision(WithDeadline(context), get, &decision),
                GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                             HasSubstr("principal \"ops\" (operator) may not "
                                       "call GetDecision")));
  }
  {
    grpc::ClientContext context;
    v1::ListDecisionsResponse listed;
    EXPECT_THAT(StubAs(clients_["oms-a"])
                    ->ListDecisions(WithDeadline(context), {}, &listed),
                GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                             HasSubstr("may not call ListDecisions")));
  }
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    EXPECT_TRUE(StubAs(clients_["ops"])
                    ->GetPolicyBundle(WithDeadline(context), {}, &info)
                    .ok());
  }
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    EXPECT_THAT(StubAs(clients_["auditor"])
                    ->ReloadPolicies(WithDeadline(context), {}, &info),
                GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                             HasSubstr("may not call ReloadPolicies")));
  }
  {
    grpc::ClientContext context;
    v1::SuggestActionsRequest suggest;
    suggest.set_decision_id(decision_a);
    v1::SuggestActionsResponse response;
    EXPECT_TRUE(StubAs(clients_["agent-a"])
                    ->SuggestActions(WithDeadline(context), suggest, &response)
                    .ok());
  }
}

TEST_F(TlsAccessTest, AShopLimitedCertificateNeverReadsAnotherShop) {
  const std::string decision_a = Decide("oms-all", "tls-a-2", "shop-a");
  const std::string decision_b = Decide("oms-all", "tls-b-2", "shop-b");

  v1::GetDecisionRequest get;
  get.set_decision_id(decision_b);
  for (const char* reader : {"oms-a", "agent-a", "auditor-a"}) {
    grpc::ClientContext context;
    v1::Decision decision;
    EXPECT_THAT(
        StubAs(clients_[reader])
            ->GetDecision(WithDeadline(context), get, &decision),
        GrpcStatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("not found")))
        << reader;
  }
  grpc::ClientContext context;
  v1::ListDecisionsResponse listed;
  ASSERT_TRUE(StubAs(clients_["auditor-a"])
                  ->ListDecisions(WithDeadline(context), {}, &listed)
                  .ok());
  ASSERT_THAT(listed.decisions(), SizeIs(1));
  EXPECT_EQ(listed.decisions(0).decision_id(), decision_a);

  grpc::ClientContext decide_context;
  v1::Decision decision;
  EXPECT_THAT(
      StubAs(clients_["oms-a"])
          ->Decide(WithDeadline(decide_context),
                   e2e::Decide(ForShop("tls-b-by-a", "shop-b")), &decision),
      GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                   HasSubstr("request.shop_id")));
}

TEST_F(TlsAccessTest, CallersWithoutAKnownCertificateAreRefused) {
  // No certificate (the listener's client auth is optional): no credentials.
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    EXPECT_THAT(
        StubAs(std::nullopt)->GetPolicyBundle(WithDeadline(context), {}, &info),
        GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED,
                     HasSubstr("no credentials")));
  }
  // A certificate of the CA that no principal names.
  {
    grpc::ClientContext context;
    v1::PolicyBundleInfo info;
    EXPECT_THAT(StubAs(clients_["nobody"])
                    ->GetPolicyBundle(WithDeadline(context), {}, &info),
                GrpcStatusIs(
                    grpc::StatusCode::UNAUTHENTICATED,
                    HasSubstr("(uri_san=spiffe://refund.test/nobody "
                              "common_name=nobody) is not a known principal")));
  }
  // Another CA's certificate, even with a known name: the handshake fails.
  {
    grpc::ClientContext context;
    v1::ListDecisionsResponse listed;
    EXPECT_EQ(StubAs(impostor_)
                  ->ListDecisions(WithDeadline(context), {}, &listed)
                  .error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  // A bearer token over TLS, without a certificate.
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", kAuditorToken));
    v1::ListDecisionsResponse listed;
    EXPECT_TRUE(StubAs(std::nullopt)
                    ->ListDecisions(WithDeadline(context), {}, &listed)
                    .ok());
  }
}

TEST(OpenListenerTest, OffLoopbackEveryCallerNeedsAPolicyAClientCaOrInsecure) {
  refund::testing::TempDir dir;
  dir.Write("policies/bundle.textproto", kBundleFile);
  dir.Write("policies/rules/rules.textproto", kRulesFile);
  absl::StatusOr<TestPki> pki = TestPki::Create(dir.path() + "/pki");
  ASSERT_TRUE(pki.ok()) << pki.status();
  absl::StatusOr<CertificateFiles> server = pki->IssueServer("server");
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string start =
      absl::StrCat("timeout 30 ", REFUND_SERVER_BINARY,
                   " --listen=0.0.0.0:0 --policies=", dir.path(),
                   "/policies --db=memory: --tls_cert=", server->cert,
                   " --tls_key=", server->key);
  const CommandResult refused = RunCommand(start);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.output,
            "refund-server: refusing to serve 0.0.0.0:0 to every caller: give "
            "--access_policy (or --tls_client_ca, so that only holders of its "
            "certificates connect), or --insecure\n");

  // With a policy (here: nobody) it serves.
  dir.Write("access.textproto", "");
  ServerProcessOptions options;
  options.extra_args = {"--listen=0.0.0.0:0", "--tls_cert=" + server->cert,
                        "--tls_key=" + server->key,
                        "--access_policy=" + dir.path() + "/access.textproto"};
  grpc::SslCredentialsOptions trust;
  trust.pem_root_certs = ReadWholeFile(pki->ca_cert());
  options.channel_credentials = grpc::SslCredentials(trust);
  absl::StatusOr<std::unique_ptr<ServerProcess>> served = StartRefundServer(
      dir.path() + "/policies", dir.path() + "/decisions.db", options);
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_TRUE((*served)->Stop().ok());
}

}  // namespace
}  // namespace refund::e2e
