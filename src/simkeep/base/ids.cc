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
  std::string id(prefix);
  id.push_back('_');
  for (int word = 0; word < 4; ++word) {
    uint32_t bits = device();
    for (int i = 0; i < 5; ++i) {  // 4 words x 5 characters x 5 bits = 100 bits.
      id.push_back(kBase32[bits & 31U]);
      bits >>= 5;
    }
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
