#include "tools/refundctl/suggestion_printer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "engine/decide/script_template.h"
#include "google/protobuf/util/time_util.h"

namespace refund {
namespace {

using google::protobuf::util::TimeUtil;

class Printer {
 public:
  explicit Printer(const v1::SuggestActionsResponse& suggestion)
      : suggestion_(suggestion) {
    if (suggestion.time_zone().empty() ||
        !absl::LoadTimeZone(suggestion.time_zone(), &zone_)) {
      zone_ = absl::UTCTimeZone();
      zone_name_ = "UTC";
    } else {
      zone_name_ = suggestion.time_zone();
    }
  }

  std::string Print() {
    Header();
    Actions();
    Section("Missing evidence", suggestion_.missing_evidence_size());
    for (const v1::EvidenceRequirement& evidence :
         suggestion_.missing_evidence()) {
      Item(absl::StripPrefix(v1::EvidenceKind_Name(evidence.kind()),
                             "EVIDENCE_KIND_"),
           evidence.reason());
    }
    Section("Forbidden", suggestion_.forbidden_size());
    for (const v1::ForbiddenAction& forbidden : suggestion_.forbidden()) {
      Item(forbidden.code(), forbidden.reason());
    }
    Section("Risks", suggestion_.risks_size());
    for (const v1::Risk& risk : suggestion_.risks()) {
      Item(risk.code(), risk.description());
    }
    return out_;
  }

 private:
  std::string Local(const google::protobuf::Timestamp& timestamp) const {
    return FormatLocalTime(
        absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp)),
        zone_);
  }

  void Header() {
    absl::StrAppend(
        &out_,
        absl::StripPrefix(v1::Verdict_Name(suggestion_.verdict()), "VERDICT_"),
        "  refund ", FormatYuan(suggestion_.refund_amount().minor_units()),
        "  case ", suggestion_.refund_id(), "\n");
    if (suggestion_.has_respond_by()) {
      absl::StrAppend(&out_, "respond by ", Local(suggestion_.respond_by()),
                      " (", zone_name_, ")\n");
    }
    absl::StrAppend(&out_,
                    suggestion_.dry_run()
                        ? "dry run: not stored"
                        : absl::StrCat("decision ", suggestion_.decision_id()),
                    "; scripts in ", suggestion_.locale());
    if (suggestion_.locale_fallback()) {
      absl::StrAppend(&out_, " (the requested locale is not in the bundle)");
    }
    absl::StrAppend(&out_, "\n");
  }

  void Actions() {
    Section("Actions, in order", suggestion_.actions_size());
    int number = 0;
    for (const v1::SuggestedAction& action : suggestion_.actions()) {
      absl::StrAppend(&out_, "  ", ++number, ". ", action.code(), "  [",
                      absl::AsciiStrToLower(absl::StripPrefix(
                          v1::Channel_Name(action.channel()), "CHANNEL_")),
                      "]");
      if (action.has_not_before()) {
        absl::StrAppend(&out_, "  not before ", Local(action.not_before()));
      }
      if (action.has_due_by()) {
        absl::StrAppend(&out_, "  due ", Local(action.due_by()));
      }
      absl::StrAppend(&out_, "\n     ", action.script(), "\n");
    }
  }

  void Section(absl::string_view title, int count) {
    absl::StrAppend(&out_, "\n", title, ":", count == 0 ? " none\n" : "\n");
  }

  void Item(absl::string_view code, absl::string_view text) {
    absl::StrAppend(&out_, "  - ", code, ": ", text, "\n");
  }

  const v1::SuggestActionsResponse& suggestion_;
  absl::TimeZone zone_;
  std::string zone_name_;
  std::string out_;
};

}  // namespace

std::string FormatSuggestion(const v1::SuggestActionsResponse& suggestion) {
  return Printer(suggestion).Print();
}

}  // namespace refund
