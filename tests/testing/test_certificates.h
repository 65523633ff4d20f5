// A small PKI for tests, made in-process with OpenSSL: a CA, server
// certificates for 127.0.0.1, ::1 and localhost, client certificates with a
// subject CN and a URI SAN (spiffe://refund.test/oms-shop-a), written as PEM
// files into a directory. Keys are EC P-256 (what every TLS stack takes),
// certificates X.509 v3 signed with SHA-256, valid from an hour ago for 30
// days. A second TestPki is an unrelated CA.
//
//   testing::TempDir dir;
//   auto pki = TestPki::Create(dir.path() + "/pki");
//   auto server = pki->IssueServer("server");
//   auto client = pki->IssueClient("oms-shop-a",
//   "spiffe://refund.test/oms-shop-a");
//   // server->cert, server->key, client->cert, client->key, pki->ca_cert()
#ifndef TESTS_TESTING_TEST_CERTIFICATES_H_
#define TESTS_TESTING_TEST_CERTIFICATES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace refund::testing {

// Paths of a PEM certificate and its PEM private key (mode 0600).
struct CertificateFiles {
  std::string cert;
  std::string key;
};

// Not thread-safe; movable.
class TestPki {
 public:
  // Creates `dir` (and its parents) if missing, makes a CA named `name`
  // (its subject CN) and writes `dir`/`name`.crt and .key.
  static absl::StatusOr<TestPki> Create(const std::string& dir,
                                        const std::string& name = "test-ca");

  TestPki(TestPki&&) noexcept;
  TestPki& operator=(TestPki&&) noexcept;
  ~TestPki();

  // The CA's certificate: what a client trusts, or a server's --tls_client_ca.
  const std::string& ca_cert() const { return ca_files_.cert; }
  const std::string& ca_key() const { return ca_files_.key; }

  // A server certificate (CN `name`; SAN IP 127.0.0.1, IP ::1, DNS localhost
  // and DNS `name`; extended key usage serverAuth), written to
  // `dir`/`name`.crt and .key, replacing files of that name.
  absl::StatusOr<CertificateFiles> IssueServer(const std::string& name);

  // A client certificate (CN `name`; SAN URI `uri_san` when not empty;
  // extended key usage clientAuth), written to `dir`/`name`.crt and .key.
  absl::StatusOr<CertificateFiles> IssueClient(const std::string& name,
                                               const std::string& uri_san = "");

 private:
  struct Ca;
  TestPki(std::string dir, CertificateFiles ca_files, std::unique_ptr<Ca> ca);

  absl::StatusOr<CertificateFiles> Issue(const std::string& name,
                                         const std::string& san,
                                         const std::string& usage);

  std::string dir_;
  CertificateFiles ca_files_;
  std::unique_ptr<Ca> ca_;
};

}  // namespace refund::testing

#endif  // TESTS_TESTING_TEST_CERTIFICATES_H_
