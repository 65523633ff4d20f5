#include "engine/load/bundle_loader.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "engine/base/sha256.h"
#include "engine/base/status_macros.h"
#include "engine/decide/bundle_internals.h"
#include "engine/decide/request_validator.h"
#include "engine/load/bundle_canonicalizer.h"
#include "engine/load/floor_guard.h"
#include "engine/load/layer_compile.h"
#include "engine/load/shop_layer_loader.h"
#include "engine/load/source_text.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace refund {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

constexpr char kCollectEvidence[] = "COLLECT_EVIDENCE";
constexpr char kEscalateToOwner[] = "ESCALATE_TO_OWNER";
constexpr int kDefaultActionRank = 100;

// What protobuf's parse error `message` says about the grammar, without
// the file's text it quotes. Its messages put the file's token after
// ", found" or ", got:", and elsewhere in quotes (an unknown enum value, a
// field name); only shapes that quote nothing of the file survive, the rest
// become one generic description.
std::string WithoutFileText(absl::string_view message) {
  if (absl::StartsWith(message, "Expected ")) {
    const absl::string_view expected = message.substr(
        0, std::min(message.find(", found"), message.find(", got")));
    // "Expected identifier" or a one-character token: `Expected "{"`.
    const bool word =
        expected == "Expected identifier" || expected == "Expected integer" ||
        expected == "Expected double" || expected == "Expected string";
    const bool punctuation =
        expected.size() == 12 && absl::StartsWith(expected, "Expected \"") &&
        absl::EndsWith(expected, "\"") && absl::ascii_ispunct(expected[10]);
    if (word || punctuation) return std::string(expected);
  }
  constexpr absl::string_view kMessageType = "Message type \"";
  if (absl::StartsWith(message, kMessageType) &&
      absl::StrContains(message, "\" has no field named ")) {
    // The type's full name comes from the descriptor, not the file.
    const absl::string_view rest = message.substr(kMessageType.size());
    const absl::string_view type = rest.substr(0, rest.find('"'));
    const bool is_name =
        !type.empty() && std::all_of(type.begin(), type.end(), [](char c) {
          return absl::ascii_isalnum(c) || c == '_' || c == '.';
        });
    if (is_name) {
      return absl::StrCat("Message type \"", type,
                          "\" has no field by this name");
    }
  }
  return "not valid text format for refund.v1.PolicyBundle";
}

class ParseErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  ParseErrorCollector(std::string path, bool quote_file_text,
                      std::vector<PolicyIssue>* issues)
      : path_(std::move(path)),
        quote_file_text_(quote_file_text),
        issues_(issues) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    issues_->push_back({path_, line + 1, column + 1,
                        quote_file_text_ ? message : WithoutFileText(message)});
  }

 private:
  std::string path_;
  bool quote_file_text_;
  std::vector<PolicyIssue>* issues_;
};

struct ParsedFile {
  explicit ParsedFile(const BundleSourceFile& source)
      : path(source.path), text(source.content) {}
  std::string path;
  SourceText text;
  v1::PolicyBundle bundle;
  TextFormat::ParseInfoTree tree;
};

// Where an element of the merged bundle was written: its file, its parse
// tree and its message type.
struct Origin {
  const ParsedFile* file = nullptr;
  const TextFormat::ParseInfoTree* tree = nullptr;
  const Descriptor* type = nullptr;
};

// Protobuf aborts on index -1 for a repeated field (and on another index for
// a singular one): normalise before asking the parse tree.
int TreeIndex(const FieldDescriptor* field, int index) {
  if (!field->is_repeated()) return -1;
  return index < 0 ? 0 : index;
}

// The origin of element `index` of repeated message field `field` of the
// file's top level (or of the singular field when index is -1).
Origin OriginOf(const ParsedFile& file, const char* field, int index) {
  const FieldDescriptor* descriptor =
      v1::PolicyBundle::descriptor()->FindFieldByName(field);
  return {&file,
          file.tree.GetTreeForNested(descriptor, TreeIndex(descriptor, index)),
          descriptor->message_type()};
}

Origin Nested(const Origin& parent, const char* field, int index) {
  if (parent.tree == nullptr) return {parent.file, nullptr, nullptr};
  const FieldDescriptor* descriptor = parent.type->FindFieldByName(field);
  index = TreeIndex(descriptor, index);
  return {parent.file, parent.tree->GetTreeForNested(descriptor, index),
          descriptor->message_type()};
}

// Reports issues at places in the bundle's files.
class IssueReporter {
 public:
  explicit IssueReporter(std::vector<PolicyIssue>* issues) : issues_(issues) {}

  // At value `index` (-1 when singular) of `field` of the element.
  void At(const Origin& origin, absl::string_view field, int index,
          std::string message) {
    Push(origin, Offset(origin, field, index), std::move(message));
  }

  // At byte `offset` inside the string value of `field` (an expression or a
  // script), so the column points into the expression.
  void InString(const Origin& origin, absl::string_view field, int index,
                int offset, std::string message) {
    std::optional<size_t> start = Offset(origin, field, index);
    if (start.has_value()) {
      std::vector<size_t> offsets =
          origin.file->text.StringValueOffsets(*start);
      if (!offsets.empty()) {
        start =
            offsets[std::min<size_t>(std::max(offset, 0), offsets.size() - 1)];
      }
    }
    Push(origin, start, std::move(message));
  }

  void InFile(const std::string& path, std::string message) {
    issues_->push_back({path, 0, 0, std::move(message)});
  }

  size_t count() const { return issues_->size(); }

 private:
  static std::optional<size_t> Offset(const Origin& origin,
                                      absl::string_view field, int index) {
    if (origin.tree == nullptr || origin.type == nullptr) return std::nullopt;
    const FieldDescriptor* descriptor =
        origin.type->FindFieldByName(std::string(field));
    if (descriptor == nullptr) return std::nullopt;
    TextFormat::ParseLocation location =
        origin.tree->GetLocation(descriptor, TreeIndex(descriptor, index));
    if (location.line < 0) return std::nullopt;
    return origin.file->text.OffsetOfTokenizerPosition(location.line,
                                                       location.column);
  }

  void Push(const Origin& origin, std::optional<size_t> offset,
            std::string message) {
    const std::string file =
        origin.file != nullptr ? origin.file->path : "(bundle)";
    if (!offset.has_value()) {
      issues_->push_back({file, 0, 0, std::move(message)});
      return;
    }
    auto [line, column] = origin.file->text.LineColumnOf(*offset);
    issues_->push_back({file, line, column, std::move(message)});
  }

  std::vector<PolicyIssue>* issues_;
};

bool IsUpperSnake(absl::string_view code) {
  if (code.empty() || !absl::ascii_isupper(code[0])) return false;
  for (char c : code) {
    if (!absl::ascii_isupper(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsRuleId(absl::string_view id) {
  if (id.empty() || !absl::ascii_islower(id[0])) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_' &&
        c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// "HH:MM" -> minutes after midnight.
std::optional<int> ParseClock(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  int hours = 0;
  int minutes = 0;
  if (parts.size() != 2 || parts[0].size() != 2 || parts[1].size() != 2 ||
      !absl::SimpleAtoi(parts[0], &hours) ||
      !absl::SimpleAtoi(parts[1], &minutes) || hours < 0 || hours > 23 ||
      minutes < 0 || minutes > 59) {
    return std::nullopt;
  }
  return hours * 60 + minutes;
}

// Compiles the merged bundle into `out`, reporting every mistake.
class BundleCompiler {
 public:
  BundleCompiler(const std::vector<std::unique_ptr<ParsedFile>>& files,
                 const LoadOptions& options, std::vector<PolicyIssue>* issues)
      : files_(files),
        options_(options),
        report_(issues),
        cost_bounds_(RequestCostBounds()),
        bundle_cost_(cost_bounds_) {}

  // Compiles a shop layer over `target.floor` instead of a floor.
  void SetLayer(const LayerTarget* target) { layer_ = target; }

  std::unique_ptr<BundleInternals> Compile();

 private:
  struct Located {
    Origin origin;
  };

  void MergeFiles();
  // A layer's bundle: what it may not set, and its settings within the
  // floor's bounds.
  void CheckLayerShape();
  // The definition of a layer: its own elements, the floor's settings with
  // the layer's within bounds, the floor's version and the shop.
  v1::PolicyBundle LayerDefinition() const;
  void CompileSettings();
  void CompileConstants();
  void CompileCatalog();
  void CompileRules();
  void CompileFallback();
  template <typename Spec, typename TextsOf>
  std::vector<CompiledNotice> CompileNotices(
      const google::protobuf::RepeatedPtrField<Spec>& specs,
      const char* bundle_field, const char* texts_field, TextsOf texts_of,
      std::map<std::string, int>* index_by_code);
  // The text of each locale of settings.locales, in their order; a locale
  // that is unknown, given twice or missing is an issue at
  // `texts_field`[i] (or at `texts_field`[at_index] for all of them when the
  // texts sit inside an element of a repeated message, at_index >= 0).
  std::vector<std::string> TextsPerLocale(
      const Origin& origin, const char* texts_field,
      const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
      const std::string& code, int at_index = -1);
  std::shared_ptr<const expr::Expression> CompileExpression(
      const Origin& origin, const char* field, const std::string& text,
      expr::Expect expect);
  // Estimates what evaluating `expression` (compiled from `field` of the
  // element at `origin`) costs: over the per-expression limit, an issue at
  // the field naming `what` ("rule \"x\": condition"); adds it to the
  // bundle's total.
  void CheckCost(const Origin& origin, const char* field,
                 const expr::Expression* expression, const std::string& what);
  // The bundle's total against its limit.
  void CheckBundleCost();
  void ResolveCodes(
      const Origin& origin, const char* field,
      const google::protobuf::RepeatedPtrField<std::string>& codes,
      const std::map<std::string, int>& index_by_code,
      absl::string_view catalog, std::vector<int>* out);

  const std::vector<std::unique_ptr<ParsedFile>>& files_;
  const LoadOptions& options_;
  IssueReporter report_;
  const expr::CostBounds cost_bounds_;
  // Shared by every expression: counts each argument-less helper once.
  expr::CostEstimator bundle_cost_;
  int64_t bundle_cost_total_ = 0;
  bool expression_over_limit_ = false;
  // The costliest expression, where the bundle's issue points.
  struct Costliest {
    Origin origin;
    const char* field = nullptr;
    std::string what;
    int64_t cost = -1;
  } costliest_;
  v1::PolicyBundle merged_;
  // Origins of merged_'s elements, by field name and index in merged_.
  std::map<std::string, std::vector<Origin>> origins_;
  Origin settings_origin_;
  Origin fallback_origin_;
  Origin name_origin_;
  std::unique_ptr<BundleInternals> out_;
  std::map<std::string, int> action_index_;
  std::map<std::string, int> forbidden_index_;
  std::map<std::string, int> risk_index_;
  const LayerTarget* layer_ = nullptr;
  Origin shop_id_origin_;
  Origin floor_version_origin_;
};

// The floor's entries of a catalog by code, numbered as in the floor.
template <typename Entries>
std::map<std::string, int> FloorCodes(const Entries& entries) {
  std::map<std::string, int> codes;
  for (size_t i = 0; i < entries.size(); ++i) {
    codes.emplace(entries[i].code, static_cast<int>(i));
  }
  return codes;
}

// "a shop layer adds ..., it cannot change the floor's" for `what`.
std::string FloorOwned(absl::string_view what, absl::string_view name) {
  return absl::StrCat(what, " \"", name,
                      "\" is the floor's: a shop layer adds its own, it "
                      "cannot change or replace the floor's");
}

void BundleCompiler::MergeFiles() {
  const ParsedFile* name_file = nullptr;
  const ParsedFile* settings_file = nullptr;
  const ParsedFile* fallback_file = nullptr;
  for (const auto& file : files_) {
    const v1::PolicyBundle& part = file->bundle;
    Origin top{file.get(), &file->tree, v1::PolicyBundle::descriptor()};
    if (!part.name().empty()) {
      if (name_file != nullptr) {
        report_.At(
            top, "name", -1,
            absl::StrCat("bundle name already set in ", name_file->path));
      }
      name_file = file.get();
      name_origin_ = top;
      merged_.set_name(part.name());
    }
    if (part.has_settings()) {
      if (settings_file != nullptr) {
        report_.At(
            top, "settings", -1,
            absl::StrCat("settings already given in ", settings_file->path));
      }
      settings_file = file.get();
      settings_origin_ = OriginOf(*file, "settings", -1);
      *merged_.mutable_settings() = part.settings();
    }
    if (part.has_fallback()) {
      if (fallback_file != nullptr) {
        report_.At(
            top, "fallback", -1,
            absl::StrCat("fallback already given in ", fallback_file->path));
      }
      fallback_file = file.get();
      fallback_origin_ = OriginOf(*file, "fallback", -1);
      *merged_.mutable_fallback() = part.fallback();
    }
    if (!part.floor_version().empty()) {
      if (layer_ == nullptr || !layer_->from_canonical_text) {
        report_.At(top, "floor_version", -1,
                   "floor_version is written by the loader into a layer's "
                   "canonical text, never in policy files");
      }
      floor_version_origin_ = top;
      merged_.set_floor_version(part.floor_version());
    }
    if (!part.shop_id().empty()) {
      if (layer_ == nullptr) {
        report_.At(top, "shop_id", -1,
                   "shop_id belongs in a shop layer (the floor is every "
                   "shop's)");
      } else if (!merged_.shop_id().empty() &&
                 merged_.shop_id() != part.shop_id()) {
        report_.At(top, "shop_id", -1,
                   absl::StrCat("shop_id \"", part.shop_id(),
                                "\" disagrees with \"", merged_.shop_id(),
                                "\" given in another file of the layer"));
      }
      shop_id_origin_ = top;
      merged_.set_shop_id(part.shop_id());
    }
    for (int i = 0; i < part.constants_size(); ++i) {
      *merged_.add_constants() = part.constants(i);
      origins_["constants"].push_back(OriginOf(*file, "constants", i));
    }
    for (int i = 0; i < part.rules_size(); ++i) {
      *merged_.add_rules() = part.rules(i);
      origins_["rules"].push_back(OriginOf(*file, "rules", i));
    }
    for (int i = 0; i < part.actions_size(); ++i) {
      *merged_.add_actions() = part.actions(i);
      origins_["actions"].push_back(OriginOf(*file, "actions", i));
    }
    for (int i = 0; i < part.forbidden_size(); ++i) {
      *merged_.add_forbidden() = part.forbidden(i);
      origins_["forbidden"].push_back(OriginOf(*file, "forbidden", i));
    }
    for (int i = 0; i < part.risks_size(); ++i) {
      *merged_.add_risks() = part.risks(i);
      origins_["risks"].push_back(OriginOf(*file, "risks", i));
    }
  }
  if (merged_.name().empty() && layer_ == nullptr) {
    report_.InFile(files_.empty() ? "(bundle)" : files_.front()->path,
                   "the bundle has no `name` (set it in one file)");
  }
}

void BundleCompiler::CheckLayerShape() {
  const BundleInternals& floor = *layer_->floor;
  if (merged_.has_fallback()) {
    report_.At(fallback_origin_, "verdict", -1,
               "a shop layer has no fallback: the floor's decides the cases "
               "no rule covers");
  }
  if (layer_->from_canonical_text) {
    if (merged_.floor_version() != floor.version) {
      report_.At(
          floor_version_origin_, "floor_version", -1,
          absl::StrCat("the layer was compiled over floor version ",
                       merged_.floor_version(), ", not ", floor.version));
    }
  } else if (!merged_.shop_id().empty()) {
    if (const std::string problem = ShopIdProblem(merged_.shop_id());
        !problem.empty()) {
      report_.At(
          shop_id_origin_, "shop_id", -1,
          absl::StrCat("shop_id \"", merged_.shop_id(), "\": ", problem));
    }
  }
  if (!merged_.has_settings()) return;
  const v1::BundleSettings& settings = merged_.settings();
  const v1::BundleSettings& bounds = floor.definition.settings();
  const Origin& at = settings_origin_;
  if (layer_->from_canonical_text) return;  // the effective settings
  const auto fixed = [&](const char* field, bool set) {
    if (set) {
      report_.At(at, field, -1,
                 absl::StrCat("a shop layer cannot set settings.", field,
                              ": the floor's applies to every shop"));
    }
  };
  fixed("time_zone", !settings.time_zone().empty());
  fixed("currency", !settings.currency().empty());
  fixed("urgent_when", !settings.urgent_when().empty());
  fixed("locales", !settings.locales().empty());
  fixed("holidays", !settings.holidays().empty());
  const auto at_most = [&](const char* field, int value, int bound) {
    if (value != 0 && (value < 1 || value > bound)) {
      report_.At(
          at, field, -1,
          absl::StrCat("settings.", field, " ", value,
                       " is out of the floor's bounds: between 1 and ", bound,
                       " (the floor's; a shop may answer "
                       "sooner, never later)"));
    }
  };
  at_most("sla_default_hours", settings.sla_default_hours(),
          bounds.sla_default_hours());
  at_most("sla_urgent_hours", settings.sla_urgent_hours(),
          bounds.sla_urgent_hours());
  if (settings.has_quiet_hours()) {
    const std::optional<int> start = ParseClock(settings.quiet_hours().start());
    const std::optional<int> end = ParseClock(settings.quiet_hours().end());
    // Minutes of the day inside [start, end) (wrapping midnight).
    const auto inside = [](int start, int end, int minute) {
      return start <= end ? start <= minute && minute < end
                          : minute >= start || minute < end;
    };
    bool covers = start.has_value() && end.has_value();
    for (int minute = 0; covers && minute < 24 * 60; ++minute) {
      if (inside(floor.quiet_start_minute, floor.quiet_end_minute, minute) &&
          !inside(*start, *end, minute)) {
        covers = false;
      }
    }
    if (start.has_value() && end.has_value() && !covers) {
      report_.At(
          Nested(at, "quiet_hours", -1), "start", -1,
          absl::StrCat("settings.quiet_hours ", settings.quiet_hours().start(),
                       "-", settings.quiet_hours().end(),
                       " is out of the floor's bounds: it must "
                       "include the floor's quiet hours ",
                       bounds.quiet_hours().start(), "-",
                       bounds.quiet_hours().end()));
    }
  }
}

v1::PolicyBundle BundleCompiler::LayerDefinition() const {
  v1::PolicyBundle layer = merged_;
  const v1::BundleSettings& own = merged_.settings();
  v1::BundleSettings settings = layer_->floor->definition.settings();
  if (own.sla_default_hours() != 0) {
    settings.set_sla_default_hours(own.sla_default_hours());
  }
  if (own.sla_urgent_hours() != 0) {
    settings.set_sla_urgent_hours(own.sla_urgent_hours());
  }
  if (own.has_quiet_hours()) {
    *settings.mutable_quiet_hours() = own.quiet_hours();
  }
  *layer.mutable_settings() = std::move(settings);
  layer.clear_fallback();
  if (!layer_->from_canonical_text) {
    if (layer.shop_id().empty()) layer.set_shop_id(layer_->shop_id);
    layer.set_floor_version(layer_->floor->version);
  }
  if (layer.name().empty()) layer.set_name(layer.shop_id());
  return CanonicalizeBundle(layer);
}

void BundleCompiler::CompileSettings() {
  const v1::BundleSettings& settings = out_->definition.settings();
  const Origin& at = settings_origin_;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(settings.time_zone(), &zone)) {
    report_.At(at, "time_zone", -1,
               absl::StrCat("unknown time zone \"", settings.time_zone(),
                            "\" (an IANA name such as Asia/Shanghai)"));
  }
  auto calendar = std::make_shared<expr::CalendarConfig>();
  calendar->zone = zone;
  for (int i = 0; i < settings.holidays_size(); ++i) {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(settings.holidays(i), &day)) {
      report_.At(at, "holidays", i,
                 absl::StrCat("holiday \"", settings.holidays(i),
                              "\" is not a date YYYY-MM-DD"));
      continue;
    }
    calendar->holidays.push_back(day);
  }
  std::sort(calendar->holidays.begin(), calendar->holidays.end());
  out_->calendar = calendar;
  out_->environment = std::make_unique<expr::Environment>(
      v1::RefundRequest::descriptor(), "request", calendar);

  if (settings.sla_default_hours() < 0 || settings.sla_urgent_hours() < 0) {
    report_.At(at, "sla_default_hours", -1, "SLA hours must be positive");
  }
  out_->sla_default = absl::Hours(settings.sla_default_hours());
  out_->sla_urgent = absl::Hours(settings.sla_urgent_hours());
  out_->currency = settings.currency();

  Origin quiet = Nested(at, "quiet_hours", -1);
  std::optional<int> start = ParseClock(settings.quiet_hours().start());
  std::optional<int> end = ParseClock(settings.quiet_hours().end());
  if (!start.has_value()) {
    report_.At(quiet, "start", -1, "quiet_hours.start is not HH:MM");
  }
  if (!end.has_value()) {
    report_.At(quiet, "end", -1, "quiet_hours.end is not HH:MM");
  }
  out_->quiet_start_minute = start.value_or(22 * 60);
  out_->quiet_end_minute = end.value_or(8 * 60);

  std::set<std::string> seen;
  for (int i = 0; i < settings.locales_size(); ++i) {
    if (!seen.insert(settings.locales(i)).second) {
      report_.At(at, "locales", i,
                 absl::StrCat("locale \"", settings.locales(i), "\" repeated"));
    }
    out_->locales.push_back(settings.locales(i));
  }
}

std::shared_ptr<const expr::Expression> BundleCompiler::CompileExpression(
    const Origin& origin, const char* field, const std::string& text,
    expr::Expect expect) {
  std::vector<expr::ExprIssue> issues;
  absl::StatusOr<std::shared_ptr<const expr::Expression>> compiled =
      expr::Expression::Compile(text, *out_->environment, expect, &issues);
  for (const expr::ExprIssue& issue : issues) {
    report_.InString(origin, field, -1, issue.offset, issue.message);
  }
  if (!compiled.ok()) {
    if (issues.empty()) {
      report_.At(origin, field, -1, std::string(compiled.status().message()));
    }
    return nullptr;
  }
  return *std::move(compiled);
}

void BundleCompiler::CheckCost(const Origin& origin, const char* field,
                               const expr::Expression* expression,
                               const std::string& what) {
  if (expression == nullptr) return;
  const expr::Node& root = expression->program().root();
  const int64_t cost = expr::CostEstimator(cost_bounds_).Estimate(root);
  if (cost > options_.max_expression_cost) {
    expression_over_limit_ = true;
    report_.At(origin, field, -1,
               absl::StrCat(what, " costs up to ", expr::FormatSteps(cost),
                            " steps, over the limit of ",
                            expr::FormatSteps(options_.max_expression_cost),
                            " per expression"));
  }
  const int64_t added = bundle_cost_.Estimate(root);
  bundle_cost_total_ = added > INT64_MAX - bundle_cost_total_
                           ? INT64_MAX
                           : bundle_cost_total_ + added;
  if (cost > costliest_.cost) costliest_ = {origin, field, what, cost};
}

void BundleCompiler::CheckBundleCost() {
  // An expression over its own limit is the issue to fix first.
  if (expression_over_limit_ ||
      bundle_cost_total_ <= options_.max_bundle_cost) {
    return;
  }
  report_.At(costliest_.origin, costliest_.field, -1,
             absl::StrCat("the bundle's expressions cost up to ",
                          expr::FormatSteps(bundle_cost_total_),
                          " steps per decision, over the limit of ",
                          expr::FormatSteps(options_.max_bundle_cost),
                          " per bundle; the costliest is ", costliest_.what,
                          " (", expr::FormatSteps(costliest_.cost), " steps)"));
}

void BundleCompiler::CompileConstants() {
  // Constants may use literals and helpers but not each other or the
  // request: compile them all first, then declare them all.
  std::vector<std::pair<std::string, expr::ConstantValue>> values;
  const auto& constants = merged_.constants();
  std::set<std::string> names;
  if (layer_ != nullptr) {
    for (const auto& [name, value] : layer_->floor->constants) {
      names.insert(name);
      values.emplace_back(name, value);
    }
  }
  const size_t floor_constants = values.size();
  for (int i = 0; i < constants.size(); ++i) {
    const v1::Constant& constant = constants[i];
    const Origin& origin = origins_["constants"][i];
    if (layer_ != nullptr &&
        std::any_of(
            layer_->floor->constants.begin(), layer_->floor->constants.end(),
            [&](const auto& c) { return c.first == constant.name(); })) {
      report_.At(origin, "name", -1, FloorOwned("constant", constant.name()));
      continue;
    }
    if (!names.insert(constant.name()).second) {
      report_.At(origin, "name", -1,
                 absl::StrCat("constant \"", constant.name(), "\" repeated"));
      continue;
    }
    std::shared_ptr<const expr::Expression> value = CompileExpression(
        origin, "value", constant.value(), expr::Expect::kAny);
    if (value == nullptr) continue;
    if (value->reads_root()) {
      report_.At(origin, "value", -1,
                 absl::StrCat("constant \"", constant.name(),
                              "\" reads the request; a constant is fixed"));
      continue;
    }
    absl::StatusOr<expr::ConstantValue> evaluated = value->EvaluateConstant();
    if (!evaluated.ok()) {
      report_.At(origin, "value", -1,
                 absl::StrCat("constant \"", constant.name(),
                              "\": ", evaluated.status().message()));
      continue;
    }
    values.emplace_back(constant.name(), *std::move(evaluated));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    absl::Status added =
        out_->environment->AddConstant(values[i].first, values[i].second);
    if (!added.ok() && i >= floor_constants) {
      report_.At(origins_["constants"][i - floor_constants], "name", -1,
                 std::string(added.message()));
    }
  }
  out_->constants = std::move(values);
}

std::vector<std::string> BundleCompiler::TextsPerLocale(
    const Origin& origin, const char* texts_field,
    const google::protobuf::RepeatedPtrField<v1::LocalizedText>& texts,
    const std::string& code, int at_index) {
  std::vector<std::string> per_locale(out_->locales.size());
  std::vector<bool> present(out_->locales.size(), false);
  for (int i = 0; i < texts.size(); ++i) {
    int locale = out_->LocaleIndex(texts[i].locale());
    const int where = at_index >= 0 ? at_index : i;
    if (locale < 0) {
      report_.At(origin, texts_field, where,
                 absl::StrCat(code, ": locale \"", texts[i].locale(),
                              "\" is not among settings.locales [",
                              absl::StrJoin(out_->locales, ", "), "]"));
      continue;
    }
    if (present[locale]) {
      report_.At(origin, texts_field, where,
                 absl::StrCat(code, ": locale \"", texts[i].locale(),
                              "\" given twice"));
    }
    present[locale] = true;
    per_locale[locale] = texts[i].text();
  }
  for (size_t i = 0; i < present.size(); ++i) {
    if (!present[i]) {
      report_.At(origin, at_index >= 0 ? texts_field : "code", at_index,
                 absl::StrCat(code, ": no text for locale \"", out_->locales[i],
                              "\""));
    }
  }
  return per_locale;
}

template <typename Spec, typename TextsOf>
std::vector<CompiledNotice> BundleCompiler::CompileNotices(
    const google::protobuf::RepeatedPtrField<Spec>& specs,
    const char* bundle_field, const char* texts_field, TextsOf texts_of,
    std::map<std::string, int>* index_by_code) {
  std::vector<CompiledNotice> notices;
  // A layer's entries are numbered after the floor's (already in the map).
  const int first_own = static_cast<int>(index_by_code->size());
  for (int i = 0; i < specs.size(); ++i) {
    const std::string& code = specs[i].code();
    const Origin& origin = origins_[bundle_field][i];
    if (!IsUpperSnake(code)) {
      report_.At(origin, "code", -1,
                 absl::StrCat("code \"", code, "\" is not UPPER_SNAKE_CASE"));
    }
    if (!index_by_code
             ->emplace(code, first_own + static_cast<int>(notices.size()))
             .second) {
      report_.At(
          origin, "code", -1,
          (*index_by_code)[code] < first_own
              ? FloorOwned(bundle_field, code)
              : absl::StrCat(bundle_field, " code \"", code, "\" repeated"));
      continue;
    }
    notices.push_back(
        {code, TextsPerLocale(origin, texts_field, texts_of(specs[i]), code)});
  }
  return notices;
}

void BundleCompiler::CompileCatalog() {
  int first_own_action = 0;
  if (layer_ != nullptr) {
    const BundleInternals& floor = *layer_->floor;
    action_index_ = FloorCodes(floor.actions);
    forbidden_index_ = FloorCodes(floor.forbidden);
    risk_index_ = FloorCodes(floor.risks);
    first_own_action = static_cast<int>(floor.actions.size());
  }
  const auto& actions = merged_.actions();
  for (int i = 0; i < actions.size(); ++i) {
    const v1::ActionSpec& spec = actions[i];
    const Origin& origin = origins_["actions"][i];
    if (!IsUpperSnake(spec.code())) {
      report_.At(origin, "code", -1,
                 absl::StrCat("action code \"", spec.code(),
                              "\" is not UPPER_SNAKE_CASE"));
    }
    if (!action_index_
             .emplace(spec.code(),
                      first_own_action + static_cast<int>(out_->actions.size()))
             .second) {
      report_.At(origin, "code", -1,
                 action_index_[spec.code()] < first_own_action
                     ? FloorOwned("action", spec.code())
                     : absl::StrCat("action \"", spec.code(), "\" repeated"));
      continue;
    }
    if (spec.channel() == v1::CHANNEL_UNSPECIFIED) {
      report_.At(origin, "code", -1,
                 absl::StrCat("action \"", spec.code(), "\" has no channel"));
    }
    CompiledAction action;
    action.code = spec.code();
    action.channel = spec.channel();
    action.rank = spec.has_rank() ? spec.rank() : kDefaultActionRank;
    std::vector<std::string> texts =
        TextsPerLocale(origin, "scripts", spec.scripts(), spec.code());
    for (size_t locale = 0; locale < texts.size(); ++locale) {
      ScriptTemplate script;
      std::vector<ScriptTemplate::Issue> issues;
      int script_index = -1;
      for (int k = 0; k < spec.scripts_size(); ++k) {
        if (spec.scripts(k).locale() == out_->locales[locale]) script_index = k;
      }
      Origin script_origin = Nested(origin, "scripts", script_index);
      if (!ScriptTemplate::Parse(texts[locale], &script, &issues)) {
        for (const auto& issue : issues) {
          report_.InString(script_origin, "text", -1, issue.offset,
                           absl::StrCat(spec.code(), ": ", issue.message));
        }
      }
      absl::string_view inducement = FindReviewInducement(texts[locale]);
      if (!inducement.empty()) {
        report_.At(script_origin, "text", -1,
                   absl::StrCat(spec.code(),
                                ": script offers something for a "
                                "review (\"",
                                inducement,
                                "\"); platforms punish 好评返现 "
                                "(seed 001 事例二)"));
      }
      action.scripts.push_back(std::move(script));
    }
    out_->actions.push_back(std::move(action));
  }
  out_->forbidden = CompileNotices(
      merged_.forbidden(), "forbidden", "reasons",
      [](const v1::ForbiddenSpec& spec) -> const auto& {
        return spec.reasons();
      },
      &forbidden_index_);
  out_->risks = CompileNotices(
      merged_.risks(), "risks", "descriptions",
      [](const v1::RiskSpec& spec) -> const auto& {
        return spec.descriptions();
      },
      &risk_index_);

  Origin top{files_.empty() ? nullptr : files_.front().get(), nullptr, nullptr};
  for (const char* required : {kCollectEvidence, kEscalateToOwner}) {
    auto it = action_index_.find(required);
    if (it == action_index_.end()) {
      report_.InFile(top.file != nullptr ? top.file->path : "(bundle)",
                     absl::StrCat("the action catalog must declare ", required,
                                  " (the engine adds it on its own)"));
    }
  }
  if (auto it = action_index_.find(kCollectEvidence);
      it != action_index_.end()) {
    out_->collect_evidence_action = it->second;
  }
  if (auto it = action_index_.find(kEscalateToOwner);
      it != action_index_.end()) {
    out_->escalate_action = it->second;
  }
}

void BundleCompiler::ResolveCodes(
    const Origin& origin, const char* field,
    const google::protobuf::RepeatedPtrField<std::string>& codes,
    const std::map<std::string, int>& index_by_code, absl::string_view catalog,
    std::vector<int>* out) {
  for (int i = 0; i < codes.size(); ++i) {
    auto it = index_by_code.find(codes[i]);
    if (it == index_by_code.end()) {
      report_.At(origin, field, i,
                 absl::StrCat("\"", codes[i], "\" is not in the ", catalog,
                              " catalog"));
      continue;
    }
    if (std::find(out->begin(), out->end(), it->second) == out->end()) {
      out->push_back(it->second);
    }
  }
}

void BundleCompiler::CompileRules() {
  std::map<std::string, int> seen;
  std::set<std::string> floor_rule_ids;
  if (layer_ != nullptr) {
    for (const CompiledRule& rule : layer_->floor->rules) {
      floor_rule_ids.insert(rule.id);
    }
  }
  const auto& rules = merged_.rules();
  std::vector<CompiledRule> compiled;
  for (int i = 0; i < rules.size(); ++i) {
    const v1::Rule& rule = rules[i];
    const Origin& origin = origins_["rules"][i];
    if (!IsRuleId(rule.id())) {
      report_.At(origin, "id", -1,
                 absl::StrCat("rule id \"", rule.id(),
                              "\" must be lower_snake_case (dots allowed)"));
    }
    if (floor_rule_ids.count(rule.id()) != 0) {
      report_.At(origin, "id", -1, FloorOwned("rule id", rule.id()));
    } else if (!seen.emplace(rule.id(), i).second) {
      report_.At(origin, "id", -1,
                 absl::StrCat("rule id \"", rule.id(), "\" repeated"));
    }
    if (rule.description().empty()) {
      report_.At(origin, "id", -1,
                 absl::StrCat("rule \"", rule.id(),
                              "\" has no description (say what it does and "
                              "its source)"));
    }
    if (!v1::Verdict_IsValid(rule.verdict())) {
      report_.At(origin, "verdict", -1, "unknown verdict");
    }
    if (!rule.only_for_verdicts().empty() &&
        rule.verdict() != v1::VERDICT_UNSPECIFIED) {
      report_.At(origin, "only_for_verdicts", 0,
                 "a rule with only_for_verdicts applies after the verdict is "
                 "chosen and cannot set one");
    }
    CompiledRule out;
    out.id = rule.id();
    out.priority = rule.priority();
    out.verdict = rule.verdict();
    out.explanation =
        rule.explanation().empty() ? rule.description() : rule.explanation();
    if (rule.when().empty()) {
      report_.At(origin, "id", -1,
                 absl::StrCat("rule \"", rule.id(),
                              "\" has no `when` (write \"true\" to always "
                              "match)"));
    } else {
      out.when =
          CompileExpression(origin, "when", rule.when(), expr::Expect::kBool);
      CheckCost(origin, "when", out.when.get(),
                absl::StrCat("rule \"", rule.id(), "\": condition"));
    }
    if (!rule.refund_amount().empty()) {
      out.refund_amount = CompileExpression(
          origin, "refund_amount", rule.refund_amount(), expr::Expect::kMoney);
      CheckCost(origin, "refund_amount", out.refund_amount.get(),
                absl::StrCat("rule \"", rule.id(), "\": refund_amount"));
    }
    for (int k = 0; k < rule.evidence_size(); ++k) {
      const v1::EvidenceSpec& evidence = rule.evidence(k);
      if (evidence.kind() == v1::EVIDENCE_KIND_UNSPECIFIED ||
          !v1::EvidenceKind_IsValid(evidence.kind())) {
        report_.At(origin, "evidence", k, "evidence kind missing or unknown");
        continue;
      }
      out.evidence.push_back(evidence);
      if (evidence.reasons().empty()) {
        out.evidence_reasons.emplace_back(out_->locales.size(),
                                          evidence.reason());
      } else {
        if (!evidence.reason().empty()) {
          report_.At(origin, "evidence", k,
                     "evidence: give `reason` or `reasons`, not both");
        }
        out.evidence_reasons.push_back(TextsPerLocale(
            origin, "evidence", evidence.reasons(),
            absl::StrCat("evidence ", v1::EvidenceKind_Name(evidence.kind())),
            k));
      }
    }
    ResolveCodes(origin, "actions", rule.actions(), action_index_, "action",
                 &out.actions);
    ResolveCodes(origin, "forbidden", rule.forbidden(), forbidden_index_,
                 "forbidden", &out.forbidden);
    ResolveCodes(origin, "risks", rule.risks(), risk_index_, "risk",
                 &out.risks);
    for (int verdict : rule.only_for_verdicts()) {
      out.only_for_verdicts.push_back(static_cast<v1::Verdict>(verdict));
    }
    if (layer_ != nullptr && layer_->guard != nullptr && out.when != nullptr) {
      for (const FloorWeakening& weakening : layer_->guard->Check(out)) {
        report_.At(origin, weakening.field, -1, weakening.message);
      }
    }
    compiled.push_back(std::move(out));
  }
  std::stable_sort(compiled.begin(), compiled.end(),
                   [](const CompiledRule& a, const CompiledRule& b) {
                     if (a.priority != b.priority)
                       return a.priority > b.priority;
                     return a.id < b.id;
                   });
  out_->rules = std::move(compiled);
}

void BundleCompiler::CompileFallback() {
  if (layer_ != nullptr) {
    const BundleInternals& floor = *layer_->floor;
    out_->fallback_verdict = floor.fallback_verdict;
    out_->fallback_explanation = floor.fallback_explanation;
    out_->fallback_actions = floor.fallback_actions;
    return;
  }
  const v1::Fallback& fallback = merged_.fallback();
  out_->fallback_verdict = fallback.verdict() == v1::VERDICT_UNSPECIFIED
                               ? v1::VERDICT_NEGOTIATE
                               : fallback.verdict();
  out_->fallback_explanation =
      fallback.explanation().empty()
          ? "no rule decided this case: a person must look at it"
          : fallback.explanation();
  ResolveCodes(fallback_origin_, "actions", fallback.actions(), action_index_,
               "action", &out_->fallback_actions);
  if (out_->fallback_actions.empty() && out_->escalate_action >= 0) {
    out_->fallback_actions.push_back(out_->escalate_action);
  }
}

std::unique_ptr<BundleInternals> BundleCompiler::Compile() {
  const size_t issues_before = report_.count();
  MergeFiles();
  out_ = std::make_unique<BundleInternals>();
  if (layer_ != nullptr) {
    CheckLayerShape();
    out_->floor = layer_->floor;
    out_->definition = LayerDefinition();
    out_->shop_id = out_->definition.shop_id();
  } else {
    out_->definition = CanonicalizeBundle(merged_);
  }
  out_->name = out_->definition.name();
  // Settings come from the canonical copy (defaults filled in); their
  // origin is the file that wrote them.
  CompileSettings();
  CompileConstants();
  out_->urgent_when = CompileExpression(
      settings_origin_, "urgent_when",
      out_->definition.settings().urgent_when(), expr::Expect::kBool);
  CheckCost(settings_origin_, "urgent_when", out_->urgent_when.get(),
            "settings.urgent_when");
  CompileCatalog();
  CompileRules();
  CheckBundleCost();
  CompileFallback();
  out_->step_budget = options_.step_budget;
  if (layer_ != nullptr) {
    // The engine's own actions are the floor's.
    out_->collect_evidence_action = layer_->floor->collect_evidence_action;
    out_->escalate_action = layer_->floor->escalate_action;
  }
  if (report_.count() != issues_before) return nullptr;
  std::vector<const expr::Expression*> conditions;
  for (const CompiledRule& rule : out_->rules) {
    conditions.push_back(rule.when.get());
  }
  out_->rule_index = RuleIndex::Build(conditions);
  out_->canonical_text = CanonicalText(out_->definition);
  out_->version = Sha256Hex(out_->canonical_text);
  return std::move(out_);
}

absl::Status IssuesToStatus(const std::vector<PolicyIssue>& issues) {
  return absl::InvalidArgumentError(
      absl::StrCat("the policy bundle has ", issues.size(), " issue",
                   issues.size() == 1 ? "" : "s", ":\n", FormatIssues(issues)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundle(
    const std::vector<BundleSourceFile>& files,
    std::vector<PolicyIssue>* issues) {
  return LoadBundle(files, LoadOptions(), issues);
}

namespace {

// Parses and compiles `files`: a floor, or a layer when `layer` is set.
absl::StatusOr<std::unique_ptr<const CompiledBundle>> Load(
    const std::vector<BundleSourceFile>& files, const LoadOptions& options,
    const LayerTarget* layer, std::vector<PolicyIssue>* issues) {
  std::vector<PolicyIssue> found;
  std::vector<std::unique_ptr<ParsedFile>> parsed;
  if (files.empty()) {
    found.push_back({"(bundle)", 0, 0, "no policy files (*.textproto)"});
  }
  for (const BundleSourceFile& source : files) {
    auto file = std::make_unique<ParsedFile>(source);
    ParseErrorCollector collector(source.path, options.quote_file_text, &found);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&collector);
    parser.WriteLocationsTo(&file->tree);
    if (parser.ParseFromString(source.content, &file->bundle)) {
      parsed.push_back(std::move(file));
    }
  }
  std::unique_ptr<BundleInternals> internals;
  if (found.empty()) {
    BundleCompiler compiler(parsed, options, &found);
    compiler.SetLayer(layer);
    internals = compiler.Compile();
  }
  if (!found.empty() || internals == nullptr) {
    if (issues != nullptr)
      issues->insert(issues->end(), found.begin(), found.end());
    return IssuesToStatus(found);
  }
  return std::make_unique<const CompiledBundle>(std::move(internals));
}

}  // namespace

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundle(
    const std::vector<BundleSourceFile>& files, const LoadOptions& options,
    std::vector<PolicyIssue>* issues) {
  return Load(files, options, nullptr, issues);
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>> CompileLayer(
    const std::vector<BundleSourceFile>& files, const LoadOptions& options,
    const LayerTarget& target, std::vector<PolicyIssue>* issues) {
  return Load(files, options, &target, issues);
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>> LoadBundleFromDirectory(
    const std::string& directory, std::vector<PolicyIssue>* issues) {
  ASSIGN_OR_RETURN(std::vector<BundleSourceFile> files,
                   ReadBundleDirectory(directory));
  return LoadBundle(files, issues);
}

absl::StatusOr<std::unique_ptr<const CompiledBundle>>
LoadBundleFromCanonicalText(const std::string& canonical_text,
                            std::vector<PolicyIssue>* issues) {
  return LoadBundle({{"canonical.textproto", canonical_text}}, issues);
}

}  // namespace refund
