#include "server/audit/decision_diff.h"

#include <algorithm>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/message_differencer.h"

namespace refund::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

bool IsTimestamp(const FieldDescriptor* field) {
  return field->message_type() != nullptr &&
         field->message_type()->full_name() ==
             google::protobuf::Timestamp::descriptor()->full_name();
}

// Turns the differencer's field paths into our names.
class PathCollector : public MessageDifferencer::Reporter {
 public:
  explicit PathCollector(std::vector<std::string>& paths) : paths_(paths) {}

  void ReportAdded(
      const Message&, const Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Collect(path);
  }
  void ReportDeleted(
      const Message&, const Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    Collect(path);
  }
  void ReportModified(
      const Message&, const Message&,
      const std::vector<MessageDifferencer::SpecificField>& path) override {
    // A modified sub-message is reported once per changed leaf, then once
    // more for the sub-message itself: the leaves name it better.
    const FieldDescriptor* last = path.empty() ? nullptr : path.back().field;
    if (last != nullptr && !last->is_repeated() &&
        last->message_type() != nullptr && !IsTimestamp(last)) {
      return;
    }
    Collect(path);
  }

 private:
  void Collect(const std::vector<MessageDifferencer::SpecificField>& path) {
    std::string name;
    for (const MessageDifferencer::SpecificField& step : path) {
      const FieldDescriptor* field = step.field;
      if (field == nullptr) break;  // unknown fields: named by their parent
      if (!name.empty()) name += '.';
      name += field->name();
      // A list or a point in time is one value to a reader of the diff.
      if (field->is_repeated()) break;
      if (IsTimestamp(field)) break;
    }
    if (name.empty()) name = "(unknown fields)";
    if (std::find(paths_.begin(), paths_.end(), name) == paths_.end()) {
      paths_.push_back(std::move(name));
    }
  }

  std::vector<std::string>& paths_;
};

}  // namespace

std::vector<std::string> ChangedFields(const v1::Decision& stored,
                                       const v1::Decision& replayed,
                                       const DecisionDiffOptions& options) {
  std::vector<std::string> paths;
  // Declared before the differencer, which reports to it until destroyed.
  PathCollector collector(paths);
  const auto* descriptor = v1::Decision::descriptor();
  MessageDifferencer differencer;
  differencer.IgnoreField(descriptor->FindFieldByName("decision_id"));
  differencer.IgnoreField(descriptor->FindFieldByName("decided_at"));
  if (!options.compare_policy) {
    differencer.IgnoreField(descriptor->FindFieldByName("policy"));
  }
  differencer.ReportDifferencesTo(&collector);
  differencer.Compare(stored, replayed);
  return paths;
}

}  // namespace refund::server
