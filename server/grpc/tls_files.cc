#include "server/grpc/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace refund::server {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Certificates and keys are a few KB; a file far larger is not one.
constexpr std::streamsize kMaxPemBytes = 1 << 20;

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::string content(static_cast<size_t>(kMaxPemBytes) + 1, '\0');
  in.read(content.data(), kMaxPemBytes + 1);
  if (in.bad()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  content.resize(static_cast<size_t>(in.gcount()));
  if (content.size() > static_cast<size_t>(kMaxPemBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 1 MiB, not a PEM file"));
  }
  return content;
}

// The most recent OpenSSL error as text ("no start line"), and the queue
// emptied so that the next check starts clean.
std::string OpenSslReason() {
  const unsigned long code = ERR_peek_last_error();
  // A static string, still valid after the queue is cleared.
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& content) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
}

// Every certificate in `path`, in order; INVALID_ARGUMENT when there is none
// or one does not parse.
absl::StatusOr<std::vector<X509Ptr>> ReadCertificates(const std::string& path) {
  absl::StatusOr<std::string> content = ReadPemFile(path);
  if (!content.ok()) return content.status();
  std::unique_ptr<BIO, BioFree> bio = MemoryBio(*content);
  std::vector<X509Ptr> certificates;
  ERR_clear_error();
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) break;
    certificates.push_back(std::move(cert));
  }
  // Reading stops with "no start line" at the end of the file: expected
  // after at least one certificate, anything else is a broken one.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = ERR_GET_LIB(last) == ERR_LIB_PEM &&
                         ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (certificates.empty() || (last != 0 && !clean_end)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a PEM certificate (", OpenSslReason(), ")"));
  }
  ERR_clear_error();
  return certificates;
}

}  // namespace

absl::Status CheckCertificateChain(const std::string& path) {
  absl::StatusOr<std::vector<X509Ptr>> chain = ReadCertificates(path);
  if (!chain.ok()) return chain.status();
  if (X509_cmp_current_time(X509_get0_notAfter(chain->front().get())) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the certificate has expired"));
  }
  return absl::OkStatus();
}

absl::Status CheckPrivateKey(const std::string& key_path,
                             const std::string& cert_path) {
  absl::StatusOr<std::vector<X509Ptr>> chain = ReadCertificates(cert_path);
  if (!chain.ok()) return chain.status();
  absl::StatusOr<std::string> key_pem = ReadPemFile(key_path);
  if (!key_pem.ok()) return key_pem.status();
  std::unique_ptr<BIO, BioFree> bio = MemoryBio(*key_pem);
  ERR_clear_error();
  // A null passphrase callback with OpenSSL's default would prompt on the
  // terminal for an encrypted key; an empty one makes it fail instead.
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_path, ": not a PEM private key without a passphrase (",
                     OpenSslReason(), ")"));
  }
  if (X509_check_private_key(chain->front().get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        key_path, ": not the private key of the certificate in ", cert_path));
  }
  return absl::OkStatus();
}

absl::Status CheckCertificateBundle(const std::string& path) {
  absl::StatusOr<std::vector<X509Ptr>> certificates = ReadCertificates(path);
  return certificates.ok() ? absl::OkStatus() : certificates.status();
}

}  // namespace refund::server
