#include "tests/testing/test_keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace refund::testing {
namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "test_keys: %s failed\n", what);
  std::abort();
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(bio);
  return text;
}

std::string PrivatePem(EVP_PKEY* key, const EVP_CIPHER* cipher,
                       const std::string& password) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(
          bio, key, cipher,
          cipher == nullptr
              ? nullptr
              : reinterpret_cast<const unsigned char*>(password.data()),
          static_cast<int>(password.size()), nullptr, nullptr) != 1) {
    Fail("PEM_write_bio_PrivateKey");
  }
  return BioText(bio);
}

std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio, key) != 1) {
    Fail("PEM_write_bio_PUBKEY");
  }
  return BioText(bio);
}

PemKeyPair ToPems(EVP_PKEY* key) {
  if (key == nullptr) Fail("EVP_PKEY_Q_keygen");
  PemKeyPair pair{PrivatePem(key, nullptr, ""), PublicPem(key)};
  EVP_PKEY_free(key);
  return pair;
}

EVP_PKEY* ReadPrivate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) Fail("PEM_read_bio_PrivateKey");
  return key;
}

}  // namespace

PemKeyPair NewEd25519KeyPair() {
  return ToPems(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}

PemKeyPair NewP256KeyPair() {
  return ToPems(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

std::string EncryptedPrivatePem(const PemKeyPair& key,
                                const std::string& password) {
  EVP_PKEY* pkey = ReadPrivate(key.private_pem);
  std::string pem = PrivatePem(pkey, EVP_aes_256_cbc(), password);
  EVP_PKEY_free(pkey);
  return pem;
}

}  // namespace refund::testing
