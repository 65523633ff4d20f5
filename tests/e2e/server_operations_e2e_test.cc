// End-to-end: running refund-server as an operator does: one server per port
// and per log file, the pid file, health by service through reflection (as
// grpcurl asks, with no proto files), the drain on SIGTERM, --help and
// --version.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/dynamic_message.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/e2e_requests.h"
#include "tests/e2e/shell_command.h"
#include "tests/e2e/small_bundle.h"
#include "tests/testing/server_process.h"

namespace refund::e2e {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int kServing = 1;
constexpr int kNotServing = 2;

// `refund-server ARGS` run to its end (at most 30 s) with its output.
CommandResult RunServer(const std::string& args) {
  return RunCommand(
      absl::StrCat("timeout 30 ", REFUND_SERVER_BINARY, " ", args, " 2>&1"));
}

// The lines of `output` that contain `text`.
std::vector<std::string> LinesWith(const std::string& output,
                                   const std::string& text) {
  std::vector<std::string> found;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StrContains(line, text)) found.emplace_back(line);
  }
  return found;
}

TEST_F(SmallBundleTest, SecondServerOnTheSamePortIsRefusedInOneLine) {
  const CommandResult second = RunServer(absl::StrCat(
      "--listen=", server_->address(), " --policies=", policies_.string(),
      " --db=", dir_.path(), "/other/decisions.db"));
  EXPECT_NE(second.exit_code, 0) << second.output;
  // One line says why (in the tests a sanitizer's report may follow it).
  EXPECT_THAT(LinesWith(second.output, "cannot listen"),
              ElementsAre(absl::StrCat(
                  "refund-server: cannot listen on ", server_->address(),
                  ": the port is taken (is another refund-server running?)")))
      << second.output;
  // The first one still serves, alone.
  DecideOk(SevenDayReturn("after-second-server"));
}

TEST_F(SmallBundleTest, SecondProcessOnTheSameLogIsRefusedUntilTheFirstExits) {
  const std::string args =
      absl::StrCat("--listen=127.0.0.1:0 --policies=", policies_.string(),
                   " --db=", db_path().string());
  const CommandResult second = RunServer(args);
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_THAT(LinesWith(second.output, "in use by another process"),
              ElementsAre(AllOf(
                  StartsWith("refund-server: decision log "),
                  HasSubstr(absl::StrCat(" is in use by another process (pid ",
                                         server_->pid(), ")")))))
      << second.output;
  DecideOk(SevenDayReturn("after-second-process"));

  // A crash releases the lock too: the kernel drops it with the process.
  KillServer();
  StartServer(policies_);
  DecideOk(SevenDayReturn("after-restart"));
}

class PidFileTest : public SmallBundleTest {
 protected:
  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    options.extra_args = {absl::StrCat("--pid_file=", pid_file())};
    return options;
  }
  std::string pid_file() const { return dir_.path() + "/refund-server.pid"; }
};

TEST_F(PidFileTest, HoldsThePidReloadsThroughItAndGoesAtExit) {
  EXPECT_EQ(ReadWholeFile(pid_file()), absl::StrCat(server_->pid(), "\n"));

  // The README's reload: kill -HUP $(cat PIDFILE).
  std::string changed = kRulesFile;
  changed.replace(changed.find("priority: 100"), 13, "priority: 150");
  dir_.Write("policies/rules/rules.textproto", changed);
  const CommandResult hup =
      RunCommand(absl::StrCat("kill -HUP $(cat ", pid_file(), ")"));
  ASSERT_EQ(hup.exit_code, 0) << hup.output;
  std::string version = server_->version();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (version == server_->version() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    version = ActiveBundle().version();
  }
  EXPECT_NE(version, server_->version());

  StopServer();
  EXPECT_FALSE(std::filesystem::exists(pid_file()));
}

// What grpcurl does with no proto files: ask reflection for the service's
// file, build the messages from it, call.
class Reflection {
 public:
  explicit Reflection(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(grpc::reflection::v1alpha::ServerReflection::NewStub(channel)),
        stream_(stub_->ServerReflectionInfo(&context_)) {}
  ~Reflection() {
    stream_->WritesDone();
    stream_->Finish().ok();
  }

  std::vector<std::string> ListServices() {
    grpc::reflection::v1alpha::ServerReflectionRequest request;
    request.set_list_services("*");
    const grpc::reflection::v1alpha::ServerReflectionResponse response =
        Ask(request);
    std::vector<std::string> names;
    for (const auto& service : response.list_services_response().service()) {
      names.push_back(service.name());
    }
    return names;
  }

  // Adds the file declaring the service `symbol`, and what it imports, to
  // the files pool() builds descriptors from; false when reflection does not
  // know it.
  bool LoadFileOf(const std::string& symbol) {
    grpc::reflection::v1alpha::ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    const grpc::reflection::v1alpha::ServerReflectionResponse response =
        Ask(request);
    if (!response.has_file_descriptor_response()) return false;
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      if (!file.ParseFromString(bytes)) return false;
      google::protobuf::FileDescriptorProto known;
      if (!files_.FindFileByName(file.name(), &known) && !files_.Add(file)) {
        return false;
      }
    }
    return pool_.FindServiceByName(symbol) != nullptr;
  }

  const google::protobuf::DescriptorPool& pool() const { return pool_; }

 private:
  grpc::reflection::v1alpha::ServerReflectionResponse Ask(
      const grpc::reflection::v1alpha::ServerReflectionRequest& request) {
    grpc::reflection::v1alpha::ServerReflectionResponse response;
    EXPECT_TRUE(stream_->Write(request));
    EXPECT_TRUE(stream_->Read(&response));
    return response;
  }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::reflection::v1alpha::ServerReflection::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<
      grpc::reflection::v1alpha::ServerReflectionRequest,
      grpc::reflection::v1alpha::ServerReflectionResponse>>
      stream_;
  // The files reflection sent; pool_ builds from them as it is asked.
  google::protobuf::SimpleDescriptorDatabase files_;
  google::protobuf::DescriptorPool pool_{&files_};
};

// grpc.health.v1.Health/Check for `service`, with messages built from
// `pool` alone; the status's name, or the call's error code as a string.
std::string CheckThroughReflection(
    const std::shared_ptr<grpc::Channel>& channel,
    const google::protobuf::DescriptorPool& pool, const std::string& service) {
  const google::protobuf::MethodDescriptor* check =
      pool.FindMethodByName("grpc.health.v1.Health.Check");
  if (check == nullptr) return "no Check method";
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(check->input_type())->New());
  request->GetReflection()->SetString(
      request.get(), check->input_type()->FindFieldByName("service"), service);
  std::string bytes;
  const grpc::Status status =
      CallWithBytes(channel, "/grpc.health.v1.Health/Check",
                    request->SerializeAsString(), &bytes);
  if (!status.ok()) return absl::StrCat("code ", status.error_code());
  std::unique_ptr<google::protobuf::Message> response(
      factory.GetPrototype(check->output_type())->New());
  if (!response->ParseFromString(bytes)) return "unparsable response";
  const google::protobuf::FieldDescriptor* field =
      check->output_type()->FindFieldByName("status");
  return response->GetReflection()->GetEnum(*response, field)->name();
}

TEST_F(SmallBundleTest, HealthPerServiceThroughReflectionWithoutProtoFiles) {
  Reflection reflection(server_->channel());
  const std::vector<std::string> services = reflection.ListServices();
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(services, Contains("refund.v1.RefundDecisionService"));
  ASSERT_TRUE(reflection.LoadFileOf("grpc.health.v1.Health"));
  ASSERT_TRUE(reflection.LoadFileOf("refund.v1.RefundDecisionService"));

  EXPECT_EQ(CheckThroughReflection(server_->channel(), reflection.pool(), ""),
            "SERVING");
  EXPECT_EQ(CheckThroughReflection(server_->channel(), reflection.pool(),
                                   "refund.v1.RefundDecisionService"),
            "SERVING");
  EXPECT_EQ(CheckThroughReflection(server_->channel(), reflection.pool(),
                                   "no.such.Service"),
            absl::StrCat("code ", grpc::StatusCode::NOT_FOUND));
}

class DrainTest : public SmallBundleTest {
 protected:
  ServerProcessOptions Options() const override {
    ServerProcessOptions options;
    // Long enough for the test's calls; the fixture's stop (a second
    // SIGTERM) cuts it short.
    options.extra_args = {"--drain=60s"};
    return options;
  }
};

TEST_F(DrainTest, SigtermAnswersNotServingWhileCallsAreStillServed) {
  EXPECT_EQ(CheckHealth(server_->channel()).value_or(-1), kServing);
  ASSERT_TRUE(server_->Signal(SIGTERM).ok());
  absl::StatusOr<int> health = CheckHealth(server_->channel());
  for (int i = 0; i < 100 && health.ok() && *health != kNotServing; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    health = CheckHealth(server_->channel());
  }
  EXPECT_EQ(health.value_or(-1), kNotServing);
  EXPECT_EQ(CheckHealth(server_->channel(), "refund.v1.RefundDecisionService")
                .value_or(-1),
            kNotServing);
  // Still deciding: the balancer has not yet seen the NOT_SERVING.
  DecideOk(SevenDayReturn("during-drain"));
  // TearDown's SIGTERM ends the drain; the exit is clean.
}

TEST(ServerFlagsTest, HelpListsTheServersFlagsAndVersionTellsTheBuild) {
  const CommandResult help = RunServer("--help");
  EXPECT_THAT(help.output,
              AllOf(HasSubstr("--listen"), HasSubstr("--log"),
                    HasSubstr("--policies"), HasSubstr("--pid_file"),
                    HasSubstr("--drain"), HasSubstr("--flagfile"),
                    HasSubstr("--fromenv"), Not(HasSubstr("No flags matched"))))
      << help.output;

  const CommandResult version = RunServer("--version");
  EXPECT_THAT(version.output,
              AllOf(HasSubstr("refund-server "), HasSubstr("commit "),
                    HasSubstr(" build)"), Not(HasSubstr("NDEBUG"))))
      << version.output;
}

}  // namespace
}  // namespace refund::e2e
