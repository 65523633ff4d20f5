#include "engine/load/bundle_canonicalizer.h"

#include <algorithm>

#include "absl/strings/string_view.h"
#include "google/protobuf/text_format.h"

namespace refund {
namespace {

template <typename Repeated, typename Key>
void SortBy(Repeated* items, Key key) {
  std::stable_sort(
      items->begin(), items->end(),
      [&](const auto& a, const auto& b) { return key(a) < key(b); });
}

void SortTexts(google::protobuf::RepeatedPtrField<v1::LocalizedText>* texts) {
  SortBy(texts, [](const v1::LocalizedText& t) { return t.locale(); });
}

}  // namespace

v1::PolicyBundle CanonicalizeBundle(const v1::PolicyBundle& merged) {
  v1::PolicyBundle bundle = merged;
  v1::BundleSettings* settings = bundle.mutable_settings();
  if (settings->time_zone().empty()) settings->set_time_zone(kDefaultTimeZone);
  if (settings->currency().empty()) settings->set_currency(kDefaultCurrency);
  if (settings->sla_default_hours() == 0) {
    settings->set_sla_default_hours(kDefaultSlaHours);
  }
  if (settings->sla_urgent_hours() == 0) {
    settings->set_sla_urgent_hours(kDefaultUrgentSlaHours);
  }
  if (settings->urgent_when().empty()) {
    settings->set_urgent_when(kDefaultUrgentWhen);
  }
  if (settings->quiet_hours().start().empty()) {
    settings->mutable_quiet_hours()->set_start(kDefaultQuietStart);
  }
  if (settings->quiet_hours().end().empty()) {
    settings->mutable_quiet_hours()->set_end(kDefaultQuietEnd);
  }
  if (settings->locales().empty()) {
    settings->add_locales("zh-CN");
    settings->add_locales("en");
  }
  std::sort(settings->mutable_holidays()->begin(),
            settings->mutable_holidays()->end());

  SortBy(bundle.mutable_constants(),
         [](const v1::Constant& c) { return c.name(); });
  SortBy(bundle.mutable_rules(), [](const v1::Rule& r) { return r.id(); });
  SortBy(bundle.mutable_actions(),
         [](const v1::ActionSpec& a) { return a.code(); });
  for (v1::ActionSpec& action : *bundle.mutable_actions()) {
    SortTexts(action.mutable_scripts());
  }
  SortBy(bundle.mutable_forbidden(),
         [](const v1::ForbiddenSpec& f) { return f.code(); });
  for (v1::ForbiddenSpec& forbidden : *bundle.mutable_forbidden()) {
    SortTexts(forbidden.mutable_reasons());
  }
  SortBy(bundle.mutable_risks(),
         [](const v1::RiskSpec& r) { return r.code(); });
  for (v1::RiskSpec& risk : *bundle.mutable_risks()) {
    SortTexts(risk.mutable_descriptions());
  }
  return bundle;
}

std::string CanonicalText(const v1::PolicyBundle& canonical) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  std::string text;
  printer.PrintToString(canonical, &text);
  return text;
}

}  // namespace refund
