// Calendar-day arithmetic in the bundle's time zone: the platforms count
// after-sales windows in calendar days from the day after signing (签收次日),
// not in multiples of 24 hours.
#ifndef ENGINE_EXPR_CALENDAR_H_
#define ENGINE_EXPR_CALENDAR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace refund::expr {

struct CalendarConfig {
  absl::TimeZone zone;  // bundle time zone (Asia/Shanghai default)
  std::vector<absl::CivilDay> holidays;  // sorted
};

// Asia/Shanghai (a fixed +08:00 zone if the time zone database is missing),
// no holidays. Shared and immutable.
std::shared_ptr<const CalendarConfig> DefaultCalendar();

// Windows longer than this many days are refused (an evaluation error), so
// that day arithmetic cannot overflow.
inline constexpr int64_t kMaxWindowDays = 100000;

// A CalendarConfig prepared for evaluation: local dates as day numbers
// (days since 1970-01-01), holidays as a sorted set of day numbers. Zones
// whose UTC offset has not changed since some moment (Asia/Shanghai: since
// 1991) get local dates by integer arithmetic, twenty times cheaper than a
// time zone look-up; earlier instants and zones with daylight saving time use
// absl::ToCivilDay. Gives the same answers as the functions below taking a
// CalendarConfig. Immutable and thread-safe.
class CompiledCalendar {
 public:
  explicit CompiledCalendar(const CalendarConfig& calendar);

  // The local date of `t` as days since 1970-01-01.
  int64_t DayNumber(absl::Time t) const;
  absl::CivilDay DayOf(absl::Time t) const;
  // As the free functions below.
  int64_t CalendarDaysBetween(absl::Time from, absl::Time to) const;
  bool WithinDaysOfSigning(absl::Time signed_at, absl::Time applied_at,
                           int64_t days) const;

 private:
  absl::TimeZone zone_;
  std::vector<int64_t> holidays_;  // sorted day numbers
  bool fixed_ = false;
  absl::Time fixed_since_ = absl::InfiniteFuture();
  int64_t offset_seconds_ = 0;
};

// The number of calendar days from the local date of `from` to the local date
// of `to` (negative when `to` is on an earlier date).
int64_t CalendarDaysBetween(const CalendarConfig& calendar, absl::Time from,
                            absl::Time to);

// The last day of a window of `days` calendar days counted from the day after
// `signed_day`: signed_day + days, moved forward while it is a holiday.
// Requires 0 <= days <= kMaxWindowDays.
absl::CivilDay LastDayOfWindow(const CalendarConfig& calendar,
                               absl::CivilDay signed_day, int64_t days);

// SevenDayWindow (and its 15-day cousin): true when `applied_at` is before
// 24:00 local time at the end of LastDayOfWindow(local date of `signed_at`).
// Requires 0 <= days <= kMaxWindowDays.
bool WithinDaysOfSigning(const CalendarConfig& calendar, absl::Time signed_at,
                         absl::Time applied_at, int64_t days);

}  // namespace refund::expr

#endif  // ENGINE_EXPR_CALENDAR_H_
