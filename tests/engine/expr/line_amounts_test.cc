// The order-line arithmetic (engine/expr/line_amounts.h) and the helpers
// over it: paid shares by the largest remainder, parts of a line, gifts
// deducted from their own line, missing units of the lines asked for.
#include "engine/expr/line_amounts.h"

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "refund/v1/refund.pb.h"

namespace refund::expr {
namespace {

using ::testing::ElementsAre;

void AddLine(const std::string& sku, int64_t quantity, int64_t unit_price,
             v1::RefundRequest* request) {
  v1::LineItem* item = request->mutable_order()->add_items();
  item->set_sku(sku);
  item->set_quantity(quantity);
  item->mutable_unit_price()->set_minor_units(unit_price);
}

void AddGift(const std::string& sku, int64_t gift_value,
             v1::RefundRequest* request) {
  v1::LineItem* item = request->mutable_order()->add_items();
  item->set_sku(sku);
  item->set_quantity(1);
  item->set_is_gift(true);
  item->mutable_gift_value()->set_minor_units(gift_value);
}

void Ask(const std::string& sku, int64_t quantity, v1::RefundRequest* request) {
  v1::RefundItem* item = request->add_refund_items();
  item->set_sku(sku);
  item->set_quantity(quantity);
}

void Received(const std::string& sku, int64_t quantity,
              v1::RefundRequest* request) {
  v1::ReceivedItem* item = request->mutable_inspection()->add_received_items();
  item->set_sku(sku);
  item->set_quantity(quantity);
}

TEST(LineAmountsTest, LargestRemainderAddsUpExactly) {
  EXPECT_THAT(SplitByLargestRemainder(16000, {11700, 5900}),
              ElementsAre(10636, 5364));
  // 100 over three equal lines: the earlier line takes the left-over 分.
  EXPECT_THAT(SplitByLargestRemainder(100, {1, 1, 1}), ElementsAre(34, 33, 33));
  EXPECT_THAT(SplitByLargestRemainder(5, {0, 0}), ElementsAre(0, 0));
  const std::vector<int64_t> weights = {7, 13, 1, 999, 3};
  for (int64_t total : std::vector<int64_t>{0, 1, 17, 1000, 10'000'000'000}) {
    const std::vector<int64_t> parts = SplitByLargestRemainder(total, weights);
    EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), int64_t{0}), total)
        << total;
  }
}

TEST(LineAmountsTest, LargeAmountsDoNotOverflow) {
  // 10^10 paid over lines worth 10^16: products beyond int64.
  const std::vector<int64_t> parts =
      SplitByLargestRemainder(10'000'000'000, {10'000'000'000'000'000, 3});
  EXPECT_EQ(parts[0] + parts[1], 10'000'000'000);
  EXPECT_EQ(parts[1], 0);
}

TEST(LineAmountsTest, UnpricedLinesShareByQuantity) {
  v1::RefundRequest request;
  AddLine("A", 1, 0, &request);
  AddLine("B", 3, 0, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(800);
  EXPECT_THAT(OrderLineShares(request.order()), ElementsAre(200, 600));
}

TEST(LineAmountsTest, PartOfALineIsRoundedDown) {
  v1::RefundRequest request;
  AddLine("MUG", 3, 3900, &request);
  AddLine("PLATE", 1, 5900, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(16000);
  Ask("MUG", 1, &request);
  LineAmounts lines;
  ASSERT_TRUE(ComputeLineAmounts(request, &lines));
  ASSERT_EQ(lines.lines.size(), 1u);
  EXPECT_EQ(lines.lines[0].paid, 3545);  // floor(10636 / 3)
  EXPECT_EQ(lines.paid, 3545);
  EXPECT_EQ(lines.expected, 3545);
}

TEST(LineAmountsTest, GiftBelongsToTheLineBeforeIt) {
  v1::RefundRequest request;
  AddGift("GIFT-FIRST", 100, &request);  // before any goods: the dress's
  AddLine("DRESS", 1, 12900, &request);
  AddGift("POUCH", 1500, &request);
  AddLine("BELT", 1, 3900, &request);
  AddGift("PIN", 500, &request);
  EXPECT_EQ(GiftOwner(request.order(), 0), 1);
  EXPECT_EQ(GiftOwner(request.order(), 2), 1);
  EXPECT_EQ(GiftOwner(request.order(), 4), 3);
  EXPECT_EQ(GiftOwner(request.order(), 1), -1);
}

TEST(LineAmountsTest, GiftIsDeductedOnlyFromItsOwnLine) {
  v1::RefundRequest request;
  AddLine("DRESS", 1, 12900, &request);
  AddGift("POUCH", 1500, &request);
  AddLine("BELT", 1, 3900, &request);
  AddGift("PIN", 500, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(16800);
  Ask("DRESS", 1, &request);
  Received("DRESS", 1, &request);
  LineAmounts lines;
  ASSERT_TRUE(ComputeLineAmounts(request, &lines));
  EXPECT_EQ(lines.gift_deduction, 1500);
  EXPECT_EQ(lines.expected, 12900 - 1500);
}

TEST(LineAmountsTest, GiftOfAPartlyReturnedLineIsNotDeducted) {
  v1::RefundRequest request;
  AddLine("MUG", 2, 3900, &request);
  AddGift("COASTER", 300, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(7800);
  Ask("MUG", 1, &request);
  Received("MUG", 1, &request);
  LineAmounts lines;
  ASSERT_TRUE(ComputeLineAmounts(request, &lines));
  EXPECT_EQ(lines.gift_deduction, 0);
  EXPECT_EQ(lines.expected, 3900);
}

TEST(LineAmountsTest, MissingUnitsCountOnlyTheLinesAskedFor) {
  v1::RefundRequest request;
  AddLine("MUG", 3, 3900, &request);
  AddLine("PLATE", 2, 5900, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(23500);
  Ask("MUG", 3, &request);
  Ask("PLATE", 1, &request);
  Received("MUG", 2, &request);
  Received("PLATE", 1, &request);
  LineAmounts lines;
  ASSERT_TRUE(ComputeLineAmounts(request, &lines));
  EXPECT_EQ(lines.missing_units, 1);
  EXPECT_EQ(lines.missing_value, 3900);
  EXPECT_EQ(lines.paid, 11700 + 5900);
  EXPECT_EQ(lines.expected, 7800 + 5900);
}

TEST(LineAmountsTest, UnitsNeverReceivedAreNotMissingFromTheReturn) {
  v1::RefundRequest request;
  AddLine("MUG", 3, 3900, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(11700);
  Ask("MUG", 1, &request);
  request.mutable_refund_items(0)->add_claims(v1::LINE_CLAIM_MISSING);
  request.mutable_inspection()->set_inspected(true);
  LineAmounts lines;
  ASSERT_TRUE(ComputeLineAmounts(request, &lines));
  EXPECT_EQ(lines.missing_units, 0);
  EXPECT_EQ(lines.expected, 3900);
}

TEST(LineAmountsTest, WholeOrderAsksForEveryLine) {
  v1::RefundRequest request;
  AddLine("MUG", 3, 3900, &request);
  AddLine("PLATE", 1, 5900, &request);
  request.mutable_order()->mutable_paid_amount()->set_minor_units(16000);
  LineAmounts lines;
  ASSERT_TRUE(ComputeLineAmounts(request, &lines));
  EXPECT_EQ(lines.lines.size(), 2u);
  EXPECT_EQ(lines.paid, 16000);
  EXPECT_EQ(
      LinePaid(request.order(), OrderLineShares(request.order()), "PLATE"),
      5364);
}

}  // namespace
}  // namespace refund::expr
