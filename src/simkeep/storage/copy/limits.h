#ifndef SIMKEEP_STORAGE_COPY_LIMITS_H_
#define SIMKEEP_STORAGE_COPY_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace simkeep::storage::copy {

// A table's progress is reported every this many rows copied (or read back), so a table smaller
// than this copies silently and a large one shows how far it got.
inline constexpr int64_t kProgressRowsStep = 10'000;

// Differences between two catalogs listed in a "schema_mismatch" message; the rest are counted.
inline constexpr size_t kSchemaDifferencesMax = 20;

}  // namespace simkeep::storage::copy

#endif  // SIMKEEP_STORAGE_COPY_LIMITS_H_
