// refundctl migrate, in-process, from SQLite files written as the server
// writes them into each destination store: several bundle versions,
// compressed and plain rows, an encrypted source; the copy verifies, its
// chain head is the source's, export and exact replay give the same; and
// the migrations it refuses (a source that does not verify, a destination
// that is not empty, the source under another name), never writing the
// source.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/log/log_keyring.h"
#include "server/log/log_snapshot.h"
#include "server/log/open/open_decision_log.h"
#include "server/log/sqlite/sqlite_connection.h"
#include "server/log/sqlite/sqlite_decision_log.h"
#include "tests/testing/log_builder.h"
#include "tests/testing/request_generator.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_bundle.h"
#include "tests/testing/test_postgres.h"
#include "tools/refundctl/refundctl.h"

namespace refund {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kKey[] =
    "2026-12 "
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

// A store refundctl migrate copies into.
struct DestinationStore {
  const char* name;
  // The spec of a fresh, empty log of the store (the n-th of the test),
  // under the test's temporary directory `dir`.
  std::string (*fresh_spec)(const std::string& dir, int n);
  // Whether it seals rows with the key file's last key (then its copy of an
  // encrypted log does not verify without the key).
  bool seals;
  // Whether it keeps the bundles' decision dictionaries.
  bool keeps_dictionaries;
};

void PrintTo(const DestinationStore& store, std::ostream* out) {
  *out << store.name;
}

std::string FreshSqliteSpec(const std::string& dir, int n) {
  return absl::StrCat("sqlite:", dir, "/copy-", n, "/decisions.db");
}

// A fresh database of the process's throwaway PostgreSQL cluster.
std::string FreshPostgresSpec(const std::string& /*dir*/, int n) {
  absl::StatusOr<std::string> uri =
      testing::TestPostgres::Shared().CreateDatabase(absl::StrCat("copy", n));
  EXPECT_TRUE(uri.ok()) << uri.status();
  return uri.ok() ? *uri : std::string("postgresql:///missing");
}

// Each destination store, one line each (a PostgreSQL one hands out a fresh
// database per call).
const DestinationStore kDestinations[] = {
    {"Sqlite", &FreshSqliteSpec, true, true},
    {"Postgres", &FreshPostgresSpec, true, true},
};

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Refundctl(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunRefundctl(args, out, err);
  return {code, out.str(), err.str()};
}

// The test bundle with one more rule: another version (and dictionary) for
// each `n`.
std::unique_ptr<const CompiledBundle> BundleVersion(int n) {
  std::vector<BundleSourceFile> files = testing::TestBundleFiles();
  for (BundleSourceFile& file : files) {
    if (file.path != "rules.textproto") continue;
    absl::StrAppend(&file.content, "rules { id: \"extra.v", n,
                    "\" description: \"test\" priority: 1 when: "
                    "\"request.requested_amount > yuan(9000000)\" "
                    "forbidden: \"PHONE_AT_NIGHT\" }\n");
  }
  absl::StatusOr<std::unique_ptr<const CompiledBundle>> bundle =
      LoadBundle(files);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  return bundle.ok() ? *std::move(bundle) : nullptr;
}

// The "last row: seq N row_hash H ..." line of a verify report.
std::string LastRowLine(const std::string& report) {
  const size_t at = report.find("last row:");
  if (at == std::string::npos) return "";
  return report.substr(at, report.find('\n', at) - at);
}

class MigrateCommandTest : public ::testing::TestWithParam<DestinationStore> {
 protected:
  void SetUp() override {
    source_ = dir_.path() + "/source/decisions.db";
    dir_.Write("log.keys", kKey);
    key_file_ = dir_.path() + "/log.keys";
    ASSERT_EQ(chmod(key_file_.c_str(), 0600), 0);
    key_flag_ = "--log-key-file=" + key_file_;
  }

  // A fresh destination spec.
  std::string Destination() {
    return GetParam().fresh_spec(dir_.path(), ++destinations_);
  }

  // Writes the source as a server would: three bundle versions, the first
  // two with their dictionaries (compressed rows), the third without (plain
  // rows); sealed with the key file's key when `sealed`.
  void WriteSource(bool sealed) {
    server::SqliteDecisionLogOptions options;
    if (sealed) {
      absl::StatusOr<std::shared_ptr<const server::LogKeyring>> keyring =
          server::LogKeyring::Parse(kKey, "test keys");
      ASSERT_TRUE(keyring.ok()) << keyring.status();
      options.keyring = *std::move(keyring);
    }
    absl::StatusOr<std::unique_ptr<server::SqliteDecisionLog>> log =
        server::SqliteDecisionLog::Open(source_, options);
    ASSERT_TRUE(log.ok()) << log.status();
    testing::RequestGenerator generator(/*seed=*/5);
    const int rows[] = {60, 50, 40};
    for (int v = 0; v < 3; ++v) {
      std::unique_ptr<const CompiledBundle> bundle = BundleVersion(v);
      ASSERT_NE(bundle, nullptr);
      std::vector<v1::RefundRequest> requests;
      for (int i = 0; i < rows[v]; ++i) {
        requests.push_back(generator.Next(absl::StrCat("v", v)));
      }
      absl::StatusOr<std::vector<v1::Decision>> stored =
          testing::DecideAndStoreAll(**log, *bundle, requests,
                                     absl::StrCat("d", v, "-"),
                                     /*compressed=*/v < 2);
      ASSERT_TRUE(stored.ok()) << stored.status();
    }
    (*log)->Close();
  }

  // The log `spec` names: its rows (0 when it cannot be opened) and
  // bundles.
  int64_t RowsOf(const std::string& spec) {
    absl::StatusOr<std::unique_ptr<server::LogSnapshot>> snapshot =
        server::OpenLogSnapshot(spec, Keyring());
    if (!snapshot.ok()) return 0;
    int64_t rows = 0;
    for (;;) {
      absl::StatusOr<std::optional<server::LogRecord>> next =
          (*snapshot)->Next();
      if (!next.ok() || !next->has_value()) return rows;
      ++rows;
    }
  }

  std::vector<server::StoredBundleText> BundlesOf(const std::string& spec) {
    absl::StatusOr<std::unique_ptr<server::LogSnapshot>> snapshot =
        server::OpenLogSnapshot(spec, Keyring());
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    if (!snapshot.ok()) return {};
    absl::StatusOr<std::vector<server::StoredBundleText>> bundles =
        (*snapshot)->Bundles();
    EXPECT_TRUE(bundles.ok()) << bundles.status();
    return bundles.value_or(std::vector<server::StoredBundleText>());
  }

  std::shared_ptr<const server::LogKeyring> Keyring() {
    return *server::LogKeyring::Parse(kKey, "test keys");
  }

  // `verify` and `export` of the copy give what they give on the source,
  // exact replay of the copy passes (every stored bundle text copied), and
  // every bundle version kept its name and dictionary.
  void ExpectSameLog(const std::string& to,
                     const std::vector<std::string>& key_flags) {
    auto with_keys = [&](std::vector<std::string> args) {
      args.insert(args.end(), key_flags.begin(), key_flags.end());
      return Refundctl(args);
    };
    const CliRun source_verify = with_keys({"verify", "--log=" + source_});
    const CliRun copy_verify = with_keys({"verify", "--log=" + to});
    ASSERT_EQ(source_verify.code, 0) << source_verify.out;
    EXPECT_EQ(copy_verify.code, 0) << copy_verify.out << copy_verify.err;
    EXPECT_EQ(copy_verify.out, source_verify.out);
    EXPECT_THAT(LastRowLine(copy_verify.out), HasSubstr("seq 150 row_hash"));

    const CliRun source_export = with_keys({"export", "--db=" + source_});
    const CliRun copy_export = with_keys({"export", "--log=" + to});
    EXPECT_EQ(copy_export.code, 0) << copy_export.err;
    EXPECT_EQ(copy_export.out, source_export.out);

    const CliRun replay = with_keys({"replay", "--log=" + to});
    EXPECT_EQ(replay.code, 0) << replay.err;
    EXPECT_THAT(replay.out, HasSubstr("exact replay: 150 decisions, 0 changed, "
                                      "0 integrity failures, 0 errors"));

    std::vector<server::StoredBundleText> original = BundlesOf(source_);
    std::vector<server::StoredBundleText> copied = BundlesOf(to);
    ASSERT_THAT(copied, SizeIs(3));
    auto by_version = [](const server::StoredBundleText& a,
                         const server::StoredBundleText& b) {
      return a.version < b.version;
    };
    std::sort(original.begin(), original.end(), by_version);
    std::sort(copied.begin(), copied.end(), by_version);
    int with_dictionary = 0;
    for (size_t i = 0; i < copied.size(); ++i) {
      EXPECT_EQ(copied[i].version, original[i].version);
      EXPECT_EQ(copied[i].name, original[i].name);
      EXPECT_EQ(copied[i].text, original[i].text);
      if (GetParam().keeps_dictionaries) {
        EXPECT_EQ(copied[i].decision_dictionary,
                  original[i].decision_dictionary);
      }
      with_dictionary += !original[i].decision_dictionary.empty();
    }
    EXPECT_EQ(with_dictionary, 2);
  }

  testing::TempDir dir_;
  std::string source_;
  std::string key_file_;
  std::string key_flag_;
  int destinations_ = 0;
};

TEST_P(MigrateCommandTest, CopiesEveryVersionAndRowIntoAVerifiedCopy) {
  ASSERT_NO_FATAL_FAILURE(WriteSource(/*sealed=*/false));
  const std::string to = Destination();
  const CliRun migrated =
      Refundctl({"migrate", "--from=" + source_, "--to=" + to});
  ASSERT_EQ(migrated.code, 0) << migrated.err;
  EXPECT_THAT(migrated.out,
              HasSubstr(absl::StrCat("migrated 150 decisions and 3 bundle "
                                     "versions from ",
                                     source_, " to ", to, " in ")));
  const CliRun verified = Refundctl({"verify", "--log=" + source_});
  // "last row: seq 150 row_hash H (chain head checked)": the same H.
  const std::string head = LastRowLine(verified.out);
  const std::string hash = head.substr(head.find("row_hash ") + 9, 64);
  EXPECT_THAT(migrated.out,
              HasSubstr(absl::StrCat("chain head: seq 150 row_hash ", hash,
                                     ", the same in both\n")));
  EXPECT_THAT(migrated.out,
              HasSubstr("destination verified: 150 decisions, 3 bundles"));
  EXPECT_THAT(migrated.err, HasSubstr("migrate: verifying the source"));
  EXPECT_THAT(migrated.err, HasSubstr("migrate: verifying the destination"));
  ExpectSameLog(to, {});

  // And back: the copy migrates into a new SQLite file, the same chain.
  const std::string back = FreshSqliteSpec(dir_.path(), 1000);
  const CliRun returned =
      Refundctl({"migrate", "--from=" + to, "--to=" + back});
  ASSERT_EQ(returned.code, 0) << returned.err;
  EXPECT_THAT(returned.out,
              HasSubstr(absl::StrCat("chain head: seq 150 row_hash ", hash,
                                     ", the same in both\n")));
}

TEST_P(MigrateCommandTest, AnEncryptedSourceNeedsItsKeyAndSealsTheCopy) {
  ASSERT_NO_FATAL_FAILURE(WriteSource(/*sealed=*/true));
  const std::string refused_to = Destination();
  const CliRun refused =
      Refundctl({"migrate", "--from=" + source_, "--to=" + refused_to});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err,
              AllOf(HasSubstr("does not verify"), HasSubstr("KEY_MISSING"),
                    HasSubstr("nothing was copied")));
  EXPECT_EQ(RowsOf(refused_to), 0);

  const std::string to = Destination();
  const CliRun migrated =
      Refundctl({"migrate", "--from=" + source_, "--to=" + to, key_flag_});
  ASSERT_EQ(migrated.code, 0) << migrated.err;
  EXPECT_THAT(migrated.out, HasSubstr("migrated 150 decisions"));
  ExpectSameLog(to, {key_flag_});
  if (GetParam().seals) {
    const CliRun without = Refundctl({"verify", "--log=" + to});
    EXPECT_EQ(without.code, 1);
    EXPECT_THAT(without.out, HasSubstr("KEY_MISSING"));
  }
}

TEST_P(MigrateCommandTest, ASecondMigrationIntoTheCopyIsRefused) {
  ASSERT_NO_FATAL_FAILURE(WriteSource(/*sealed=*/false));
  const std::string to = Destination();
  ASSERT_EQ(Refundctl({"migrate", "--from=" + source_, "--to=" + to}).code, 0);
  const CliRun before = Refundctl({"verify", "--log=" + to});

  const CliRun again =
      Refundctl({"migrate", "--from=" + source_, "--to=" + to});
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.err, AllOf(HasSubstr("is not empty"),
                               HasSubstr("nothing was written")));
  EXPECT_THAT(again.out, IsEmpty());
  const CliRun after = Refundctl({"verify", "--log=" + to});
  EXPECT_EQ(after.code, 0);
  EXPECT_EQ(after.out, before.out);
}

TEST_P(MigrateCommandTest, ASourceThatDoesNotVerifyIsRefused) {
  ASSERT_NO_FATAL_FAILURE(WriteSource(/*sealed=*/false));
  {
    absl::StatusOr<std::unique_ptr<server::SqliteConnection>> db =
        server::SqliteConnection::Open(source_, SQLITE_OPEN_READWRITE);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(
        (*db)
            ->Execute("UPDATE decisions SET shop_id = 'elsewhere' WHERE "
                      "seq = 7")
            .ok());
  }
  const std::string to = Destination();
  const CliRun refused =
      Refundctl({"migrate", "--from=" + source_, "--to=" + to});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err,
              AllOf(HasSubstr("does not verify (1 problems in 150 decisions); "
                              "the first: seq 7 (decision d0-6): "
                              "COLUMN_MISMATCH"),
                    HasSubstr("nothing was copied")));
  EXPECT_EQ(RowsOf(to), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, MigrateCommandTest, ::testing::ValuesIn(kDestinations),
    [](const ::testing::TestParamInfo<DestinationStore>& info) {
      return std::string(info.param.name);
    });

// The source under another spelling is the destination: refused as not
// empty, after a read-only look, so the source file is never opened for
// writing.
TEST(MigrateRefusalTest, TheSourceUnderAnotherNameIsNotEmpty) {
  absl::StatusOr<std::unique_ptr<testing::StoredLog>> stored =
      testing::StoredLog::Create(20);
  ASSERT_TRUE(stored.ok()) << stored.status();
  (*stored)->log.reset();
  const std::string path = (*stored)->path;
  const CliRun refused =
      Refundctl({"migrate", "--from=" + path, "--to=sqlite:" + path});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, AllOf(HasSubstr("is not empty"),
                                 HasSubstr("nothing was written")));
  EXPECT_EQ(Refundctl({"verify", "--db=" + path}).code, 0);
}

TEST(MigrateRefusalTest, ADestinationThatCannotBeOpenedIsNamed) {
  absl::StatusOr<std::unique_ptr<testing::StoredLog>> stored =
      testing::StoredLog::Create(3);
  ASSERT_TRUE(stored.ok()) << stored.status();
  (*stored)->log.reset();
  (*stored)->dir.Write("garbage.db", std::string(8192, 'x'));
  const std::string to = (*stored)->dir.path() + "/garbage.db";
  const CliRun refused =
      Refundctl({"migrate", "--from=" + (*stored)->path, "--to=" + to});
  EXPECT_EQ(refused.code, 1);
  EXPECT_THAT(refused.err, AllOf(HasSubstr("cannot open the destination " + to),
                                 HasSubstr("nothing was copied")));
}

TEST(MigrateRefusalTest, FlagMistakesAreUsageErrors) {
  EXPECT_EQ(Refundctl({"migrate"}).code, 2);
  EXPECT_EQ(Refundctl({"migrate", "--from=a.db"}).code, 2);
  EXPECT_EQ(Refundctl({"migrate", "--to=b.db"}).code, 2);
  EXPECT_EQ(Refundctl({"migrate", "--from=a.db", "--to=a.db"}).code, 2);
  EXPECT_EQ(
      Refundctl({"migrate", "--from=a.db", "--to=b.db", "--db=c.db"}).code, 2);
  const CliRun memory = Refundctl({"migrate", "--from=a.db", "--to=memory:"});
  EXPECT_EQ(memory.code, 2);
  EXPECT_THAT(memory.err, HasSubstr("lost when refundctl exits"));
  const CliRun password = Refundctl(
      {"migrate", "--from=a.db",
       "--to=postgresql://refund:s3cr3t@db.internal/refund?sslmode=require"});
  EXPECT_EQ(password.code, 2);
  EXPECT_THAT(password.err,
              AllOf(HasSubstr("migrate: --to: the PostgreSQL URI holds a "
                              "password"),
                    HasSubstr("PGPASSFILE"), HasSubstr("PGPASSWORD"),
                    Not(HasSubstr("s3cr3t"))));
  const CliRun from_memory =
      Refundctl({"migrate", "--from=memory:", "--to=b.db"});
  EXPECT_EQ(from_memory.code, 1);
  EXPECT_THAT(from_memory.err, AllOf(HasSubstr("cannot read the source"),
                                     HasSubstr("nothing was copied")));
  EXPECT_FALSE(std::filesystem::exists("b.db"));
}

}  // namespace
}  // namespace refund
