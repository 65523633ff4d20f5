#include "engine/expr/calendar.h"

#include <algorithm>

namespace refund::expr {

std::shared_ptr<const CalendarConfig> DefaultCalendar() {
  static const auto* calendar = [] {
    auto config = std::make_shared<CalendarConfig>();
    if (!absl::LoadTimeZone("Asia/Shanghai", &config->zone)) {
      config->zone = absl::FixedTimeZone(8 * 60 * 60);
    }
    return new std::shared_ptr<const CalendarConfig>(std::move(config));
  }();
  return *calendar;
}

int64_t CalendarDaysBetween(const CalendarConfig& calendar, absl::Time from,
                            absl::Time to) {
  return absl::ToCivilDay(to, calendar.zone) -
         absl::ToCivilDay(from, calendar.zone);
}

absl::CivilDay LastDayOfWindow(const CalendarConfig& calendar,
                               absl::CivilDay signed_day, int64_t days) {
  absl::CivilDay last = signed_day + days;
  // A linear scan: holiday lists are short, and this does not rely on the
  // caller having sorted them.
  while (std::find(calendar.holidays.begin(), calendar.holidays.end(), last) !=
         calendar.holidays.end()) {
    ++last;
  }
  return last;
}

bool WithinDaysOfSigning(const CalendarConfig& calendar, absl::Time signed_at,
                         absl::Time applied_at, int64_t days) {
  const absl::CivilDay last = LastDayOfWindow(
      calendar, absl::ToCivilDay(signed_at, calendar.zone), days);
  return absl::ToCivilDay(applied_at, calendar.zone) <= last;
}

}  // namespace refund::expr
