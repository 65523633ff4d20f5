// Keys made in the test with OpenSSL, as `openssl genpkey` would write
// them, for the checkpoint tests (server/log/checkpoint/checkpoint_signer.h).
#ifndef TESTS_TESTING_TEST_KEYS_H_
#define TESTS_TESTING_TEST_KEYS_H_

#include <string>

namespace refund::testing {

// A PEM private key and its PEM public key.
struct PemKeyPair {
  std::string private_pem;  // PKCS#8, "BEGIN PRIVATE KEY"
  std::string public_pem;   // SubjectPublicKeyInfo, "BEGIN PUBLIC KEY"
};

// A new Ed25519 key pair. Aborts when OpenSSL cannot make one.
PemKeyPair NewEd25519KeyPair();

// A new P-256 key pair (not Ed25519: refused as a checkpoint key).
PemKeyPair NewP256KeyPair();

// `key`'s private PEM encrypted with AES-256-CBC under `password`.
std::string EncryptedPrivatePem(const PemKeyPair& key,
                                const std::string& password);

}  // namespace refund::testing

#endif  // TESTS_TESTING_TEST_KEYS_H_
