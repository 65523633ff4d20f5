#include "server/grpc/server_credentials.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_certificates.h"

namespace refund::server {
namespace {

using ::refund::testing::CertificateFiles;
using ::refund::testing::StatusIs;
using ::refund::testing::TestPki;
using ::testing::HasSubstr;

struct LoopbackCase {
  const char* host;
  bool loopback;
};

class LoopbackHostTest : public ::testing::TestWithParam<LoopbackCase> {};

TEST_P(LoopbackHostTest, OnlyLoopbackAddressesAndLocalhost) {
  EXPECT_EQ(IsLoopbackHost(GetParam().host), GetParam().loopback)
      << GetParam().host;
}

INSTANTIATE_TEST_SUITE_P(
    Hosts, LoopbackHostTest,
    ::testing::Values(
        LoopbackCase{"127.0.0.1", true}, LoopbackCase{"127.1.2.3", true},
        LoopbackCase{"[::1]", true}, LoopbackCase{"::1", true},
        LoopbackCase{"localhost", true}, LoopbackCase{"LocalHost", true},
        LoopbackCase{"[::ffff:127.0.0.1]", true},
        LoopbackCase{"0.0.0.0", false}, LoopbackCase{"", false},
        LoopbackCase{"[::]", false}, LoopbackCase{"10.0.0.5", false},
        LoopbackCase{"128.0.0.1", false},
        LoopbackCase{"[::ffff:10.0.0.1]", false},
        LoopbackCase{"localhost.example.com", false},
        LoopbackCase{"refund.internal", false}));

TEST(ListenHostTest, DropsThePort) {
  EXPECT_EQ(ListenHost("127.0.0.1:0"), "127.0.0.1");
  EXPECT_EQ(ListenHost("[::1]:50051"), "[::1]");
  EXPECT_EQ(ListenHost(":50051"), "");
  EXPECT_EQ(ListenHost("[::1]"), "[::1]");
}

TEST(ParseClientAuthTest, RequireOrOptional) {
  EXPECT_EQ(*ParseClientAuth("require"), ClientAuth::kRequire);
  EXPECT_EQ(*ParseClientAuth("optional"), ClientAuth::kOptional);
  EXPECT_THAT(ParseClientAuth("yes"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_client_auth")));
}

TEST(PlaintextListenerTest, AllowedOnLoopbackWithoutInsecure) {
  absl::StatusOr<ListenerCredentials> listener =
      MakeListenerCredentials("127.0.0.1:0", ServerTlsOptions(), false);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->security, TransportSecurity::kPlaintext);
  EXPECT_NE(listener->credentials, nullptr);
  EXPECT_TRUE(
      MakeListenerCredentials("[::1]:0", ServerTlsOptions(), false).ok());
  EXPECT_TRUE(
      MakeListenerCredentials("localhost:0", ServerTlsOptions(), false).ok());
}

TEST(PlaintextListenerTest, RefusedElsewhereInOneLine) {
  EXPECT_THAT(
      MakeListenerCredentials("0.0.0.0:50051", ServerTlsOptions(), false),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "refusing to listen in plaintext on 0.0.0.0:50051: "
               "give --tls_cert and --tls_key, or --insecure"));
  EXPECT_FALSE(
      MakeListenerCredentials(":50051", ServerTlsOptions(), false).ok());
  EXPECT_FALSE(
      MakeListenerCredentials("[::]:50051", ServerTlsOptions(), false).ok());
}

TEST(PlaintextListenerTest, AllowedElsewhereWithInsecure) {
  absl::StatusOr<ListenerCredentials> listener =
      MakeListenerCredentials("0.0.0.0:50051", ServerTlsOptions(), true);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->security, TransportSecurity::kPlaintext);
}

class TlsListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create(dir_.path() + "/pki");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_.emplace(*std::move(pki));
    absl::StatusOr<CertificateFiles> server = pki_->IssueServer("server");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
  }

  ServerTlsOptions Tls() const {
    ServerTlsOptions tls;
    tls.cert_file = server_.cert;
    tls.key_file = server_.key;
    return tls;
  }

  refund::testing::TempDir dir_;
  std::optional<TestPki> pki_;
  CertificateFiles server_;
};

TEST_F(TlsListenerTest, TlsOnAnyAddress) {
  absl::StatusOr<ListenerCredentials> listener =
      MakeListenerCredentials("0.0.0.0:0", Tls(), false);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->security, TransportSecurity::kTls);
  EXPECT_EQ(TransportSecurityName(listener->security), "tls");
}

TEST_F(TlsListenerTest, ClientCaRequiresByDefault) {
  ServerTlsOptions tls = Tls();
  tls.client_ca_file = pki_->ca_cert();
  absl::StatusOr<ListenerCredentials> listener =
      MakeListenerCredentials("0.0.0.0:0", tls, false);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->security, TransportSecurity::kMutualTls);
  tls.client_auth = ClientAuth::kOptional;
  listener = MakeListenerCredentials("0.0.0.0:0", tls, false);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->security, TransportSecurity::kOptionalMutualTls);
  EXPECT_EQ(TransportSecurityName(listener->security), "mtls_optional");
}

TEST_F(TlsListenerTest, CertificateWithoutKeyAndTheReverse) {
  ServerTlsOptions tls = Tls();
  tls.key_file.clear();
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", tls, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_cert: given without --tls_key")));
  tls = Tls();
  tls.cert_file.clear();
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", tls, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_key: given without --tls_cert")));
}

TEST_F(TlsListenerTest, ClientAuthOrClientCaWithoutWhatTheyNeed) {
  ServerTlsOptions tls = Tls();
  tls.client_auth = ClientAuth::kOptional;
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", tls, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_client_auth: given without "
                                 "--tls_client_ca")));
  ServerTlsOptions no_cert;
  no_cert.client_ca_file = pki_->ca_cert();
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", no_cert, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_client_ca")));
}

TEST_F(TlsListenerTest, InsecureWithACertificateIsAContradiction) {
  EXPECT_THAT(
      MakeListenerCredentials("127.0.0.1:0", Tls(), true),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--insecure")));
}

TEST_F(TlsListenerTest, FilesThatDoNotLoadNameTheirFlag) {
  ServerTlsOptions tls = Tls();
  tls.cert_file = dir_.path() + "/missing.crt";
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", tls, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_cert: cannot read")));
  dir_.Write("garbage.pem", "not a certificate\n");
  tls = Tls();
  tls.cert_file = dir_.path() + "/garbage.pem";
  EXPECT_THAT(
      MakeListenerCredentials("127.0.0.1:0", tls, false),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls_cert: ")));
  tls = Tls();
  tls.key_file = tls.cert_file;  // a certificate is not a key
  EXPECT_THAT(
      MakeListenerCredentials("127.0.0.1:0", tls, false),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tls_key: ")));
  tls = Tls();
  tls.client_ca_file = dir_.path() + "/garbage.pem";
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", tls, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_client_ca: ")));
}

TEST_F(TlsListenerTest, AKeyOfAnotherCertificate) {
  absl::StatusOr<CertificateFiles> other = pki_->IssueServer("other");
  ASSERT_TRUE(other.ok()) << other.status();
  ServerTlsOptions tls = Tls();
  tls.key_file = other->key;
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", tls, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_key: " + other->key +
                                 ": not the private key of the certificate")));
}

TEST_F(TlsListenerTest, RefreshIntervalOfAtLeastASecond) {
  ServerTlsOptions tls = Tls();
  tls.refresh_interval = absl::Milliseconds(500);
  EXPECT_THAT(MakeListenerCredentials("127.0.0.1:0", tls, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tls_refresh_interval")));
}

}  // namespace
}  // namespace refund::server
