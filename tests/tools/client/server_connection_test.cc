// ServerConnection against an in-process gRPC server: plaintext, TLS,
// mutual TLS, the server name override, and the bearer token on every call.
#include "tools/client/server_connection.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "refund/v1/service.grpc.pb.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"

namespace refund::client {
namespace {

using ::refund::testing::CertificateFiles;
using ::refund::testing::StatusIs;
using ::refund::testing::TestPki;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// Answers GetPolicyBundle, remembering the call's authorization header.
class RecordingService final : public v1::RefundDecisionService::Service {
 public:
  grpc::Status GetPolicyBundle(grpc::ServerContext* context,
                               const v1::GetPolicyBundleRequest*,
                               v1::PolicyBundleInfo* info) override {
    absl::MutexLock lock(&mu_);
    authorization_.clear();
    auto found = context->client_metadata().find("authorization");
    if (found != context->client_metadata().end()) {
      authorization_.assign(found->second.data(), found->second.size());
    }
    info->set_version("v");
    return grpc::Status::OK;
  }
  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  absl::Mutex mu_;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

class ServerConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create(dir_.path() + "/pki");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_.emplace(*std::move(pki));
    absl::StatusOr<TestPki> other = TestPki::Create(dir_.path() + "/other");
    ASSERT_TRUE(other.ok()) << other.status();
    other_.emplace(*std::move(other));
    absl::StatusOr<CertificateFiles> server =
        pki_->IssueServer("refund.internal");
    ASSERT_TRUE(server.ok()) << server.status();
    server_files_ = *server;
    absl::StatusOr<CertificateFiles> client =
        pki_->IssueClient("oms-shop-a", "spiffe://refund.test/oms-shop-a");
    ASSERT_TRUE(client.ok()) << client.status();
    client_files_ = *client;
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Starts the server: plaintext, or TLS with the test CA's server
  // certificate (and, with `client_ca`, a required client certificate).
  void Serve(bool tls, bool client_ca = false) {
    std::shared_ptr<grpc::ServerCredentials> credentials =
        grpc::InsecureServerCredentials();
    if (tls) {
      grpc::SslServerCredentialsOptions options(
          client_ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                    : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      if (client_ca) options.pem_root_certs = ReadFile(pki_->ca_cert());
      options.pem_key_cert_pairs.push_back(
          {ReadFile(server_files_.key), ReadFile(server_files_.cert)});
      credentials = grpc::SslServerCredentials(options);
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = "127.0.0.1:" + std::to_string(port);
  }

  // One GetPolicyBundle call over a new connection.
  grpc::Status Call(const ServerConnection& connection) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub =
        v1::RefundDecisionService::NewStub(connection.NewChannel(arguments));
    grpc::ClientContext context;
    connection.PrepareCall(&context);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::PolicyBundleInfo info;
    return stub->GetPolicyBundle(&context, v1::GetPolicyBundleRequest(), &info);
  }

  ChannelOptions Options() const {
    ChannelOptions options;
    options.address = address_;
    return options;
  }

  std::string TokenFile(const std::string& token) {
    dir_.Write("token", token);
    const std::string path = dir_.path() + "/token";
    chmod(path.c_str(), 0600);
    return path;
  }

  refund::testing::TempDir dir_;
  std::optional<TestPki> pki_;
  std::optional<TestPki> other_;
  CertificateFiles server_files_;
  CertificateFiles client_files_;
  RecordingService service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(ServerConnectionTest, PlaintextCarriesTheBearerToken) {
  Serve(/*tls=*/false);
  ChannelOptions options = Options();
  options.token_file = TokenFile("s3cret-token\n");
  absl::StatusOr<ServerConnection> connection = ServerConnection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_FALSE(connection->tls());
  grpc::Status status = Call(*connection);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(service_.authorization(), "Bearer s3cret-token");
}

TEST_F(ServerConnectionTest, AListOfReplicasIsOneBalancedTarget) {
  ChannelOptions options;
  options.address = "10.0.0.5:50051,10.0.0.6:50051";
  EXPECT_EQ(ServerConnection::Open(options)->target(),
            "ipv4:10.0.0.5:50051,10.0.0.6:50051");
  options.address = "[::1]:50051,[::1]:50052";
  EXPECT_EQ(ServerConnection::Open(options)->target(),
            "ipv6:[::1]:50051,[::1]:50052");
  options.address = "dns:///refund.internal:50051";
  EXPECT_EQ(ServerConnection::Open(options)->target(),
            "dns:///refund.internal:50051");
  options.address = "localhost:50051";
  EXPECT_EQ(ServerConnection::Open(options)->target(), "localhost:50051");
}

TEST_F(ServerConnectionTest, CallsGoOnWhenOneReplicaOfTheListIsDown) {
  Serve(/*tls=*/false);
  ChannelOptions options = Options();
  // Nothing listens on port 1: round_robin leaves it out and uses the other.
  options.address = "127.0.0.1:1," + address_;
  absl::StatusOr<ServerConnection> connection = ServerConnection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  for (int i = 0; i < 4; ++i) {
    grpc::Status status = Call(*connection);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
}

TEST_F(ServerConnectionTest, NoTokenNoHeader) {
  Serve(/*tls=*/false);
  absl::StatusOr<ServerConnection> connection =
      ServerConnection::Open(Options());
  ASSERT_TRUE(connection.ok()) << connection.status();
  ASSERT_TRUE(Call(*connection).ok());
  EXPECT_EQ(service_.authorization(), "");
}

TEST_F(ServerConnectionTest, TlsWithTheServerNameOverride) {
  Serve(/*tls=*/true);
  ChannelOptions options = Options();
  options.tls_ca = pki_->ca_cert();
  options.token_file = TokenFile("tok");
  // The certificate names 127.0.0.1 too: the address's host verifies.
  absl::StatusOr<ServerConnection> connection = ServerConnection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_TRUE(connection->tls());
  grpc::Status status = Call(*connection);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(service_.authorization(), "Bearer tok");

  options.tls_server_name = "refund.internal";
  connection = ServerConnection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  status = Call(*connection);
  EXPECT_TRUE(status.ok()) << status.error_message();

  options.tls_server_name = "someone.else";
  connection = ServerConnection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(Call(*connection).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerConnectionTest, TlsTrustsOnlyItsCa) {
  Serve(/*tls=*/true);
  ChannelOptions options = Options();
  options.tls_ca = other_->ca_cert();
  absl::StatusOr<ServerConnection> connection = ServerConnection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  EXPECT_EQ(Call(*connection).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerConnectionTest, MutualTlsSendsTheClientCertificate) {
  Serve(/*tls=*/true, /*client_ca=*/true);
  ChannelOptions options = Options();
  options.tls_ca = pki_->ca_cert();
  absl::StatusOr<ServerConnection> without = ServerConnection::Open(options);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_EQ(Call(*without).error_code(), grpc::StatusCode::UNAVAILABLE);
  options.tls_cert = client_files_.cert;
  options.tls_key = client_files_.key;
  absl::StatusOr<ServerConnection> with = ServerConnection::Open(options);
  ASSERT_TRUE(with.ok()) << with.status();
  grpc::Status status = Call(*with);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ServerConnectionTest, FlagsThatDoNotGoTogether) {
  ChannelOptions options;
  EXPECT_FALSE(ServerConnection::Open(options).ok());
  options.address = "127.0.0.1:1";
  options.tls_cert = client_files_.cert;
  EXPECT_THAT(ServerConnection::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_cert: given without --tls_key")));
  options.tls_key = client_files_.key;
  EXPECT_THAT(ServerConnection::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_cert: a client certificate needs "
                                 "TLS")));
  options = ChannelOptions();
  options.address = "127.0.0.1:1";
  options.tls_server_name = "x";
  EXPECT_THAT(ServerConnection::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_server_name")));
  options = ChannelOptions();
  options.address = "127.0.0.1:1";
  options.tls_ca = dir_.path() + "/missing.crt";
  EXPECT_THAT(ServerConnection::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_ca: cannot read")));
  dir_.Write("not.pem", "hello");
  options.tls_ca = dir_.path() + "/not.pem";
  EXPECT_THAT(ServerConnection::Open(options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a PEM file")));
}

}  // namespace
}  // namespace refund::client
