// A SQLite VFS for tests that makes the syncs of WAL files fail on demand,
// as a disk that fails while SQLite commits does: the statements of a
// transaction succeed, its COMMIT (which syncs the WAL under
// synchronous=FULL) fails with SQLITE_IOERR_FSYNC.
//
// It is installed as the process's default VFS, wrapping the default before
// it and passing everything else through. The decision log's connections
// reach it because the log opens them through the default VFS or through
// server/log/sqlite/wal_write_combining_vfs.h, which wraps the default VFS
// of the moment it is first used: install this one before any decision log
// is opened in the process.
#ifndef TESTS_TESTING_FAILING_WAL_SYNC_VFS_H_
#define TESTS_TESTING_FAILING_WAL_SYNC_VFS_H_

#include <cstdint>

namespace refund::testing {

// Registers the VFS as the default (once per process). False when it could
// not be, or when the write-combining VFS was already registered: it would
// then bypass this one.
bool InstallFailingWalSyncVfs();

// While on, every sync of a WAL file (through any connection) fails.
void SetWalSyncsFail(bool fail);

// WAL syncs failed since the process started.
int64_t FailedWalSyncs();

}  // namespace refund::testing

#endif  // TESTS_TESTING_FAILING_WAL_SYNC_VFS_H_
