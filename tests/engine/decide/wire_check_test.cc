#include "engine/decide/wire_check.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "refund/v1/service.pb.h"
#include "tests/testing/request_mutator.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_bundle.h"
#include "tests/testing/wire_format.h"

namespace refund {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;

using ::refund::testing::LengthField;
using ::refund::testing::Varint;
using ::refund::testing::VarintField;
// A DecideRequest whose `request` is SevenDayReturn() followed by `extra`
// (later fields of RefundRequest, merged by the parser).
std::string DecideBytes(const std::string& extra) {
  return LengthField(1, testing::SevenDayReturn().SerializeAsString() + extra);
}

const WireCheck& DecideRequestCheck() {
  static const WireCheck* check =
      new WireCheck(*v1::DecideRequest::descriptor());
  return *check;
}

absl::Status Explain(const std::string& bytes) {
  google::protobuf::io::ArrayInputStream input(bytes.data(),
                                               static_cast<int>(bytes.size()));
  return DecideRequestCheck().ExplainParseFailure(
      input, static_cast<int>(bytes.size()));
}

absl::Status OutOfRangeEnum(const std::string& bytes) {
  google::protobuf::io::ArrayInputStream input(bytes.data(),
                                               static_cast<int>(bytes.size()));
  return DecideRequestCheck().FindOutOfRangeEnum(
      input, static_cast<int>(bytes.size()));
}

bool Parses(const std::string& bytes) {
  google::protobuf::LogSilencer quiet;
  v1::DecideRequest request;
  return request.ParseFromString(bytes);
}

// Serialized with a string that is not UTF-8 (the setters do not check;
// serializing logs and writes the bytes as they are).
std::string SerializeQuietly(const v1::DecideRequest& request) {
  google::protobuf::LogSilencer quiet;
  return request.SerializeAsString();
}

struct Utf8Case {
  std::string path;
  std::function<void(v1::RefundRequest*, const std::string&)> set;
};

TEST(WireCheckTest, NamesTheStringFieldThatIsNotUtf8) {
  const std::string kBad = "bad \xed\xa0\x80 bytes";
  const std::vector<Utf8Case> cases = {
      {"request.request_id", [](auto* r, auto& s) { r->set_request_id(s); }},
      {"request.locale", [](auto* r, auto& s) { r->set_locale(s); }},
      {"request.requested_amount.currency",
       [](auto* r, auto& s) {
         r->mutable_requested_amount()->set_currency(s);
       }},
      {"request.order.items[3].title",
       [](auto* r, auto& s) {
         for (int i = 0; i < 3; ++i)
           r->mutable_order()->add_items()->set_title("ok");
         r->mutable_order()->mutable_items(3)->set_title(s);
       }},
      {"request.order.items[1].unit_price.currency",
       [](auto* r, auto& s) {
         r->mutable_order()->add_items()->mutable_unit_price()->set_currency(s);
       }},
      {"request.inspection.received_items[2].sku",
       [](auto* r, auto& s) {
         for (int i = 0; i < 2; ++i) {
           r->mutable_inspection()->add_received_items()->set_sku("ok");
         }
         r->mutable_inspection()->add_received_items()->set_sku(s);
       }},
      {"request.return_shipment.tracking_number",
       [](auto* r, auto& s) {
         r->mutable_return_shipment()->set_tracking_number(s);
       }},
      {"request.buyer.buyer_id",
       [](auto* r, auto& s) { r->mutable_buyer()->set_buyer_id(s); }},
  };
  for (const Utf8Case& c : cases) {
    SCOPED_TRACE(c.path);
    v1::DecideRequest request;
    *request.mutable_request() = testing::SevenDayReturn();
    c.set(request.mutable_request(), kBad);
    const std::string bytes = SerializeQuietly(request);
    ASSERT_FALSE(Parses(bytes));
    EXPECT_THAT(Explain(bytes), StatusIs(absl::StatusCode::kInvalidArgument,
                                         c.path + ": not valid UTF-8"));
  }
}

TEST(WireCheckTest, NamesWhereTheBytesStopBeingWireFormat) {
  struct Case {
    std::string name;
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"LengthPastTheEnd", std::string("\x0a\x7f\x0a\x03", 4),
       "not a refund.v1.DecideRequest (field 1 (request): length 127 runs "
       "past the end)"},
      {"WireTypeSeven", DecideBytes(Varint(8 << 3 | 7)),
       "request: not a refund.v1.RefundRequest (wire type 7 of field 8)"},
      {"EndGroupOutsideAGroup", DecideBytes(Varint(20 << 3 | 4)),
       "request: not a refund.v1.RefundRequest (an end-group tag of field 20 "
       "outside a group)"},
      {"FieldNumberZero", DecideBytes(Varint(0 << 3 | 2) + Varint(0)),
       "request: not a refund.v1.RefundRequest (field number 0)"},
      {"TruncatedVarintInOrder",
       LengthField(
           1,
           LengthField(8, LengthField(2, VarintField(4, 1)) +
                              LengthField(2, VarintField(4, 1) +
                                                 std::string("\x20\x80", 2)))),
       "request.order.items[1]: not a refund.v1.LineItem (field 4 (quantity): "
       "truncated)"},
      {"UnknownFieldPastTheEnd",
       DecideBytes(LengthField(8, Varint(99 << 3 | 2) + Varint(5))),
       "request.order: not a refund.v1.Order (field 99 runs past the end)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_FALSE(Parses(c.bytes)) << absl::CEscape(c.bytes);
    EXPECT_THAT(Explain(c.bytes),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message));
  }
}

// The premise of FindOutOfRangeEnum: the parser accepts an enum varint
// beyond 32 bits and keeps its low 32 bits.
TEST(WireCheckTest, TheParserTruncatesEnumVarints) {
  v1::DecideRequest request;
  ASSERT_TRUE(request.ParseFromString(DecideBytes(VarintField(4, 1ULL << 40))));
  EXPECT_EQ(request.request().platform(), 0);
  ASSERT_TRUE(
      request.ParseFromString(DecideBytes(VarintField(4, (1ULL << 32) + 1))));
  EXPECT_EQ(request.request().platform(), v1::PLATFORM_DOUYIN);
}

TEST(WireCheckTest, FindsEnumVarintsBeyondThirtyTwoBits) {
  const auto packed = [](std::vector<uint64_t> values) {
    std::string bytes;
    for (uint64_t v : values) bytes += Varint(v);
    return bytes;
  };
  struct Case {
    std::string name;
    std::string extra;  // appended to the RefundRequest
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Platform", VarintField(4, 1ULL << 40),
       "request.platform: unknown enum value 1099511627776 (does not fit in 32 "
       "bits)"},
      {"TypeJustAboveInt32", VarintField(5, 1ULL << 31),
       "request.type: unknown enum value 2147483648 (does not fit in 32 bits)"},
      {"ReasonBelowInt32",
       VarintField(6, static_cast<uint64_t>(int64_t{INT32_MIN} - 1)),
       "request.reason: unknown enum value -2147483649 (does not fit in 32 "
       "bits)"},
      {"PackedEvidence", LengthField(12, packed({1, 2, (1ULL << 32) + 1})),
       "request.evidence[2]: unknown enum value 4294967297 (does not fit in 32 "
       "bits)"},
      {"UnpackedEvidenceAfterPacked",
       LengthField(12, packed({1, 2})) + VarintField(12, 3) +
           VarintField(12, 1ULL << 40),
       "request.evidence[3]: unknown enum value 1099511627776 (does not fit in "
       "32 bits)"},
      {"DamageCause", LengthField(10, VarintField(5, 1ULL << 33)),
       "request.inspection.damage_cause: unknown enum value 8589934592 (does "
       "not fit in 32 bits)"},
      {"ResaleDefect", LengthField(10, LengthField(4, packed({1, 1ULL << 62}))),
       "request.inspection.resale_defects[1]: unknown enum value "
       "4611686018427387904 (does not fit in 32 bits)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string bytes = DecideBytes(c.extra);
    ASSERT_TRUE(Parses(bytes));
    EXPECT_THAT(OutOfRangeEnum(bytes),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message));
    // The explanation of a failed parse reports it too.
    EXPECT_THAT(Explain(bytes),
                StatusIs(absl::StatusCode::kInvalidArgument, c.message));
  }
}

TEST(WireCheckTest, AcceptsEnumsThatFitAndFieldsTheParserKeepsAsUnknown) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Valid", ""},
      // A negative int32 is ten bytes on the wire, and fits.
      {"NegativeEnum", VarintField(4, static_cast<uint64_t>(int64_t{-3}))},
      {"LargestInt32", VarintField(5, INT32_MAX)},
      {"SmallestInt32",
       VarintField(6, static_cast<uint64_t>(int64_t{INT32_MIN}))},
      // A singular enum sent length-delimited is an unknown field to the
      // parser, whatever its bytes say.
      {"PlatformAsBytes", LengthField(4, Varint(1ULL << 40))},
      {"UnknownField", VarintField(99, 1ULL << 40)},
      // Messages without enums are skipped whole, unknown fields included.
      {"UnknownFieldInOrder", LengthField(8, VarintField(99, 1ULL << 40))},
  };
  for (const auto& [name, extra] : cases) {
    SCOPED_TRACE(name);
    const std::string bytes = DecideBytes(extra);
    ASSERT_TRUE(Parses(bytes));
    EXPECT_EQ(OutOfRangeEnum(bytes), absl::OkStatus());
    EXPECT_EQ(Explain(bytes), absl::OkStatus());
  }
}

// Damaged serializations of realistic requests: bytes the parser accepts
// never get a finding other than an enum beyond 32 bits, and bytes it
// refuses always get one.
TEST(WireCheckTest, AgreesWithTheParserOnDamagedBytes) {
  testing::SplitMix64 rng(8);
  const v1::RefundRequest base = testing::SevenDayReturn();
  int refused = 0;
  for (int round = 0; round < 20000; ++round) {
    v1::DecideRequest request;
    *request.mutable_request() = testing::MutateRequest(base, rng);
    std::string bytes = request.SerializeAsString();
    for (uint64_t n = 1 + rng.Below(3); n > 0; --n) {
      const size_t at = rng.Below(bytes.size());
      switch (rng.Below(4)) {
        case 0:
          bytes[at] = static_cast<char>(rng.Below(256));
          break;
        case 1:
          bytes.resize(at);
          break;
        case 2:
          bytes.insert(at, 1, static_cast<char>(0x80 | rng.Below(128)));
          break;
        default:
          bytes[at] = static_cast<char>(bytes[at] ^ (1 << rng.Below(8)));
      }
      if (bytes.empty()) break;
    }
    const absl::Status explained = Explain(bytes);
    if (Parses(bytes)) {
      if (!explained.ok()) {
        ASSERT_THAT(explained.message(), HasSubstr("does not fit in 32 bits"))
            << absl::CEscape(bytes);
      }
      ASSERT_EQ(OutOfRangeEnum(bytes), explained) << absl::CEscape(bytes);
    } else {
      ++refused;
      ASSERT_FALSE(explained.ok()) << absl::CEscape(bytes);
    }
  }
  EXPECT_GT(refused, 5000);
}

}  // namespace
}  // namespace refund
