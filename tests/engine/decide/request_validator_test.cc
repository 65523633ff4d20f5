#include "engine/decide/request_validator.h"

#include <cstdint>
#include <functional>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/policy_requests.h"
#include "tests/testing/request_mutator.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_bundle.h"

namespace refund {
namespace {

using ::refund::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(RequestValidatorTest, AcceptsAValidRequest) {
  EXPECT_TRUE(ValidateRefundRequest(testing::SevenDayReturn()).ok());
}

struct InvalidCase {
  std::string name;
  std::function<void(v1::RefundRequest*)> mutate;
  std::string field;  // the error must start with it
};

class InvalidRequestTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidRequestTest, NamesTheField) {
  v1::RefundRequest request = testing::SevenDayReturn();
  GetParam().mutate(&request);
  absl::Status status = ValidateRefundRequest(request);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               StartsWith(GetParam().field + ":")));
  EXPECT_FALSE(IsValidRefundRequest(request));
  EXPECT_EQ(RefundRequestError(request), status);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, InvalidRequestTest,
    ::testing::Values(
        InvalidCase{"MissingRequestId", [](auto* r) { r->clear_request_id(); },
                    "request.request_id"},
        InvalidCase{"MissingRefundId", [](auto* r) { r->clear_refund_id(); },
                    "request.refund_id"},
        InvalidCase{"MissingShopId", [](auto* r) { r->clear_shop_id(); },
                    "request.shop_id"},
        InvalidCase{"LongRequestId",
                    [](auto* r) { r->set_request_id(std::string(200, 'x')); },
                    "request.request_id"},
        InvalidCase{"ControlCharacter", [](auto* r) { r->set_shop_id("a\nb"); },
                    "request.shop_id"},
        InvalidCase{
            "NegativeAmount",
            [](auto* r) { r->mutable_requested_amount()->set_minor_units(-1); },
            "request.requested_amount.minor_units"},
        InvalidCase{
            "HugeAmount",
            [](auto* r) {
              r->mutable_order()->mutable_paid_amount()->set_minor_units(
                  INT64_MAX);
            },
            "request.order.paid_amount.minor_units"},
        InvalidCase{"RequestedAbovePaid",
                    [](auto* r) {
                      r->mutable_requested_amount()->set_minor_units(13000);
                    },
                    "request.requested_amount"},
        InvalidCase{
            "CurrencyMismatch",
            [](auto* r) { r->mutable_requested_amount()->set_currency("USD"); },
            "request.requested_amount.currency"},
        InvalidCase{"BadCurrency",
                    [](auto* r) {
                      r->mutable_requested_amount()->set_currency("yuan");
                    },
                    "request.requested_amount.currency"},
        InvalidCase{"UnknownReason",
                    [](auto* r) { r->set_reason(static_cast<v1::Reason>(99)); },
                    "request.reason"},
        InvalidCase{
            "UnknownPlatform",
            [](auto* r) { r->set_platform(static_cast<v1::Platform>(-3)); },
            "request.platform"},
        InvalidCase{
            "UnknownEvidence",
            [](auto* r) { r->add_evidence(static_cast<v1::EvidenceKind>(77)); },
            "request.evidence[0]"},
        InvalidCase{"UnknownDefect",
                    [](auto* r) {
                      r->mutable_inspection()->add_resale_defects(
                          static_cast<v1::ResaleDefect>(1000));
                    },
                    "request.inspection.resale_defects[0]"},
        InvalidCase{"DeliveredAfterRequested",
                    [](auto* r) {
                      *r->mutable_order()->mutable_delivered_at() =
                          testing::At("2026-06-01T00:00:00Z");
                    },
                    "request.order.delivered_at"},
        InvalidCase{"DeliveredBeforeShipped",
                    [](auto* r) {
                      *r->mutable_order()->mutable_delivered_at() =
                          testing::At("2026-04-28T10:00:00+08:00");
                    },
                    "request.order.delivered_at"},
        InvalidCase{"AppliedAfterRequested",
                    [](auto* r) {
                      *r->mutable_applied_at() =
                          testing::At("2026-05-04T10:00:00+08:00");
                    },
                    "request.applied_at"},
        InvalidCase{"MissingRequestedAt",
                    [](auto* r) { r->clear_requested_at(); },
                    "request.requested_at"},
        InvalidCase{"BadNanos",
                    [](auto* r) { r->mutable_requested_at()->set_nanos(-5); },
                    "request.requested_at"},
        InvalidCase{"TimestampOutOfRange",
                    [](auto* r) {
                      r->mutable_after_sale_deadline()->set_seconds(INT64_MAX);
                    },
                    "request.after_sale_deadline"},
        InvalidCase{"NegativeQuantity",
                    [](auto* r) {
                      r->mutable_order()->mutable_items(0)->set_quantity(-1);
                    },
                    "request.order.items[0].quantity"},
        InvalidCase{"TooManyItems",
                    [](auto* r) {
                      for (int i = 0; i <= kMaxLineItems; ++i) {
                        r->mutable_order()->add_items()->set_sku("x");
                      }
                    },
                    "request.order.items"},
        InvalidCase{"TooMuchEvidence",
                    [](auto* r) {
                      for (int i = 0; i <= kMaxEvidence; ++i) {
                        r->add_evidence(v1::EVIDENCE_KIND_CHAT_RECORD);
                      }
                    },
                    "request.evidence"},
        InvalidCase{"ReturnReceivedBeforeShipped",
                    [](auto* r) {
                      *r->mutable_return_shipment()->mutable_shipped_at() =
                          testing::At("2026-05-03T09:00:00+08:00");
                      *r->mutable_return_shipment()->mutable_received_at() =
                          testing::At("2026-05-02T09:00:00+08:00");
                    },
                    "request.return_shipment.received_at"},
        InvalidCase{"NegativeBuyerCount",
                    [](auto* r) { r->mutable_buyer()->set_refunds_90d(-2); },
                    "request.buyer.refunds_90d"},
        // Issue 20, finding 8: what a hostile client sent and was accepted.
        InvalidCase{"NextLineInShopId",
                    [](auto* r) { r->set_shop_id("shop-1\xc2\x85"); },
                    "request.shop_id"},
        InvalidCase{"RightToLeftOverrideInOrderId",
                    [](auto* r) {
                      r->mutable_order()->set_order_id(
                          "ord-\xe2\x80\xae"
                          "24");
                    },
                    "request.order.order_id"},
        InvalidCase{"ZeroWidthSpaceInRequestId",
                    [](auto* r) { r->set_request_id("req\xe2\x80\x8b-1"); },
                    "request.request_id"},
        InvalidCase{"LineSeparatorInSku",
                    [](auto* r) {
                      r->mutable_order()->mutable_items(0)->set_sku(
                          "dress\xe2\x80\xa8");
                    },
                    "request.order.items[0].sku"},
        InvalidCase{"ByteOrderMarkInBuyerId",
                    [](auto* r) {
                      r->mutable_buyer()->set_buyer_id(
                          "\xef\xbb\xbf"
                          "b-1");
                    },
                    "request.buyer.buyer_id"},
        InvalidCase{"WordJoinerInTrackingNumber",
                    [](auto* r) {
                      r->mutable_return_shipment()->set_tracking_number(
                          "SF1\xe2\x81\xa0"
                          "2");
                    },
                    "request.return_shipment.tracking_number"},
        InvalidCase{"TagCharacterInReceivedSku",
                    [](auto* r) {
                      r->mutable_inspection()->add_received_items()->set_sku(
                          "dress\xf3\xa0\x80\x81");
                    },
                    "request.inspection.received_items[0].sku"},
        InvalidCase{"AllSpaceRefundId",
                    [](auto* r) { r->set_refund_id("          "); },
                    "request.refund_id"},
        InvalidCase{
            "IdeographicSpaceShopId",
            [](auto* r) { r->set_shop_id("\xe3\x80\x80\xe3\x80\x80 "); },
            "request.shop_id"},
        InvalidCase{
            "NoBreakSpaceOrderId",
            [](auto* r) { r->mutable_order()->set_order_id("\xc2\xa0"); },
            "request.order.order_id"},
        InvalidCase{"InvalidUtf8Title",
                    [](auto* r) {
                      r->mutable_order()->mutable_items(0)->set_title(
                          "dress \xed\xa0\x80");
                    },
                    "request.order.items[0].title"},
        InvalidCase{"OverrideInTitle",
                    [](auto* r) {
                      r->mutable_order()->mutable_items(0)->set_title(
                          "dress \xe2\x80\xae"
                          "eulb");
                    },
                    "request.order.items[0].title"},
        InvalidCase{"NextLineInTitle",
                    [](auto* r) {
                      r->mutable_order()->mutable_items(0)->set_title(
                          "dress\xc2\x85"
                          "blue");
                    },
                    "request.order.items[0].title"},
        InvalidCase{"UnspecifiedPlatform", [](auto* r) { r->clear_platform(); },
                    "request.platform"},
        InvalidCase{"UnspecifiedType", [](auto* r) { r->clear_type(); },
                    "request.type"},
        InvalidCase{"UnspecifiedReason", [](auto* r) { r->clear_reason(); },
                    "request.reason"},
        InvalidCase{"LinesFarAbovePaid",
                    [](auto* r) {
                      v1::LineItem* item = r->mutable_order()->mutable_items(0);
                      item->set_quantity(kMaxQuantity);
                      item->mutable_unit_price()->set_minor_units(
                          kMaxMinorUnits);
                    },
                    "request.order.items"},
        InvalidCase{"LinesElevenTimesPaid",
                    [](auto* r) {
                      r->mutable_order()->mutable_items(0)->set_quantity(11);
                    },
                    "request.order.items"},
        InvalidCase{"ReturnShippedBeforePaid",
                    [](auto* r) {
                      r->mutable_order()->clear_shipped_at();
                      r->mutable_order()->clear_delivered_at();
                      *r->mutable_return_shipment()->mutable_shipped_at() =
                          testing::At("2026-04-27T09:00:00+08:00");
                    },
                    "request.return_shipment.shipped_at"},
        InvalidCase{"ReturnShippedBeforeDelivered",
                    [](auto* r) {
                      *r->mutable_return_shipment()->mutable_shipped_at() =
                          testing::At("2026-05-01T11:00:00+08:00");
                    },
                    "request.return_shipment.shipped_at"},
        InvalidCase{"ReturnReceivedBeforeDeliveredWithoutShipping",
                    [](auto* r) {
                      *r->mutable_return_shipment()->mutable_received_at() =
                          testing::At("2026-04-30T09:00:00+08:00");
                    },
                    "request.return_shipment.received_at"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) {
      return info.param.name;
    });

TEST(RequestValidatorTest, NamesTheEarlierMomentAndTheCharacter) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.mutable_order()->clear_shipped_at();
  request.mutable_order()->clear_delivered_at();
  *request.mutable_return_shipment()->mutable_shipped_at() =
      testing::At("2026-04-27T09:00:00+08:00");
  EXPECT_THAT(ValidateRefundRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request.return_shipment.shipped_at: before "
                       "order.paid_at"));

  request = testing::SevenDayReturn();
  request.set_shop_id("shop\xe2\x80\xae");
  EXPECT_THAT(ValidateRefundRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request.shop_id: contains an invisible or formatting "
                       "character (U+202E)"));
  request.set_shop_id("shop\xc2\x85");
  EXPECT_THAT(
      ValidateRefundRequest(request),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "request.shop_id: contains a control character (U+0085)"));
  request.set_shop_id("\xe3\x80\x80");
  EXPECT_THAT(ValidateRefundRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request.shop_id: blank (only spaces)"));
  request.set_shop_id("shop-1");
  request.clear_platform();
  EXPECT_THAT(ValidateRefundRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request.platform: required"));

  request = testing::SevenDayReturn();
  request.mutable_order()->mutable_items(0)->set_quantity(kMaxQuantity);
  request.mutable_order()
      ->mutable_items(0)
      ->mutable_unit_price()
      ->set_minor_units(kMaxMinorUnits);
  EXPECT_THAT(ValidateRefundRequest(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "request.order.items: quantity x unit_price adds up to "
                       "10000000000000000, more than 10 times "
                       "order.paid_amount 12900"));
}

// What real requests carry stays valid: spaces and CJK inside ids, joiners in
// titles, discounts, shipping, orders without lines, returns sent back once
// the parcel arrived.
TEST(RequestValidatorTest, AcceptsWhatRealRequestsCarry) {
  const std::vector<
      std::pair<std::string, std::function<void(v1::RefundRequest*)>>>
      cases = {
          {"SpaceInsideShopId", [](auto* r) { r->set_shop_id("my shop 1"); }},
          {"ChineseShopId",
           [](auto* r) { r->set_shop_id("\xe5\xba\x97\xe9\x93\xba-1"); }},
          {"EmojiZeroWidthJoinerInTitle",
           [](auto* r) {
             r->mutable_order()->mutable_items(0)->set_title(
                 "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb mug");
           }},
          {"TitleOfSpaces",
           [](auto* r) {
             r->mutable_order()->mutable_items(0)->set_title("  ");
           }},
          {"NinetyPercentDiscount",
           [](auto* r) {
             r->mutable_order()->mutable_items(0)->set_quantity(10);
           }},
          {"PaidMoreThanLines",
           [](auto* r) {
             r->mutable_order()->mutable_items(0)->set_quantity(0);
           }},
          {"NoLines", [](auto* r) { r->mutable_order()->clear_items(); }},
          {"ReturnSentAfterDelivery",
           [](auto* r) {
             *r->mutable_return_shipment()->mutable_shipped_at() =
                 testing::At("2026-05-02T09:00:00+08:00");
             *r->mutable_return_shipment()->mutable_received_at() =
                 testing::At("2026-05-03T09:00:00+08:00");
           }},
          {"ReturnReceivedWithoutShippingDate",
           [](auto* r) {
             *r->mutable_return_shipment()->mutable_received_at() =
                 testing::At("2026-05-02T09:00:00+08:00");
           }},
      };
  for (const auto& [name, mutate] : cases) {
    SCOPED_TRACE(name);
    v1::RefundRequest request = testing::SevenDayReturn();
    mutate(&request);
    EXPECT_TRUE(IsValidRefundRequest(request));
    EXPECT_EQ(RefundRequestError(request), absl::OkStatus());
  }
}

TEST(RequestValidatorTest, UsesThePrefixGiven) {
  v1::RefundRequest request = testing::SevenDayReturn();
  request.clear_shop_id();
  absl::Status status = ValidateRefundRequest(request, "cases[3].request");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("cases[3].request.shop_id: required"));
}

// Changes that make a request invalid (or nearly so), for holding
// IsValidRefundRequest to RefundRequestError.
using Corruption =
    std::function<void(v1::RefundRequest*, testing::SplitMix64&)>;

std::vector<Corruption> Corruptions() {
  using google::protobuf::util::TimeUtil;
  const auto text = [](testing::SplitMix64& rng) {
    // Characters refused in ids, in text, or in neither (a joiner, CJK, an
    // inner space); invalid UTF-8; spaces only.
    static constexpr const char* kPieces[] = {
        "\xc2\x85",         "\xe2\x80\xae",
        "\xe2\x80\x8b",     "\xe2\x80\xa8",
        "\xef\xbb\xbf",     "\xe3\x80\x80",
        "\xc2\xa0",         "\xe2\x80\x8d",
        "\xe5\xba\x97",     " ",
        "\xed\xa0\x80",     "\xc3",
        "\xf3\xa0\x80\x81", "\xe2\x81\xa6",
        "abcdefgh"};
    switch (rng.Below(9)) {
      case 6:
        return std::string(1 + rng.Below(12), ' ');
      case 7:
      case 8: {
        std::string value;
        for (uint64_t k = 1 + rng.Below(4); k > 0; --k) {
          value += kPieces[rng.Below(std::size(kPieces))];
        }
        return value;
      }
      case 0:
        return std::string();
      case 1:
        return std::string(kMaxIdLength + rng.Below(2), 'x');
      case 2:
        return std::string(kMaxTextLength + rng.Below(2), 'y');
      case 3:
        return std::string("abcdefgh\x7f");
      case 4:
        return std::string("\xe9\x80\x80\x1f");
      default:
        return std::string(33, 'z');
    }
  };
  const auto amount = [](testing::SplitMix64& rng) -> int64_t {
    const int64_t kValues[] = {-1, 0, kMaxMinorUnits, kMaxMinorUnits + 1, 5};
    return kValues[rng.Below(5)];
  };
  const auto seconds = [](testing::SplitMix64& rng) -> int64_t {
    const int64_t kValues[] = {
        TimeUtil::kTimestampMinSeconds - 1, TimeUtil::kTimestampMinSeconds,
        TimeUtil::kTimestampMaxSeconds, TimeUtil::kTimestampMaxSeconds + 1, 0};
    return kValues[rng.Below(5)];
  };
  const auto currency = [](testing::SplitMix64& rng) {
    const char* kValues[] = {"", "CNY", "USD", "cny", "CN", "CNYY", "C1Y"};
    return std::string(kValues[rng.Below(7)]);
  };
  const auto quantity = [](testing::SplitMix64& rng) -> int64_t {
    const int64_t kValues[] = {-1, 0, kMaxQuantity, kMaxQuantity + 1};
    return kValues[rng.Below(4)];
  };
  const auto timestamp = [seconds](google::protobuf::Timestamp* t,
                                   testing::SplitMix64& rng) {
    if (rng.OneIn(2)) {
      t->set_seconds(seconds(rng));
    } else {
      t->set_nanos(rng.OneIn(2) ? -1 : 1'000'000'000);
    }
  };
  return {
      [text](auto* r, auto& rng) { r->set_request_id(text(rng)); },
      [text](auto* r, auto& rng) { r->set_refund_id(text(rng)); },
      [text](auto* r, auto& rng) { r->set_shop_id(text(rng)); },
      [text](auto* r, auto& rng) { r->set_locale(text(rng)); },
      [text](auto* r, auto& rng) {
        r->mutable_order()->set_order_id(text(rng));
      },
      [text](auto* r, auto& rng) {
        r->mutable_return_shipment()->set_tracking_number(text(rng));
      },
      [text](auto* r, auto& rng) {
        r->mutable_buyer()->set_buyer_id(text(rng));
      },
      [text](auto* r, auto& rng) {
        v1::LineItem* item = r->mutable_order()->add_items();
        switch (rng.Below(3)) {
          case 0:
            item->set_sku(text(rng));
            break;
          case 1:
            item->set_title(text(rng));
            break;
          default:
            item->set_category(text(rng));
        }
      },
      [text, quantity](auto* r, auto& rng) {
        v1::ReceivedItem* item = r->mutable_inspection()->add_received_items();
        item->set_sku(text(rng));
        item->set_quantity(quantity(rng));
      },
      [quantity](auto* r, auto& rng) {
        r->mutable_order()->add_items()->set_quantity(quantity(rng));
      },
      [](auto* r, auto& rng) {
        // Lines priced around ten times what was paid.
        v1::Order* order = r->mutable_order();
        v1::LineItem* item = order->add_items();
        item->set_quantity(static_cast<int64_t>(1 + rng.Below(3)));
        const int64_t paid = order->paid_amount().minor_units();
        const int64_t kPrices[] = {paid * 9, paid * 10, paid * 10 + 1, paid * 5,
                                   kMaxMinorUnits};
        item->mutable_unit_price()->set_minor_units(kPrices[rng.Below(5)]);
      },
      [amount, currency](auto* r, auto& rng) {
        v1::LineItem* item = r->mutable_order()->add_items();
        v1::Money* money = rng.OneIn(2) ? item->mutable_unit_price()
                                        : item->mutable_gift_value();
        money->set_minor_units(amount(rng));
        money->set_currency(currency(rng));
      },
      [amount, currency](auto* r, auto& rng) {
        v1::Money* money = rng.OneIn(2)
                               ? r->mutable_requested_amount()
                               : r->mutable_order()->mutable_paid_amount();
        if (rng.OneIn(2)) {
          money->set_minor_units(amount(rng));
        } else {
          money->set_currency(currency(rng));
        }
      },
      [quantity](auto* r, auto& rng) {
        v1::BuyerProfile* buyer = r->mutable_buyer();
        switch (rng.Below(3)) {
          case 0:
            buyer->set_orders_90d(quantity(rng));
            break;
          case 1:
            buyer->set_refunds_90d(quantity(rng));
            break;
          default:
            buyer->set_refund_only_90d(quantity(rng));
        }
      },
      [](auto* r, auto& rng) {
        const int kValues[] = {-1, 0, 1, 99, 1000};
        const int value = kValues[rng.Below(5)];
        switch (rng.Below(7)) {
          case 0:
            r->set_platform(static_cast<v1::Platform>(value));
            break;
          case 1:
            r->set_type(static_cast<v1::RequestType>(value));
            break;
          case 2:
            r->set_reason(static_cast<v1::Reason>(value));
            break;
          case 3:
            r->add_evidence(static_cast<v1::EvidenceKind>(value));
            break;
          case 4:
            r->mutable_inspection()->add_resale_defects(
                static_cast<v1::ResaleDefect>(value));
            break;
          case 5:
            r->mutable_inspection()->set_damage_cause(
                static_cast<v1::DamageCause>(value));
            break;
          default:
            for (int i = 0; i < kMaxEvidence; ++i) {
              r->add_evidence(v1::EVIDENCE_KIND_CHAT_RECORD);
            }
        }
      },
      [](auto* r, auto& rng) {
        const int n = rng.OneIn(2) ? kMaxResaleDefects : kMaxReceivedItems;
        for (int i = 0; i < n; ++i) {
          if (n == kMaxResaleDefects) {
            r->mutable_inspection()->add_resale_defects(
                v1::RESALE_DEFECT_TAGS_REMOVED);
          } else {
            r->mutable_inspection()->add_received_items()->set_sku("s");
          }
        }
      },
      [](auto* r, auto&) {
        for (int i = 0; i < kMaxLineItems; ++i) {
          r->mutable_order()->add_items()->set_sku("s");
        }
      },
      [timestamp](auto* r, auto& rng) {
        google::protobuf::Timestamp* kTimes[] = {
            r->mutable_requested_at(),
            r->mutable_applied_at(),
            r->mutable_after_sale_deadline(),
            r->mutable_order()->mutable_paid_at(),
            r->mutable_order()->mutable_shipped_at(),
            r->mutable_order()->mutable_delivered_at(),
            r->mutable_return_shipment()->mutable_shipped_at(),
            r->mutable_return_shipment()->mutable_received_at()};
        timestamp(kTimes[rng.Below(8)], rng);
      },
      [](auto* r, auto& rng) {
        // Moves one moment relative to another by up to a few days, or
        // clears one: the order checks.
        google::protobuf::Timestamp* kTimes[] = {
            r->mutable_requested_at(),
            r->mutable_applied_at(),
            r->mutable_order()->mutable_paid_at(),
            r->mutable_order()->mutable_shipped_at(),
            r->mutable_order()->mutable_delivered_at(),
            r->mutable_return_shipment()->mutable_shipped_at(),
            r->mutable_return_shipment()->mutable_received_at()};
        google::protobuf::Timestamp* t = kTimes[rng.Below(7)];
        if (rng.OneIn(3)) {
          t->set_nanos(static_cast<int32_t>(rng.Below(3)));
        } else {
          t->set_seconds(t->seconds() +
                         static_cast<int64_t>(rng.Below(6 * 86400)) -
                         3 * 86400);
        }
      },
      [](auto* r, auto& rng) {
        // A return sent or received around one of the order's moments.
        const v1::Order& order = r->order();
        const google::protobuf::Timestamp* kOrderTimes[] = {
            &order.paid_at(), &order.shipped_at(), &order.delivered_at()};
        google::protobuf::Timestamp moment = *kOrderTimes[rng.Below(3)];
        moment.set_seconds(moment.seconds() +
                           static_cast<int64_t>(rng.Below(3)) - 1);
        *(rng.OneIn(2) ? r->mutable_return_shipment()->mutable_shipped_at()
                       : r->mutable_return_shipment()->mutable_received_at()) =
            moment;
      },
      [](auto* r, auto& rng) {
        switch (rng.Below(8)) {
          case 0:
            r->clear_requested_at();
            break;
          case 1:
            r->clear_applied_at();
            break;
          case 2:
            r->mutable_order()->clear_paid_at();
            break;
          case 3:
            r->mutable_order()->clear_shipped_at();
            break;
          case 4:
            r->mutable_order()->clear_delivered_at();
            break;
          case 5:
            r->mutable_return_shipment()->clear_shipped_at();
            break;
          case 6:
            r->mutable_return_shipment()->clear_received_at();
            break;
          default:
            r->clear_after_sale_deadline();
        }
      },
  };
}

// The fast path may only say "valid" when the field-by-field checks find
// nothing, and must say so whenever they do: the same requests are accepted
// and the same errors returned.
TEST(IsValidRefundRequestTest, AgreesWithTheFieldByFieldChecks) {
  auto requests = testing::ReadPolicyRequests(REFUND_POLICIES_DIR "/tests");
  ASSERT_TRUE(requests.ok()) << requests.status();
  const std::vector<Corruption> corruptions = Corruptions();
  testing::SplitMix64 rng(11);
  int valid = 0;
  int invalid = 0;
  for (const testing::PolicyRequest& base : *requests) {
    for (int round = 0; round < 60; ++round) {
      v1::RefundRequest request =
          round == 0 ? base.request : testing::MutateRequest(base.request, rng);
      for (uint64_t n = round == 0 ? 0 : rng.Below(3); n > 0; --n) {
        corruptions[rng.Below(corruptions.size())](&request, rng);
      }
      const absl::Status error = RefundRequestError(request);
      ASSERT_EQ(IsValidRefundRequest(request), error.ok())
          << error << "\n"
          << request.ShortDebugString();
      ASSERT_EQ(ValidateRefundRequest(request), error);
      (error.ok() ? valid : invalid) += 1;
    }
  }
  // Both answers were exercised, plenty of each.
  EXPECT_GT(valid, 1000);
  EXPECT_GT(invalid, 1000);
}

}  // namespace
}  // namespace refund
