#include "simkeep/base/ids.h"

#include <array>
#include <cstdio>
#include <random>

namespace simkeep {
namespace {

constexpr std::string_view kBase32 = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford, lower case.

}  // namespace

std::string RandomIdGenerator::Next(std::string_view prefix) {
  // std::random_device reads the kernel's random source (getrandom) on Linux.
  thread_local std::random_device device;
  const auto millis = static_cast<uint64_t>(ToMicros(clock_.Now()) / 1000);
  std::string id(prefix);
  id.push_back('_');
  for (int shift = 40; shift >= 0; shift -= 5) {  // 9 characters, most significant first.
    id.push_back(kBase32[(millis >> shift) & 31U]);
  }
  const uint64_t random = (static_cast<uint64_t>(device()) << 32) | device();
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
