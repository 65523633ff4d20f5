// A SQLite VFS for fault-injection tests, in the manner of SQLite's own I/O
// error and crash tests and leveldb's fault_injection_test. It wraps the
// default (unix) VFS, passes everything through, and on demand:
//
// - fails the Nth write or sync of a kind of file (the main database, the
//   WAL, a rollback journal, or any file), once, or from the Nth on until
//   ClearFault (a disk that stays bad, then recovers). A WAL write may be
//   picked by what it carries: a frame of a given page (the chain head's
//   table, say) or a commit frame. A failed write writes nothing.
// - cuts the power: from CutPower on nothing more reaches the disk (every
//   write, sync, truncate and delete fails); RestorePower then either drops
//   every write that was not synced when the power went (a power loss) or
//   keeps them (the process died and the kernel kept its page cache).
//
// How the power cut is simulated: the files are written through at once,
// so every connection sees what it would see without this VFS; before each
// write (and truncate) of a main database, WAL or journal file the bytes it
// replaces and the file's size are recorded, per path, and a successful
// sync of the path forgets them. Dropping the unsynced writes restores the
// recorded bytes and sizes, newest first. Not modelled: directory entries
// (a file created or deleted is taken as durable at once; SQLite syncs the
// directory of a new WAL or journal at its first sync), torn or partial
// writes, writes that reach the disk out of order before a sync, and the
// -shm file (not durable by design: SQLite rebuilds it from the WAL when the
// first connection opens the database).
//
// The VFS is installed as the process's default, wrapping the default before
// it. The decision log's connections reach it because the log opens them
// through the default VFS or through server/log/sqlite/
// wal_write_combining_vfs.h, which wraps the default VFS of the moment it is
// first used: install this one before any decision log is opened in the
// process. Below the write-combining VFS it sees the writes as the kernel
// gets them (a commit's frames gathered into writes of up to 64 KiB, handed
// down before the sync).
//
// Thread-safe: the decision log's writer, checkpointer and readers use it
// at once. The configuration and the undo records are process-wide.
#ifndef TESTS_TESTING_FAULT_INJECTION_VFS_H_
#define TESTS_TESTING_FAULT_INJECTION_VFS_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace refund::testing {

// Which files a fault applies to (SQLite's open flags say which a file is).
enum class FileKind { kAny, kMainDb, kWal, kJournal };

enum class FaultOp { kWrite, kSync };

struct FaultSpec {
  FaultOp op = FaultOp::kWrite;
  FileKind file = FileKind::kAny;
  // The nth matching call after InjectFault fails (1: the next one).
  int64_t nth = 1;
  // And so does every matching call after it, until ClearFault.
  bool persistent = false;
  // Writes to the WAL only: match only a write that carries the header of a
  // frame of this page (0: any page) / of a commit frame.
  uint32_t carrying_page = 0;
  bool carrying_commit_frame = false;
  // The SQLite result code of a failed call; 0: SQLITE_IOERR_WRITE for a
  // write, SQLITE_IOERR_FSYNC for a sync (SQLITE_FULL: a full disk).
  int error = 0;
};

// Registers the VFS as the default (once per process). False when it could
// not be, or when the write-combining VFS was registered before it (that
// one would then bypass this one).
bool InstallFaultInjectionVfs();

// Arms `fault`, replacing the one armed before; matching calls are counted
// from now.
void InjectFault(const FaultSpec& fault);
// Disarms the fault: every call goes through again.
void ClearFault();
// Calls failed by injected faults since the process started.
int64_t InjectedFailures();
// Calls of `op` on files of `kind` (kAny: all files) since the process
// started, failed ones included.
int64_t Calls(FaultOp op, FileKind kind);

// From now on nothing reaches the disk: writes, truncates, syncs and deletes
// fail (SQLITE_IOERR_*), until RestorePower. Reads go on.
void CutPower();

enum class AfterPowerCut {
  // A power loss: what was written but not synced is gone.
  kDropUnsyncedWrites,
  // A process crash: the kernel writes back what it was given.
  kKeepUnsyncedWrites,
};

// Turns the power back on after CutPower. With kDropUnsyncedWrites, every
// write (and truncate) not followed by a successful sync of its file is
// undone on disk, newest first. Call it with no database file open through
// this VFS (close every connection first: a connection would keep pages
// read before). Returns how many writes were undone; an error when a file
// cannot be restored.
absl::StatusOr<int64_t> RestorePower(AfterPowerCut after);

// Writes (and truncates) recorded since the last sync of their file, over
// every file.
int64_t UnsyncedWrites();

}  // namespace refund::testing

#endif  // TESTS_TESTING_FAULT_INJECTION_VFS_H_
