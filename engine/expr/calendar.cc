#include "engine/expr/calendar.h"

#include <algorithm>
#include <limits>

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

namespace {

const absl::CivilDay kEpochDay(1970, 1, 1);

}  // namespace

CompiledCalendar::CompiledCalendar(const CalendarConfig& calendar)
    : zone_(calendar.zone) {
  for (const absl::CivilDay& day : calendar.holidays) {
    holidays_.push_back(day - kEpochDay);
  }
  std::sort(holidays_.begin(), holidays_.end());
  // Walk the transitions up to a far year; if the last one is behind us for
  // good, the offset after it is fixed. Zones with DST have transitions
  // every year and keep using the zone.
  const absl::Time horizon = absl::FromCivil(
      absl::CivilSecond(2200, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  absl::Time last = absl::InfinitePast();
  absl::TimeZone::CivilTransition transition;
  absl::Time at = absl::InfinitePast();
  bool exhausted = false;
  for (int i = 0; i < 2000; ++i) {
    if (!zone_.NextTransition(at, &transition)) {
      exhausted = true;
      break;
    }
    // An instant at or after the transition: for a backward transition the
    // repeated civil time `to` maps to the earlier instant, so take the
    // later of the two mappings, and never go backwards.
    absl::Time when = std::max(absl::FromCivil(transition.from, zone_),
                               absl::FromCivil(transition.to, zone_));
    if (when <= at) when = at + absl::Hours(24);
    if (when >= horizon) return;  // transitions go on: DST
    last = when;
    at = when;
  }
  if (!exhausted) return;
  if (last == absl::InfinitePast()) {
    last = absl::UnixEpoch() - absl::Hours(24 * 365 * 100);
  }
  fixed_ = true;
  fixed_since_ = last + absl::Hours(48);
  offset_seconds_ = zone_.At(fixed_since_).offset;
}

int64_t CompiledCalendar::DayNumber(absl::Time t) const {
  // Infinite times have no day number (their civil day minus the epoch
  // overflows); protobuf timestamps are always finite.
  if (t == absl::InfiniteFuture())
    return std::numeric_limits<int64_t>::max() / 4;
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min() / 4;
  if (!fixed_ || t < fixed_since_ ||
      t > absl::FromUnixSeconds(int64_t{1} << 40)) {
    return absl::ToCivilDay(t, zone_) - kEpochDay;
  }
  const int64_t local = absl::ToUnixSeconds(t) + offset_seconds_;
  int64_t days = local / 86400;
  if (local % 86400 < 0) --days;
  return days;
}

absl::CivilDay CompiledCalendar::DayOf(absl::Time t) const {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
    return absl::ToCivilDay(t, zone_);
  }
  return kEpochDay + DayNumber(t);
}

int64_t CompiledCalendar::CalendarDaysBetween(absl::Time from,
                                              absl::Time to) const {
  return DayNumber(to) - DayNumber(from);
}

bool CompiledCalendar::WithinDaysOfSigning(absl::Time signed_at,
                                           absl::Time applied_at,
                                           int64_t days) const {
  int64_t last = DayNumber(signed_at) + days;
  while (std::binary_search(holidays_.begin(), holidays_.end(), last)) ++last;
  return DayNumber(applied_at) <= last;
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
