#ifndef SIMKEEP_APP_READ_POOL_H_
#define SIMKEEP_APP_READ_POOL_H_

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "simkeep/app/ports.h"

namespace simkeep::app {

// Sessions for reads, kept open and reused: each Read borrows one, runs the work in a
// read-only transaction (a consistent snapshot), rolls it back and returns the session.
// Thread-safe; the Database must outlive it.
class ReadPool {
 public:
  explicit ReadPool(Database& database) : database_(database) {}

  // Runs `work` in a read-only transaction. kUnavailable "db_unavailable" if no session can be
  // opened; otherwise whatever `work` returns.
  Result<void> Read(const std::function<Result<void>(Transaction&)>& work);

 private:
  Database& database_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Session>> idle_;
};

}  // namespace simkeep::app

#endif  // SIMKEEP_APP_READ_POOL_H_
