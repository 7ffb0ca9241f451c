#ifndef SIMKEEP_STORAGE_SQLITE_LIMITS_H_
#define SIMKEEP_STORAGE_SQLITE_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace simkeep::storage::sqlite {

// How long a statement waits for another connection's write lock before it fails with
// kUnavailable "db_unavailable". One group-commit batch must finish well within it.
inline constexpr int kBusyTimeoutMs = 5000;

// Most prepared statements one connection keeps. The adapter uses a fixed set of SQL texts
// (about 70), so the bound is only reached by a bug; past it, statements are prepared per use.
inline constexpr size_t kStatementCacheSizeMax = 256;

// Deepest savepoint nesting a session accepts. The committer uses one level.
inline constexpr int kSavepointDepthMax = 32;

// The background checkpointer (internal/checkpointer.h) starts a PASSIVE checkpoint once a commit
// leaves at least this many pages in the write-ahead log (SQLite's own default threshold), and
// waits at least kCheckpointIntervalMinMs between two of them.
inline constexpr int64_t kCheckpointLogPages = 1000;
inline constexpr int kCheckpointIntervalMinMs = 20;
// A writer that never pauses keeps passive checkpoints from ever finishing (SQLite reuses the log
// from its start only when a write transaction begins with every page copied back), so the log
// would grow without end. Once a commit leaves it at this many pages (about 40 MB of 4 KiB
// pages), the writer runs a RESTART checkpoint before its next transaction: it copies the pages
// committed since the last passive pass, syncs the database file and starts the log over.
inline constexpr int64_t kCheckpointRestartLogPages = 10000;

// Leader election (leader_lock.h): a follower tries the lock file's flock every
// kLeaderTryIntervalMs; the holder checks every kLeaderCheckIntervalMs that the lock path still
// names its locked file, and leads after holding it for kLeaderTakeoverDelayMs. A replaced lock
// file is the one way to lose the lock without the kernel's knowledge: the old leader notices
// at its next check, and the new one must not lead before that. So a follower leads within
// kLeaderTryIntervalMs + kLeaderTakeoverDelayMs of the leader's end.
inline constexpr int kLeaderTryIntervalMs = 500;
inline constexpr int kLeaderCheckIntervalMs = 1000;
inline constexpr int kLeaderTakeoverDelayMs = 2000;
static_assert(kLeaderTakeoverDelayMs > kLeaderCheckIntervalMs,
              "a new leader must wait until an old one has noticed its loss");

}  // namespace simkeep::storage::sqlite

#endif  // SIMKEEP_STORAGE_SQLITE_LIMITS_H_
