// The origin refund-server writes in its checkpoints when
// --checkpoint_origin is not given (server/grpc/server_runner.h): the host
// name and the database file's name (a PostgreSQL database's host and
// name), always a valid origin.
#include <unistd.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/grpc/server_runner.h"
#include "server/log/checkpoint/log_checkpoint.h"

namespace refund::server {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

std::string Host() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

TEST(DefaultCheckpointOriginTest, IsTheHostAndTheFileName) {
  EXPECT_EQ(DefaultCheckpointOrigin("data/decisions.db"),
            Host() + "/decisions.db");
  EXPECT_EQ(DefaultCheckpointOrigin("sqlite:/srv/refund/log.db"),
            Host() + "/log.db");
  EXPECT_EQ(DefaultCheckpointOrigin("memory:"), Host() + "/memory");
  EXPECT_EQ(DefaultCheckpointOrigin("plain.db"), Host() + "/plain.db");
}

// A shared database has one origin whichever replica signs: its server's
// host and the database, never the password, port or query parameters.
TEST(DefaultCheckpointOriginTest, IsTheDatabaseHostAndNameForPostgres) {
  EXPECT_EQ(DefaultCheckpointOrigin("postgresql://refund@db.internal:5432/"
                                    "refund?sslmode=verify-full"),
            "db.internal/refund");
  EXPECT_EQ(DefaultCheckpointOrigin("postgres://db-1:5432,db-2:5433/log"),
            "db-1,db-2/log");
  EXPECT_EQ(DefaultCheckpointOrigin("postgresql://[2001:db8::7]:5432/refund"),
            "[2001:db8::7]/refund");
  EXPECT_EQ(DefaultCheckpointOrigin("postgresql://refund@db.internal"),
            "db.internal/refund");
  EXPECT_EQ(DefaultCheckpointOrigin("postgresql:///refund?host=/run/pg"),
            "localhost/refund");
  EXPECT_EQ(DefaultCheckpointOrigin("postgresql://"), "localhost/postgres");
  const std::string with_password =
      DefaultCheckpointOrigin("postgresql://u:s3cr3t@db/refund?password=x");
  EXPECT_EQ(with_password, "db/refund");
  EXPECT_TRUE(ValidateCheckpointOrigin(
                  DefaultCheckpointOrigin("postgresql://db/with%20space"))
                  .ok());
  EXPECT_EQ(DefaultCheckpointOrigin("postgresql://db/with%20space"),
            "db/with_space");
}

TEST(DefaultCheckpointOriginTest, IsAlwaysAValidOrigin) {
  for (const std::string& spec : std::vector<std::string>{
           "data/with space.db", "data/\xE6\x97\xA5\xE5\xBF\x97.db", "dir/",
           std::string(400, 'x')}) {
    const std::string origin = DefaultCheckpointOrigin(spec);
    EXPECT_TRUE(ValidateCheckpointOrigin(origin).ok()) << origin;
    EXPECT_THAT(origin, StartsWith(Host() + "/"));
  }
  EXPECT_THAT(DefaultCheckpointOrigin("data/with space.db"),
              EndsWith("/with_space.db"));
  EXPECT_THAT(DefaultCheckpointOrigin("dir/"), EndsWith("/log"));
}

}  // namespace
}  // namespace refund::server
