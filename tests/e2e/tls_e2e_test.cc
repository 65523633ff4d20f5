// TLS and mutual TLS on the real refund-server (issue "Secure by default"):
// certificates made in the test (tests/testing/test_certificates.h), the
// server as a child process, clients over gRPC and the refundctl binary.
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/shell_command.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/test_certificates.h"

namespace refund::e2e {
namespace {

using ::refund::testing::CertificateFiles;
using ::refund::testing::TestPki;
using ::testing::HasSubstr;

// TLS channel credentials trusting `ca`, with a client certificate when
// `client` is given (gRPC's own SslCredentials: a check independent of
// tools/client).
std::shared_ptr<grpc::ChannelCredentials> TlsTo(
    const std::string& ca, const std::optional<CertificateFiles>& client = {}) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadWholeFile(ca);
  if (client.has_value()) {
    options.pem_private_key = ReadWholeFile(client->key);
    options.pem_cert_chain = ReadWholeFile(client->cert);
  }
  return grpc::SslCredentials(options);
}

// GetPolicyBundle over a new connection of its own with `credentials`.
grpc::Status CallOnce(const std::string& address,
                      const std::shared_ptr<grpc::ChannelCredentials>& creds) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto stub = v1::RefundDecisionService::NewStub(
      grpc::CreateCustomChannel(address, creds, arguments));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::PolicyBundleInfo info;
  return stub->GetPolicyBundle(&context, v1::GetPolicyBundleRequest(), &info);
}

class TlsTest : public ServerTestBase {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    policies_ = std::filesystem::path(dir_.path()) / "policies";
    dir_.Write("policies/bundle.textproto", kBundleFile);
    dir_.Write("policies/rules/rules.textproto", kRulesFile);
    absl::StatusOr<TestPki> pki = TestPki::Create(dir_.path() + "/pki");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_.emplace(*std::move(pki));
    absl::StatusOr<TestPki> other =
        TestPki::Create(dir_.path() + "/other", "other-ca");
    ASSERT_TRUE(other.ok()) << other.status();
    other_.emplace(*std::move(other));
    absl::StatusOr<CertificateFiles> server = pki_->IssueServer("server");
    ASSERT_TRUE(server.ok()) << server.status();
    server_files_ = *server;
    absl::StatusOr<CertificateFiles> client =
        pki_->IssueClient("oms-shop-a", "spiffe://refund.test/oms-shop-a");
    ASSERT_TRUE(client.ok()) << client.status();
    client_files_ = *client;
    absl::StatusOr<CertificateFiles> stranger =
        other_->IssueClient("stranger", "spiffe://elsewhere.test/stranger");
    ASSERT_TRUE(stranger.ok()) << stranger.status();
    stranger_files_ = *stranger;
  }

  // The server with TLS flags (and `more`), its fixture channel a TLS one
  // with `client`'s certificate.
  void StartTlsServer(std::vector<std::string> more = {},
                      const std::optional<CertificateFiles>& client = {}) {
    ServerProcessOptions options;
    options.extra_args = {"--tls_cert=" + server_files_.cert,
                          "--tls_key=" + server_files_.key};
    options.extra_args.insert(options.extra_args.end(), more.begin(),
                              more.end());
    options.channel_credentials = TlsTo(pki_->ca_cert(), client);
    StartServer(policies_, options);
  }

  std::filesystem::path policies_;
  std::optional<TestPki> pki_;
  std::optional<TestPki> other_;
  CertificateFiles server_files_;
  CertificateFiles client_files_;
  CertificateFiles stranger_files_;
};

TEST_F(TlsTest, TlsServerAnswersAClientThatTrustsItsCa) {
  StartTlsServer();
  ASSERT_NE(server_, nullptr);
  EXPECT_EQ(server_->tls(), "tls");
  EXPECT_FALSE(ActiveBundle().version().empty());
  const v1::Decision decision = DecideOk(SevenDayReturn("r-tls"));
  EXPECT_EQ(decision.verdict(), v1::VERDICT_APPROVE);
  // Another CA's client does not trust the server.
  EXPECT_EQ(CallOnce(server_->address(), TlsTo(other_->ca_cert())).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, PlaintextClientToATlsPortFails) {
  StartTlsServer();
  ASSERT_NE(server_, nullptr);
  EXPECT_EQ(CallOnce(server_->address(), grpc::InsecureChannelCredentials())
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsRequiresACertificateFromTheClientCa) {
  StartTlsServer({"--tls_client_ca=" + pki_->ca_cert()}, client_files_);
  ASSERT_NE(server_, nullptr);
  EXPECT_EQ(server_->tls(), "mtls");
  EXPECT_FALSE(ActiveBundle().version().empty());
  EXPECT_EQ(CallOnce(server_->address(), TlsTo(pki_->ca_cert())).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a client without a certificate";
  EXPECT_EQ(
      CallOnce(server_->address(), TlsTo(pki_->ca_cert(), stranger_files_))
          .error_code(),
      grpc::StatusCode::UNAVAILABLE)
      << "a client certificate from another CA";
  const grpc::Status good =
      CallOnce(server_->address(), TlsTo(pki_->ca_cert(), client_files_));
  EXPECT_TRUE(good.ok()) << good.error_message();
}

TEST_F(TlsTest, OptionalClientAuthLetsAClientWithoutCertificateIn) {
  StartTlsServer(
      {"--tls_client_ca=" + pki_->ca_cert(), "--tls_client_auth=optional"});
  ASSERT_NE(server_, nullptr);
  EXPECT_EQ(server_->tls(), "mtls_optional");
  const grpc::Status without =
      CallOnce(server_->address(), TlsTo(pki_->ca_cert()));
  EXPECT_TRUE(without.ok()) << without.error_message();
  const grpc::Status with =
      CallOnce(server_->address(), TlsTo(pki_->ca_cert(), client_files_));
  EXPECT_TRUE(with.ok()) << with.error_message();
  // A certificate that is presented must verify.
  EXPECT_EQ(
      CallOnce(server_->address(), TlsTo(pki_->ca_cert(), stranger_files_))
          .error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, ANewCertificateIsServedWithoutARestart) {
  StartTlsServer({"--tls_refresh_interval=1s"});
  ASSERT_NE(server_, nullptr);
  // The server's certificate renewed by another CA: written beside, then
  // moved over the files the server reads (each rename is atomic; the
  // watcher keeps the old pair while key and certificate do not match).
  absl::StatusOr<CertificateFiles> renewed = other_->IssueServer("renewed");
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  std::filesystem::rename(renewed->key, server_files_.key);
  std::filesystem::rename(renewed->cert, server_files_.cert);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  grpc::Status status;
  do {
    absl::SleepFor(absl::Milliseconds(200));
    status = CallOnce(server_->address(), TlsTo(other_->ca_cert()));
  } while (!status.ok() && absl::Now() < deadline);
  EXPECT_TRUE(status.ok()) << "the renewed certificate was not served: "
                           << status.error_message();
  // New connections no longer get the old one.
  EXPECT_EQ(CallOnce(server_->address(), TlsTo(pki_->ca_cert())).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, PlaintextOnANonLoopbackAddressNeedsInsecure) {
  const CommandResult refused = RunCommand(absl::StrCat(
      "timeout 30 ", REFUND_SERVER_BINARY,
      " --listen=0.0.0.0:0 --policies=", policies_.string(), " --db=memory:"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.output,
            "refund-server: refusing to listen in plaintext on 0.0.0.0:0: "
            "give --tls_cert and --tls_key, or --insecure\n");

  ServerProcessOptions options;
  options.extra_args = {"--listen=0.0.0.0:0", "--insecure"};
  StartServer(policies_, options);
  ASSERT_NE(server_, nullptr);
  EXPECT_EQ(server_->tls(), "off");
  EXPECT_TRUE(absl::StartsWith(server_->address(), "0.0.0.0:"));
  EXPECT_FALSE(ActiveBundle().version().empty());
}

TEST_F(TlsTest, UnusableCertificateFilesStopTheServerNamingTheFlag) {
  dir_.Write("garbage.pem", "not a certificate\n");
  const CommandResult garbage = RunCommand(absl::StrCat(
      "timeout 30 ", REFUND_SERVER_BINARY, " --policies=", policies_.string(),
      " --db=memory: --tls_cert=", dir_.path(),
      "/garbage.pem --tls_key=", server_files_.key));
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_THAT(garbage.output, HasSubstr("refund-server: --tls_cert: "));
  const CommandResult no_key = RunCommand(absl::StrCat(
      "timeout 30 ", REFUND_SERVER_BINARY, " --policies=", policies_.string(),
      " --db=memory: --tls_cert=", server_files_.cert));
  EXPECT_EQ(no_key.exit_code, 1);
  EXPECT_THAT(no_key.output, HasSubstr("--tls_cert: given without --tls_key"));
}

TEST_F(TlsTest, RefundctlDecidesOverMutualTls) {
  StartTlsServer({"--tls_client_ca=" + pki_->ca_cert()}, client_files_);
  ASSERT_NE(server_, nullptr);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(
                  SevenDayReturn("r-refundctl"), &json)
                  .ok());
  dir_.Write("case.json", json);
  const std::string decide = absl::StrCat(
      REFUNDCTL_BINARY, " decide --server=", server_->address(),
      " --tls_ca=", pki_->ca_cert(), " ", dir_.path(), "/case.json");
  const CommandResult without = RunCommand(decide);
  EXPECT_EQ(without.exit_code, 1) << without.output;
  EXPECT_THAT(without.output, HasSubstr("Decide failed: UNAVAILABLE"));
  const CommandResult with =
      RunCommand(absl::StrCat(decide, " --tls_cert=", client_files_.cert,
                              " --tls_key=", client_files_.key));
  EXPECT_EQ(with.exit_code, 0) << with.output;
  EXPECT_THAT(with.output, HasSubstr("VERDICT_APPROVE"));
  // The decision was stored: verify over the same connection flags.
  const CommandResult verify = RunCommand(absl::StrCat(
      REFUNDCTL_BINARY, " verify --server=", server_->address(),
      " --tls_ca=", pki_->ca_cert(), " --tls_cert=", client_files_.cert,
      " --tls_key=", client_files_.key));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("OK: 1 decisions"));
}

}  // namespace
}  // namespace refund::e2e
