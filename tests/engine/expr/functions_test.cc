// The calendar helpers: SevenDayWindow counted in local calendar days from
// the day after signing (签收次日), with holidays moving the last day. The
// return-content helpers: what counts as reported.
#include "engine/expr/functions.h"

#include <cctype>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "engine/expr/calendar.h"
#include "engine/expr/expression.h"
#include "gtest/gtest.h"
#include "tests/testing/expr_test_util.h"

namespace refund::expr {
namespace {

using testing::Local;

struct WindowCase {
  std::string name;
  absl::Time signed_at;
  absl::Time applied_at;
  int days;
  std::vector<absl::CivilDay> holidays;
  bool within;
  int days_since_signing;

  friend void PrintTo(const WindowCase& c, std::ostream* os) { *os << c.name; }
};

class SevenDayWindowTest : public ::testing::TestWithParam<WindowCase> {};

TEST_P(SevenDayWindowTest, CountsCalendarDaysInTheBundleZone) {
  const WindowCase& c = GetParam();
  const Environment env = testing::TestEnvironment(c.holidays);
  v1::RefundRequest request = testing::FullRequest();
  testing::SetTime(c.signed_at,
                   request.mutable_order()->mutable_delivered_at());
  testing::SetTime(c.applied_at, request.mutable_applied_at());

  auto within = Expression::Compile(
      "within_days_of_signing(" + std::to_string(c.days) + ")", env,
      Expect::kBool, nullptr);
  ASSERT_TRUE(within.ok()) << within.status();
  absl::StatusOr<bool> result = (*within)->EvaluateBool(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, c.within);

  auto days =
      Expression::Compile("days_since_signing()", env, Expect::kAny, nullptr);
  ASSERT_TRUE(days.ok());
  absl::StatusOr<ConstantValue> count = (*days)->Evaluate(request);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(count->int_value, c.days_since_signing);
}

INSTANTIATE_TEST_SUITE_P(
    Windows, SevenDayWindowTest,
    ::testing::ValuesIn(std::vector<WindowCase>{
        {"SignedLateAppliedLastMinuteOfDaySeven",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 8, 23, 59),
         7,
         {},
         true,
         7},
        {"SignedLateAppliedMidnightOfDayEight",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 9, 0, 0),
         7,
         {},
         false,
         8},
        {"SignedJustBeforeMidnightLastSecond",
         Local(2026, 5, 1, 23, 59, 59),
         Local(2026, 5, 8, 23, 59, 59),
         7,
         {},
         true,
         7},
        {"SignedJustBeforeMidnightNextDayTooLate",
         Local(2026, 5, 1, 23, 59, 59),
         Local(2026, 5, 9, 0, 0, 0),
         7,
         {},
         false,
         8},
        {"SignedJustAfterMidnightGetsThatDayCounted",
         Local(2026, 5, 2, 0, 0, 1),
         Local(2026, 5, 9, 23, 0),
         7,
         {},
         true,
         7},
        {"MoreThanSevenTimesTwentyFourHoursStillWithin",
         Local(2026, 5, 1, 8, 0),
         Local(2026, 5, 8, 20, 0),
         7,
         {},
         true,
         7},
        // 07:00 local is 23:00 UTC the day before: days are local days.
        {"LocalDayNotUtcDay",
         Local(2026, 5, 2, 7, 0),
         Local(2026, 5, 9, 20, 0),
         7,
         {},
         true,
         7},
        {"HolidayOnLastDayExtendsIt",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 9, 10, 0),
         7,
         {absl::CivilDay(2026, 5, 8)},
         true,
         8},
        {"ConsecutiveHolidaysExtendFurther",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 10, 23, 59),
         7,
         {absl::CivilDay(2026, 5, 8), absl::CivilDay(2026, 5, 9)},
         true,
         9},
        {"ExtendedWindowStillEndsAtMidnight",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 11, 0, 0),
         7,
         {absl::CivilDay(2026, 5, 8), absl::CivilDay(2026, 5, 9)},
         false,
         10},
        {"HolidayInsideWindowDoesNotExtend",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 9, 0, 0),
         7,
         {absl::CivilDay(2026, 5, 5)},
         false,
         8},
        {"AppliedBeforeSigning",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 4, 30, 12, 0),
         7,
         {},
         true,
         -1},
        {"ZeroDayWindowSameDay",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 1, 23, 50),
         0,
         {},
         true,
         0},
        {"ZeroDayWindowNextDay",
         Local(2026, 5, 1, 23, 30),
         Local(2026, 5, 2, 0, 0),
         0,
         {},
         false,
         1},
        {"FifteenDayWindow",
         Local(2026, 5, 1, 10, 0),
         Local(2026, 5, 16, 23, 59),
         15,
         {},
         true,
         15},
        {"AcrossMonthEnd",
         Local(2026, 1, 28, 12, 0),
         Local(2026, 2, 4, 23, 0),
         7,
         {},
         true,
         7},
    }),
    [](const ::testing::TestParamInfo<WindowCase>& info) {
      return info.param.name;
    });

TEST(SevenDayWindowTest, UsesAppliedAtNotRequestedAt) {
  const Environment env = testing::TestEnvironment();
  v1::RefundRequest request = testing::FullRequest();
  testing::SetTime(Local(2026, 5, 8, 23, 0), request.mutable_applied_at());
  testing::SetTime(Local(2026, 5, 20, 9, 0), request.mutable_requested_at());
  auto within = Expression::Compile("within_days_of_signing(7)", env,
                                    Expect::kBool, nullptr);
  ASSERT_TRUE(within.ok());
  EXPECT_EQ((*within)->EvaluateBool(request).value_or(false), true);
  // Without applied_at the evaluation moment counts.
  request.clear_applied_at();
  EXPECT_EQ((*within)->EvaluateBool(request).value_or(true), false);
}

TEST(CompiledCalendarTest, MatchesTheReferenceFunctions) {
  const CalendarConfig calendar{
      testing::Shanghai(),
      {absl::CivilDay(2026, 5, 8), absl::CivilDay(2026, 5, 9),
       absl::CivilDay(2026, 5, 20)}};
  const CompiledCalendar compiled(calendar);
  const absl::Time signed_at = Local(2026, 5, 1, 23, 30);
  for (int hour = -48; hour < 24 * 25; ++hour) {
    const absl::Time applied =
        signed_at + absl::Hours(hour) + absl::Minutes(29);
    EXPECT_EQ(compiled.CalendarDaysBetween(signed_at, applied),
              CalendarDaysBetween(calendar, signed_at, applied));
    for (int days : {0, 1, 6, 7, 15}) {
      EXPECT_EQ(compiled.WithinDaysOfSigning(signed_at, applied, days),
                WithinDaysOfSigning(calendar, signed_at, applied, days))
          << hour << " " << days;
    }
  }
}

TEST(CalendarTest, LastDayOfWindowSkipsHolidays) {
  CalendarConfig calendar{
      testing::Shanghai(),
      {absl::CivilDay(2026, 10, 1), absl::CivilDay(2026, 10, 2)}};
  EXPECT_EQ(LastDayOfWindow(calendar, absl::CivilDay(2026, 9, 24), 7),
            absl::CivilDay(2026, 10, 3));
  EXPECT_EQ(LastDayOfWindow(calendar, absl::CivilDay(2026, 9, 20), 7),
            absl::CivilDay(2026, 9, 27));
}

class CompiledCalendarTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CompiledCalendarTest, AgreesWithTheTimeZoneDatabase) {
  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone(GetParam(), &zone));
  const CompiledCalendar days(CalendarConfig{zone, {}});
  std::mt19937_64 rng(7);
  // Every hour boundary of a few years, plus random instants from 1900 to
  // 2400.
  for (int64_t s = 1700000000; s < 1700000000 + 3 * 366 * 86400; s += 3600) {
    for (int64_t delta : {-1, 0, 1}) {
      const absl::Time t = absl::FromUnixSeconds(s + delta);
      ASSERT_EQ(days.DayOf(t), absl::ToCivilDay(t, zone)) << t;
    }
  }
  for (int i = 0; i < 20000; ++i) {
    const int64_t s = -2208988800 + static_cast<int64_t>(rng() % 15778800000);
    const absl::Time t =
        absl::FromUnixSeconds(s) + absl::Milliseconds(rng() % 1000);
    ASSERT_EQ(days.DayOf(t), absl::ToCivilDay(t, zone)) << t;
  }
  for (absl::Time t : {absl::InfinitePast(), absl::InfiniteFuture(),
                       absl::FromUnixSeconds(int64_t{1} << 50)}) {
    EXPECT_EQ(days.DayOf(t), absl::ToCivilDay(t, zone));
  }
}

INSTANTIATE_TEST_SUITE_P(Zones, CompiledCalendarTest,
                         ::testing::Values("Asia/Shanghai", "UTC",
                                           "America/New_York", "Europe/Berlin",
                                           "Asia/Kolkata",
                                           "Australia/Lord_Howe"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) {
                             if (std::isalnum(static_cast<unsigned char>(c))) {
                               name += c;
                             }
                           }
                           return name;
                         });

TEST(CalendarTest, DefaultCalendarIsShanghai) {
  const absl::Time t = Local(2026, 5, 1, 0, 30);
  EXPECT_EQ(absl::ToCivilDay(t, DefaultCalendar()->zone),
            absl::CivilDay(2026, 5, 1));
  EXPECT_TRUE(DefaultCalendar()->holidays.empty());
}

// An order of 2 × SHOE-42 at ¥50.00 and 1 gift GIFT-SOCKS worth ¥15.00
// (testing::FullRequest), with the inspection below.
struct ReturnContentsCase {
  std::string name;
  bool inspected;
  std::vector<std::pair<std::string, int>> received;  // sku, quantity
  bool empty_package;
  std::string unreturned_gift_value;
  std::string missing_item_value;
  int64_t missing_item_count;

  friend void PrintTo(const ReturnContentsCase& c, std::ostream* os) {
    *os << c.name;
  }
};

class ReturnContentsTest : public ::testing::TestWithParam<ReturnContentsCase> {
};

TEST_P(ReturnContentsTest, CountsWhatTheMerchantReported) {
  const ReturnContentsCase& c = GetParam();
  const Environment env = testing::TestEnvironment();
  v1::RefundRequest request = testing::FullRequest();
  v1::Inspection* inspection = request.mutable_inspection();
  inspection->set_inspected(c.inspected);
  inspection->clear_received_items();
  for (const auto& [sku, quantity] : c.received) {
    v1::ReceivedItem* item = inspection->add_received_items();
    item->set_sku(sku);
    item->set_quantity(quantity);
  }
  inspection->set_empty_package(c.empty_package);

  auto evaluate = [&](const std::string& text) {
    auto e = Expression::Compile(text, env, Expect::kAny, nullptr);
    EXPECT_TRUE(e.ok()) << e.status();
    if (!e.ok()) return std::string("compile error");
    absl::StatusOr<ConstantValue> value = (*e)->Evaluate(request);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? testing::Show(*value) : std::string("error");
  };
  EXPECT_EQ(evaluate("unreturned_gift_value()"), c.unreturned_gift_value);
  EXPECT_EQ(evaluate("missing_item_value()"), c.missing_item_value);
  EXPECT_EQ(evaluate("missing_item_count()"),
            std::to_string(c.missing_item_count));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReturnContentsTest,
    ::testing::ValuesIn(std::vector<ReturnContentsCase>{
        {"InspectedAndListed",
         true,
         {{"SHOE-42", 1}},
         false,
         "¥15.00",
         "¥50.00",
         1},
        {"ListedWithoutInspected",
         false,
         {{"SHOE-42", 1}},
         false,
         "¥15.00",
         "¥50.00",
         1},
        {"EverythingListed",
         false,
         {{"SHOE-42", 2}, {"GIFT-SOCKS", 1}},
         false,
         "¥0.00",
         "¥0.00",
         0},
        {"OnlyAnUnexpectedSkuListed",
         false,
         {{"BOOT-43", 1}},
         false,
         "¥15.00",
         "¥100.00",
         2},
        // Inspected with nothing listed: everything is missing (rules that
        // need the list guard with has(request.inspection.received_items)).
        {"InspectedNothingListed", true, {}, false, "¥15.00", "¥100.00", 2},
        {"InspectedEmptyParcel", true, {}, true, "¥15.00", "¥100.00", 2},
        {"NothingReported", false, {}, false, "¥0.00", "¥0.00", 0},
        {"EmptyParcelWithoutInspected", false, {}, true, "¥0.00", "¥0.00", 0},
    }),
    [](const ::testing::TestParamInfo<ReturnContentsCase>& info) {
      return info.param.name;
    });

TEST(HelperLibraryTest, EveryHelperIsRegisteredOnce) {
  std::vector<std::string> names;
  for (const HelperSpec& spec : AllHelpers()) {
    EXPECT_EQ(FindHelper(spec.name), &spec);
    EXPECT_FALSE(spec.overloads.empty());
    names.emplace_back(spec.name);
  }
  EXPECT_EQ(names.size(), 23u);  // 5 for order lines (issue 18)
  EXPECT_EQ(FindHelper("nope"), nullptr);
}

}  // namespace
}  // namespace refund::expr
