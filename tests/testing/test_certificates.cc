#include "tests/testing/test_certificates.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace refund::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

absl::Status OpenSslError(absl::string_view what) {
  const unsigned long code = ERR_get_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(what, ": ", text));
}

absl::Status WriteFile(const std::string& path, const std::string& content,
                       mode_t mode) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("open ", path, ": ", std::strerror(errno)));
  }
  bool ok = fchmod(fd, mode) == 0;
  size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = close(fd) == 0 && ok;
  if (!ok) {
    return absl::InternalError(
        absl::StrCat("write ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

// Writes `cert` and `key` as PEM to `dir`/`name`.crt and .key (0600).
absl::StatusOr<CertificateFiles> WritePem(const std::string& dir,
                                          const std::string& name, X509* cert,
                                          EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> cert_bio(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return OpenSslError("PEM_write");
  }
  CertificateFiles files{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  absl::Status written = WriteFile(files.cert, BioText(cert_bio.get()), 0644);
  if (written.ok())
    written = WriteFile(files.key, BioText(key_bio.get()), 0600);
  if (!written.ok()) return written;
  return files;
}

absl::Status AddExtension(X509* cert, X509V3_CTX* context, int nid,
                          const std::string& value) {
  X509_EXTENSION* extension =
      X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str());
  if (extension == nullptr) {
    return OpenSslError(
        absl::StrCat("extension ", OBJ_nid2sn(nid), "=", value));
  }
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) return OpenSslError("X509_add_ext");
  return absl::OkStatus();
}

// A certificate for `key` named `common_name`, valid from an hour ago for 30
// days, with a random 64-bit serial; issuer and extensions are the caller's.
absl::StatusOr<X509Ptr> NewCertificate(EVP_PKEY* key,
                                       const std::string& common_name) {
  X509Ptr cert(X509_new());
  std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
  if (cert == nullptr || serial == nullptr ||
      X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 64, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ==
          nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600) ==
          nullptr ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      X509_NAME_add_entry_by_txt(
          X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
          0) != 1) {
    return OpenSslError("new certificate");
  }
  return cert;
}

absl::StatusOr<PkeyPtr> NewKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("EC P-256 key");
  return key;
}

}  // namespace

struct TestPki::Ca {
  PkeyPtr key;
  X509Ptr cert;
};

TestPki::TestPki(std::string dir, CertificateFiles ca_files,
                 std::unique_ptr<Ca> ca)
    : dir_(std::move(dir)),
      ca_files_(std::move(ca_files)),
      ca_(std::move(ca)) {}
TestPki::TestPki(TestPki&&) noexcept = default;
TestPki& TestPki::operator=(TestPki&&) noexcept = default;
TestPki::~TestPki() = default;

absl::StatusOr<TestPki> TestPki::Create(const std::string& dir,
                                        const std::string& name) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("create ", dir, ": ", error.message()));
  }
  auto ca = std::make_unique<Ca>();
  absl::StatusOr<PkeyPtr> key = NewKey();
  if (!key.ok()) return key.status();
  ca->key = *std::move(key);
  absl::StatusOr<X509Ptr> cert = NewCertificate(ca->key.get(), name);
  if (!cert.ok()) return cert.status();
  ca->cert = *std::move(cert);
  X509* self = ca->cert.get();
  if (X509_set_issuer_name(self, X509_get_subject_name(self)) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, self, self, nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair<int, std::string>{NID_basic_constraints, "critical,CA:TRUE"},
        {NID_key_usage, "critical,keyCertSign,cRLSign"},
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid:always"}}) {
    if (absl::Status added = AddExtension(self, &context, nid, value);
        !added.ok()) {
      return added;
    }
  }
  if (X509_sign(self, ca->key.get(), EVP_sha256()) == 0) {
    return OpenSslError("X509_sign (CA)");
  }
  absl::StatusOr<CertificateFiles> files =
      WritePem(dir, name, self, ca->key.get());
  if (!files.ok()) return files.status();
  return TestPki(dir, *std::move(files), std::move(ca));
}

absl::StatusOr<CertificateFiles> TestPki::IssueServer(const std::string& name) {
  return Issue(name,
               absl::StrCat("IP:127.0.0.1,IP:::1,DNS:localhost,DNS:", name),
               "serverAuth");
}

absl::StatusOr<CertificateFiles> TestPki::IssueClient(
    const std::string& name, const std::string& uri_san) {
  return Issue(name, uri_san.empty() ? "" : absl::StrCat("URI:", uri_san),
               "clientAuth");
}

absl::StatusOr<CertificateFiles> TestPki::Issue(const std::string& name,
                                                const std::string& san,
                                                const std::string& usage) {
  absl::StatusOr<PkeyPtr> key = NewKey();
  if (!key.ok()) return key.status();
  absl::StatusOr<X509Ptr> cert = NewCertificate(key->get(), name);
  if (!cert.ok()) return cert.status();
  X509* leaf = cert->get();
  if (X509_set_issuer_name(leaf, X509_get_subject_name(ca_->cert.get())) != 1) {
    return OpenSslError("X509_set_issuer_name");
  }
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, ca_->cert.get(), leaf, nullptr, nullptr, 0);
  std::pair<int, std::string> extensions[] = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, usage},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"},
      {NID_subject_alt_name, san}};
  for (const auto& [nid, value] : extensions) {
    if (value.empty()) continue;
    if (absl::Status added = AddExtension(leaf, &context, nid, value);
        !added.ok()) {
      return added;
    }
  }
  if (X509_sign(leaf, ca_->key.get(), EVP_sha256()) == 0) {
    return OpenSslError("X509_sign");
  }
  return WritePem(dir_, name, leaf, key->get());
}

}  // namespace refund::testing
