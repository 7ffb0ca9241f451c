#include "simkeep/base/ids.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>

#include <pthread.h>
#include <sys/random.h>

#include "simkeep/base/assert.h"

namespace simkeep {
namespace {

constexpr std::string_view kBase32 = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lower case.

// Bumped in a child after fork(), so that a child never hands out the random words its parent
// had already read into a thread's buffer.
std::atomic<uint64_t> fork_generation{0};

// 64-bit words from the kernel's random source (getrandom(2)), read 512 at a time into a buffer
// per thread. std::random_device is not used: libstdc++ backs it with the RDRAND instruction
// where the CPU has one, which costs microseconds per call on virtual machines, and a renewal
// makes about ten ids.
uint64_t RandomWord() {
  struct Buffer {
    std::array<uint64_t, 512> words{};
    size_t next = 512;
    uint64_t generation = 0;
  };
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });
    return true;
  }();
  (void)registered;
  thread_local Buffer buffer;
  const uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (buffer.next == buffer.words.size() || buffer.generation != generation) {
    auto* bytes = reinterpret_cast<char*>(buffer.words.data());
    size_t filled = 0;
    while (filled < sizeof(buffer.words)) {
      const ssize_t n = getrandom(bytes + filled, sizeof(buffer.words) - filled, 0);
      if (n < 0) {
        SIMKEEP_ASSERT(errno == EINTR);  // Any other error is impossible with these arguments.
        continue;
      }
      filled += static_cast<size_t>(n);
    }
    buffer.next = 0;
    buffer.generation = generation;
  }
  return buffer.words[buffer.next++];
}

}  // namespace

std::string RandomIdGenerator::Next(std::string_view prefix) {
  const auto millis = static_cast<uint64_t>(ToMicros(clock_.Now()) / 1000);
  std::string id(prefix);
  id.push_back('_');
  for (int shift = 40; shift >= 0; shift -= 5) {  // 9 characters, most significant first.
    id.push_back(kBase32[(millis >> shift) & 31U]);
  }
  const uint64_t random = RandomWord();
  for (int i = 0; i < 11; ++i) {  // 55 bits.
    id.push_back(kBase32[(random >> (5 * i)) & 31U]);
  }
  return id;
}

std::string SequentialIdGenerator::Next(std::string_view prefix) {
  const uint64_t n = next_.fetch_add(1);
  std::array<char, 32> digits{};
  std::snprintf(digits.data(), digits.size(), "%020llu", static_cast<unsigned long long>(n));
  std::string id(prefix);
  id.push_back('_');
  id.append(digits.data());
  return id;
}

}  // namespace simkeep
