#ifndef SIMKEEP_STORAGE_SQLITE_LIMITS_H_
#define SIMKEEP_STORAGE_SQLITE_LIMITS_H_

#include <cstddef>

namespace simkeep::storage::sqlite {

// How long a statement waits for another connection's write lock before it fails with
// kUnavailable "db_unavailable". One group-commit batch must finish well within it.
inline constexpr int kBusyTimeoutMs = 5000;

// Most prepared statements one connection keeps. The adapter uses a fixed set of SQL texts
// (about 70), so the bound is only reached by a bug; past it, statements are prepared per use.
inline constexpr size_t kStatementCacheSizeMax = 256;

// Most rows one list call returns, whatever limit the caller asks for: page-sized lists
// (ListLines, ListOrders) are capped at app::kPageLimitMax, the others at this.
inline constexpr int kListRowsMax = 1000;

// Deepest savepoint nesting a session accepts. The committer uses one level.
inline constexpr int kSavepointDepthMax = 32;

}  // namespace simkeep::storage::sqlite

#endif  // SIMKEEP_STORAGE_SQLITE_LIMITS_H_
