// Signing and checking checkpoints with Ed25519 keys made in the test
// (server/log/checkpoint/checkpoint_signer.h): a note verifies with its
// public key and with no other; a flipped byte anywhere in the body or the
// signature fails; keys that are not unencrypted Ed25519 PEMs are refused.
#include "server/log/checkpoint/checkpoint_signer.h"

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "engine/base/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/checkpoint/log_checkpoint.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_keys.h"

namespace refund::server {
namespace {

using ::refund::testing::NewEd25519KeyPair;
using ::refund::testing::PemKeyPair;
using ::refund::testing::StatusIs;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::StartsWith;

LogCheckpoint Example() {
  LogCheckpoint checkpoint;
  checkpoint.origin = "host/decisions.db";
  checkpoint.seq = 42;
  checkpoint.row_hash = Sha256("row 42");
  checkpoint.time = absl::FromUnixMicros(1796651100123456);
  return checkpoint;
}

class CheckpointSignerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = NewEd25519KeyPair();
    auto signer = CheckpointSigner::FromPem(key_.private_pem, "test-key");
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);
    auto public_key = CheckpointPublicKey::FromPem(key_.public_pem);
    ASSERT_TRUE(public_key.ok()) << public_key.status();
    public_key_ = *std::move(public_key);
  }

  std::string SignExample() {
    absl::StatusOr<std::string> note = signer_->Sign(Example());
    EXPECT_TRUE(note.ok()) << note.status();
    return note.value_or("");
  }

  PemKeyPair key_;
  std::unique_ptr<CheckpointSigner> signer_;
  std::unique_ptr<CheckpointPublicKey> public_key_;
};

TEST_F(CheckpointSignerTest, SignedNoteVerifiesWithItsPublicKey) {
  const std::string note = SignExample();
  absl::StatusOr<std::string> body = FormatCheckpointBody(Example());
  ASSERT_TRUE(body.ok());
  EXPECT_THAT(note,
              StartsWith(absl::StrCat(*body, "\n\xE2\x80\x94 test-key ")));

  absl::StatusOr<SignedCheckpoint> verified = public_key_->Verify(note);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->checkpoint.seq, 42);
  EXPECT_EQ(verified->checkpoint.row_hash, Sha256("row 42"));
  EXPECT_EQ(verified->checkpoint.origin, "host/decisions.db");
  EXPECT_EQ(verified->key_name, "test-key");
}

TEST_F(CheckpointSignerTest, KeyIdIsTheStartOfTheRawPublicKeysHash) {
  EXPECT_EQ(signer_->key_id().size(), 4u);
  EXPECT_EQ(signer_->key_id(), public_key_->key_id());
  // The raw key is the last 32 bytes of the 44-byte SubjectPublicKeyInfo.
  const std::string base64 =
      absl::StrReplaceAll(key_.public_pem, {{"-----BEGIN PUBLIC KEY-----", ""},
                                            {"-----END PUBLIC KEY-----", ""},
                                            {"\n", ""}});
  std::string der;
  ASSERT_TRUE(absl::Base64Unescape(base64, &der));
  ASSERT_EQ(der.size(), 44u);
  EXPECT_EQ(signer_->key_id(), CheckpointKeyId(der.substr(12)));
  EXPECT_EQ(signer_->key_id(), Sha256(der.substr(12)).substr(0, 4));
}

TEST_F(CheckpointSignerTest, SignerGivesItsPublicKeyPem) {
  EXPECT_EQ(signer_->PublicKeyPem(), key_.public_pem);
}

TEST_F(CheckpointSignerTest, NoteSignedByAnotherKeyIsRefused) {
  PemKeyPair other = NewEd25519KeyPair();
  auto other_public = CheckpointPublicKey::FromPem(other.public_pem);
  ASSERT_TRUE(other_public.ok());
  EXPECT_THAT((*other_public)->Verify(SignExample()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("not by this public key")));
}

TEST_F(CheckpointSignerTest, ForgedSignatureUnderTheRightKeyIdIsRefused) {
  // Another key signs, and the forger puts this key's id in the line.
  PemKeyPair other = NewEd25519KeyPair();
  auto forger = CheckpointSigner::FromPem(other.private_pem, "test-key");
  ASSERT_TRUE(forger.ok());
  absl::StatusOr<std::string> forged_note = (*forger)->Sign(Example());
  ASSERT_TRUE(forged_note.ok());
  absl::StatusOr<SignedCheckpoint> parsed = ParseCheckpoint(*forged_note);
  ASSERT_TRUE(parsed.ok());
  absl::StatusOr<std::string> relabelled = FormatSignedCheckpoint(
      parsed->body, "test-key", signer_->key_id(), parsed->signature);
  ASSERT_TRUE(relabelled.ok());
  EXPECT_THAT(public_key_->Verify(*relabelled),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("does not verify")));
}

TEST_F(CheckpointSignerTest, EveryFlippedBitOfTheBodyBreaksTheSignature) {
  const std::string note = SignExample();
  absl::StatusOr<SignedCheckpoint> parsed = ParseCheckpoint(note);
  ASSERT_TRUE(parsed.ok());
  int refused = 0;
  for (size_t i = 0; i < parsed->body.size(); ++i) {
    std::string edited = note;
    edited[i] = static_cast<char>(edited[i] ^ 0x01);
    absl::StatusOr<SignedCheckpoint> verified = public_key_->Verify(edited);
    // Either the text no longer parses, or the signature fails: never OK.
    EXPECT_FALSE(verified.ok()) << "byte " << i;
    if (!verified.ok()) ++refused;
  }
  EXPECT_EQ(refused, static_cast<int>(parsed->body.size()));
}

TEST_F(CheckpointSignerTest, ChangedSeqWithTheOldSignatureIsRefused) {
  std::string note = SignExample();
  note.replace(note.find("seq 42"), 6, "seq 43");
  EXPECT_THAT(public_key_->Verify(note),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("altered after it was signed, or forged")));
}

TEST_F(CheckpointSignerTest, FlippedSignatureByteIsRefused) {
  absl::StatusOr<SignedCheckpoint> parsed = ParseCheckpoint(SignExample());
  ASSERT_TRUE(parsed.ok());
  for (size_t i : {size_t{0}, size_t{31}, size_t{63}}) {
    std::string signature = parsed->signature;
    signature[i] = static_cast<char>(signature[i] ^ 0x80);
    absl::StatusOr<std::string> note = FormatSignedCheckpoint(
        parsed->body, "test-key", parsed->key_id, signature);
    ASSERT_TRUE(note.ok());
    EXPECT_THAT(public_key_->Verify(*note),
                StatusIs(absl::StatusCode::kPermissionDenied, _))
        << "signature byte " << i;
  }
}

TEST_F(CheckpointSignerTest, MalformedNoteIsInvalidArgument) {
  std::string note = SignExample();
  note.replace(note.find("seq 42"), 6, "seq 4x");
  EXPECT_THAT(public_key_->Verify(note),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("checkpoint line 3 (seq)")));
}

TEST_F(CheckpointSignerTest, UnwritableCheckpointIsNotSigned) {
  LogCheckpoint empty_log = Example();
  empty_log.seq = 0;
  EXPECT_THAT(signer_->Sign(empty_log),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("seq")));
}

TEST(CheckpointKeysTest, KeysThatAreNotUnencryptedEd25519PemsAreRefused) {
  const PemKeyPair ed25519 = NewEd25519KeyPair();
  const PemKeyPair p256 = refund::testing::NewP256KeyPair();
  EXPECT_THAT(CheckpointSigner::FromPem(p256.private_pem, "k"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an Ed25519 key")));
  EXPECT_THAT(CheckpointPublicKey::FromPem(p256.public_pem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an Ed25519 key")));
  // Never asks for a password.
  EXPECT_THAT(CheckpointSigner::FromPem(
                  refund::testing::EncryptedPrivatePem(ed25519, "secret"), "k"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an unencrypted PEM private key")));
  // A public key where the private one belongs, and the reverse.
  EXPECT_THAT(CheckpointSigner::FromPem(ed25519.public_pem, "k"),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(CheckpointPublicKey::FromPem(ed25519.private_pem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a PEM public key")));
  EXPECT_THAT(CheckpointPublicKey::FromPem("hello"),
              StatusIs(absl::StatusCode::kInvalidArgument, _));
  EXPECT_THAT(
      CheckpointSigner::FromPem(ed25519.private_pem, "bad name"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key name")));
}

TEST(CheckpointKeysTest, KeyFilesAreReadAndTheirErrorsNameThePath) {
  refund::testing::TempDir dir;
  const PemKeyPair key = NewEd25519KeyPair();
  dir.Write("checkpoint.key", key.private_pem);
  dir.Write("checkpoint.pub", key.public_pem);
  dir.Write("not-a-key", "text");
  auto signer =
      CheckpointSigner::FromPemFile(dir.path() + "/checkpoint.key", "k");
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto public_key =
      CheckpointPublicKey::FromPemFile(dir.path() + "/checkpoint.pub");
  ASSERT_TRUE(public_key.ok()) << public_key.status();
  EXPECT_EQ((*signer)->key_id(), (*public_key)->key_id());

  EXPECT_THAT(CheckpointSigner::FromPemFile(dir.path() + "/missing", "k"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  EXPECT_THAT(CheckpointPublicKey::FromPemFile(dir.path() + "/not-a-key"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not-a-key: not a PEM public key")));
  EXPECT_THAT(CheckpointPublicKey::FromPemFile(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a regular file")));
}

}  // namespace
}  // namespace refund::server
