#ifndef SIMKEEP_BASE_ASSERT_H_
#define SIMKEEP_BASE_ASSERT_H_

// SIMKEEP_ASSERT(cond) is always on: it logs file:line and the condition to stderr and aborts.
// Use it for invariants of our own code (ledger legs sum to zero, ...), never for input from
// outside the process: validate that and return an Error instead.
// SIMKEEP_DCHECK(cond) is the same in debug builds only, for expensive checks.

namespace simkeep::internal {
[[noreturn]] void AssertFail(const char* condition, const char* file, int line);
}  // namespace simkeep::internal

#define SIMKEEP_ASSERT(cond)                                      \
  do {                                                            \
    if (!(cond)) [[unlikely]] {                                   \
      ::simkeep::internal::AssertFail(#cond, __FILE__, __LINE__); \
    }                                                             \
  } while (false)

// SIMKEEP_UNREACHABLE() marks a point control never reaches (after an exhaustive switch); it
// aborts like a failed assertion if it ever is reached.
#define SIMKEEP_UNREACHABLE() ::simkeep::internal::AssertFail("unreachable", __FILE__, __LINE__)

#ifdef NDEBUG
#define SIMKEEP_DCHECK(cond) \
  do {                       \
  } while (false && (cond))
#else
#define SIMKEEP_DCHECK(cond) SIMKEEP_ASSERT(cond)
#endif

#endif  // SIMKEEP_BASE_ASSERT_H_
