#include "server/log/blob_cipher.h"

#include <memory>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

std::unique_ptr<const BlobCipher> CipherOf(char fill) {
  absl::StatusOr<std::unique_ptr<const BlobCipher>> cipher =
      BlobCipher::Create(std::string(BlobCipher::kKeySize, fill));
  EXPECT_TRUE(cipher.ok()) << cipher.status();
  return cipher.ok() ? *std::move(cipher) : nullptr;
}

const std::string kPlaintext = "buyer-4711 order O-1 refund 129.00 yuan";
const std::string kAad = BlobAad(BlobRole::kRequest, "d-1");

TEST(BlobCipherTest, SealedBlobOpensToThePlaintext) {
  std::unique_ptr<const BlobCipher> cipher = CipherOf('k');
  absl::StatusOr<std::string> blob = cipher->Seal(kPlaintext, kAad);
  ASSERT_TRUE(blob.ok()) << blob.status();
  EXPECT_EQ(blob->size(), kPlaintext.size() + BlobCipher::kOverhead);
  EXPECT_EQ(blob->find("buyer-4711"), std::string::npos);
  absl::StatusOr<std::string> opened = cipher->Open(*blob, kAad);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, kPlaintext);
  // An empty plaintext is a nonce and a tag.
  absl::StatusOr<std::string> empty = cipher->Seal("", kAad);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), BlobCipher::kOverhead);
  EXPECT_EQ(*cipher->Open(*empty, kAad), "");
}

TEST(BlobCipherTest, EverySealHasItsOwnNonce) {
  std::unique_ptr<const BlobCipher> cipher = CipherOf('k');
  std::set<std::string> nonces;
  for (int i = 0; i < 100; ++i) {
    nonces.insert(
        cipher->Seal(kPlaintext, kAad)->substr(0, BlobCipher::kNonceSize));
  }
  EXPECT_EQ(nonces.size(), 100u);
}

TEST(BlobCipherTest, AnotherKeyDoesNotOpen) {
  std::string blob = *CipherOf('k')->Seal(kPlaintext, kAad);
  EXPECT_THAT(CipherOf('x')->Open(blob, kAad),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("does not authenticate")));
}

TEST(BlobCipherTest, AFlippedByteAnywhereIsRefused) {
  std::unique_ptr<const BlobCipher> cipher = CipherOf('k');
  const std::string blob = *cipher->Seal(kPlaintext, kAad);
  // In the nonce, the ciphertext and the tag.
  for (size_t at :
       {size_t{0}, BlobCipher::kNonceSize - 1, BlobCipher::kNonceSize,
        blob.size() / 2, blob.size() - BlobCipher::kTagSize, blob.size() - 1}) {
    SCOPED_TRACE(at);
    std::string edited = blob;
    edited[at] ^= 0x01;
    EXPECT_THAT(cipher->Open(edited, kAad),
                StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
  }
  EXPECT_THAT(cipher->Open(blob.substr(0, blob.size() - 1), kAad),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
  EXPECT_THAT(cipher->Open(blob.substr(0, BlobCipher::kOverhead - 1), kAad),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("shorter")));
}

TEST(BlobCipherTest, ABlobDoesNotOpenForAnotherRowOrColumn) {
  std::unique_ptr<const BlobCipher> cipher = CipherOf('k');
  const std::string blob = *cipher->Seal(kPlaintext, kAad);
  EXPECT_THAT(cipher->Open(blob, BlobAad(BlobRole::kDecision, "d-1")),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
  EXPECT_THAT(cipher->Open(blob, BlobAad(BlobRole::kRequest, "d-2")),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
}

TEST(BlobCipherTest, KeysMustBe32Bytes) {
  EXPECT_THAT(BlobCipher::Create(std::string(16, 'k')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("32 bytes, not 16")));
}

}  // namespace
}  // namespace refund::server
