#ifndef SIMKEEP_BASE_CLOCK_H_
#define SIMKEEP_BASE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace simkeep {

// A point in time, UTC, microsecond resolution. Stored as microseconds since the Unix epoch.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

inline int64_t ToMicros(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp FromMicros(int64_t micros) { return Timestamp(std::chrono::microseconds(micros)); }

// The only way simkeep code reads the time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that only moves when told to; drives tests and `--now` demos. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : micros_(ToMicros(start)) {}
  Timestamp Now() const override { return FromMicros(micros_.load()); }
  void Set(Timestamp t) { micros_.store(ToMicros(t)); }
  void Advance(std::chrono::microseconds d) { micros_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> micros_;
};

}  // namespace simkeep

#endif  // SIMKEEP_BASE_CLOCK_H_
