// The checkpoint note's text (server/log/checkpoint/log_checkpoint.h): the
// body and the whole note byte for byte against a golden text, the parse of
// that text, and the strict parse naming the line of each mistake.
#include "server/log/checkpoint/log_checkpoint.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace refund::server {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

// Bytes 0x00..0x1f as the row_hash; 0xa0.. as the key id and signature.
std::string Bytes(int first, int count) {
  std::string bytes;
  for (int i = 0; i < count; ++i) bytes.push_back(static_cast<char>(first + i));
  return bytes;
}

LogCheckpoint Example() {
  LogCheckpoint checkpoint;
  checkpoint.origin = "build-01/decisions.db";
  checkpoint.seq = 12345;
  checkpoint.row_hash = Bytes(0, 32);
  checkpoint.time = absl::FromCivil(absl::CivilSecond(2026, 12, 7, 13, 45, 0),
                                    absl::UTCTimeZone()) +
                    absl::Microseconds(123456) + absl::Nanoseconds(789);
  return checkpoint;
}

constexpr char kGoldenBody[] =
    "refund-decision-log checkpoint v1\n"
    "origin build-01/decisions.db\n"
    "seq 12345\n"
    "row_hash "
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "time 2026-12-07T13:45:00.123456Z\n";

// base64 of a0 a1 ... e3 (4 + 64 bytes).
constexpr char kGoldenSignatureLine[] =
    "\xE2\x80\x94 refund-decision-log "
    "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr/"
    "AwcLDxMXGx8jJysvMzc7P0NHS09TV1tfY2drb3N3e3+Dh4uM=\n";

std::string GoldenNote() {
  return absl::StrCat(kGoldenBody, "\n", kGoldenSignatureLine);
}

TEST(LogCheckpointTest, BodyIsTheGoldenText) {
  absl::StatusOr<std::string> body = FormatCheckpointBody(Example());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(*body, kGoldenBody) << "actual:\n" << *body;
}

TEST(LogCheckpointTest, SignedNoteIsTheGoldenText) {
  absl::StatusOr<std::string> note = FormatSignedCheckpoint(
      kGoldenBody, "refund-decision-log", Bytes(0xa0, 4), Bytes(0xa4, 64));
  ASSERT_TRUE(note.ok()) << note.status();
  EXPECT_EQ(*note, GoldenNote()) << "actual:\n" << *note;
}

TEST(LogCheckpointTest, GoldenTextParsesToItsFields) {
  absl::StatusOr<SignedCheckpoint> parsed = ParseCheckpoint(GoldenNote());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const LogCheckpoint expected = Example();
  EXPECT_EQ(parsed->checkpoint.origin, expected.origin);
  EXPECT_EQ(parsed->checkpoint.seq, expected.seq);
  EXPECT_EQ(parsed->checkpoint.row_hash, expected.row_hash);
  // The note keeps microseconds.
  EXPECT_EQ(parsed->checkpoint.time, expected.time - absl::Nanoseconds(789));
  EXPECT_EQ(parsed->body, kGoldenBody);
  EXPECT_EQ(parsed->key_name, "refund-decision-log");
  EXPECT_EQ(parsed->key_id, Bytes(0xa0, 4));
  EXPECT_EQ(parsed->signature, Bytes(0xa4, 64));
  EXPECT_EQ(AnchorOf(parsed->checkpoint).seq, 12345);
  EXPECT_EQ(AnchorOf(parsed->checkpoint).row_hash, expected.row_hash);
}

TEST(LogCheckpointTest, OriginMayHoldSpacesInside) {
  LogCheckpoint checkpoint = Example();
  checkpoint.origin = "shop refunds / eu-1";
  absl::StatusOr<std::string> body = FormatCheckpointBody(checkpoint);
  ASSERT_TRUE(body.ok()) << body.status();
  absl::StatusOr<SignedCheckpoint> parsed =
      ParseCheckpoint(absl::StrCat(*body, "\n", kGoldenSignatureLine));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->checkpoint.origin, "shop refunds / eu-1");
}

struct UnwritableCase {
  std::string name;
  void (*edit)(LogCheckpoint&);
  std::string message;
};

class UnwritableCheckpointTest
    : public ::testing::TestWithParam<UnwritableCase> {};

TEST_P(UnwritableCheckpointTest, IsRefusedNamingTheField) {
  LogCheckpoint checkpoint = Example();
  GetParam().edit(checkpoint);
  EXPECT_THAT(FormatCheckpointBody(checkpoint),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Fields, UnwritableCheckpointTest,
    ::testing::Values(
        UnwritableCase{"EmptyOrigin", [](LogCheckpoint& c) { c.origin = ""; },
                       "origin: empty"},
        UnwritableCase{"NewlineInOrigin",
                       [](LogCheckpoint& c) { c.origin = "a\nseq 1"; },
                       "origin: only printable ASCII"},
        UnwritableCase{"OriginEndsInSpace",
                       [](LogCheckpoint& c) { c.origin = "host "; },
                       "origin: starts or ends with a space"},
        UnwritableCase{
            "LongOrigin",
            [](LogCheckpoint& c) { c.origin = std::string(257, 'o'); },
            "origin: longer than 256"},
        UnwritableCase{"SeqZero", [](LogCheckpoint& c) { c.seq = 0; },
                       "seq: 0 is below 1"},
        UnwritableCase{"ShortHash",
                       [](LogCheckpoint& c) { c.row_hash.resize(31); },
                       "row_hash: 31 bytes"},
        UnwritableCase{"TimeBefore1970",
                       [](LogCheckpoint& c) {
                         c.time = absl::UnixEpoch() - absl::Seconds(1);
                       },
                       "time: outside"}),
    [](const ::testing::TestParamInfo<UnwritableCase>& info) {
      return info.param.name;
    });

TEST(LogCheckpointTest, BadKeyNameOrSizesAreRefused) {
  EXPECT_THAT(
      FormatSignedCheckpoint(kGoldenBody, "two words", Bytes(0, 4),
                             Bytes(0, 64)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key name")));
  EXPECT_THAT(
      FormatSignedCheckpoint(kGoldenBody, "a+b", Bytes(0, 4), Bytes(0, 64)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key name")));
  EXPECT_THAT(
      FormatSignedCheckpoint(kGoldenBody, "k", Bytes(0, 3), Bytes(0, 64)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key id")));
}

struct MalformedCase {
  std::string name;
  // Replaces the first occurrence of `from` in the golden note by `to`.
  std::string from;
  std::string to;
  std::string message;
};

class MalformedCheckpointTest : public ::testing::TestWithParam<MalformedCase> {
};

TEST_P(MalformedCheckpointTest, IsRefusedNamingTheLine) {
  const MalformedCase& test_case = GetParam();
  std::string text = GoldenNote();
  const size_t at = text.find(test_case.from);
  ASSERT_NE(at, std::string::npos) << test_case.from;
  text.replace(at, test_case.from.size(), test_case.to);
  EXPECT_THAT(ParseCheckpoint(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(test_case.message)))
      << text;
}

INSTANTIATE_TEST_SUITE_P(
    Lines, MalformedCheckpointTest,
    ::testing::Values(
        MalformedCase{"OtherVersion", "checkpoint v1", "checkpoint v2",
                      "checkpoint line 1 (header)"},
        MalformedCase{"NoOrigin", "origin build-01/decisions.db\n", "",
                      "checkpoint: 6 lines, expected 7"},
        MalformedCase{
            "OriginKeyMisspelt", "origin ", "origine ",
            "checkpoint line 2 (origin): expected \"origin <value>\""},
        MalformedCase{"OriginWithTab", "build-01", "build\t01",
                      "checkpoint line 2 (origin): origin: only printable"},
        MalformedCase{"SeqLeadingZero", "seq 12345", "seq 012345",
                      "checkpoint line 3 (seq)"},
        MalformedCase{"SeqNegative", "seq 12345", "seq -1",
                      "checkpoint line 3 (seq)"},
        MalformedCase{"SeqPlus", "seq 12345", "seq +12345",
                      "checkpoint line 3 (seq)"},
        MalformedCase{"SeqZero", "seq 12345", "seq 0",
                      "checkpoint line 3 (seq)"},
        MalformedCase{"SeqTooLong", "seq 12345", "seq 1234567890123456789",
                      "checkpoint line 3 (seq)"},
        MalformedCase{"SeqTwoSpaces", "seq 12345", "seq  12345",
                      "checkpoint line 3 (seq)"},
        MalformedCase{"UpperCaseHash", "0a0b0c", "0A0B0C",
                      "checkpoint line 4 (row_hash)"},
        MalformedCase{"ShortHash", "1e1f\n", "1e\n",
                      "checkpoint line 4 (row_hash)"},
        MalformedCase{"TimeWithoutFraction", "13:45:00.123456Z", "13:45:00Z",
                      "checkpoint line 5 (time)"},
        MalformedCase{"TimeWithOffset", "13:45:00.123456Z",
                      "13:45:00.123456+00:00", "checkpoint line 5 (time)"},
        MalformedCase{"TimeNanoseconds", "00.123456Z", "00.123456789Z",
                      "checkpoint line 5 (time)"},
        MalformedCase{"TimeBadDay", "2026-12-07", "2026-02-30",
                      "checkpoint line 5 (time)"},
        MalformedCase{"NoBlankLine", "Z\n\n", "Z\nx\n",
                      "checkpoint line 6 (blank)"},
        MalformedCase{"HyphenForEmDash", "\xE2\x80\x94 ", "- ",
                      "checkpoint line 7 (signature)"},
        MalformedCase{"NoKeyName", "\xE2\x80\x94 refund-decision-log ",
                      "\xE2\x80\x94 ", "checkpoint line 7 (signature)"},
        MalformedCase{"UnpaddedBase64", "4uM=\n", "4uM\n",
                      "checkpoint line 7 (signature): not standard base64"},
        MalformedCase{"UrlSafeBase64", "vr/", "vr_",
                      "checkpoint line 7 (signature): not standard base64"},
        MalformedCase{"CarriageReturn", "seq 12345\n", "seq 12345\r\n",
                      "checkpoint line 3 (line end)"},
        MalformedCase{"TextAfterSignature", "4uM=\n", "4uM=\nmore\n",
                      "checkpoint line 8 (end)"},
        MalformedCase{"NoFinalNewline", "4uM=\n",
                      "4uM=", "does not end with a newline"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      return info.param.name;
    });

TEST(LogCheckpointTest, EmptyTextIsRefused) {
  EXPECT_THAT(ParseCheckpoint(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
}

}  // namespace
}  // namespace refund::server
