#include "simkeep/base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace simkeep::internal {

void AssertFail(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "simkeep: assertion failed at %s:%d: %s\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace simkeep::internal
