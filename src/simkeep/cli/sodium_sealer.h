#ifndef SIMKEEP_CLI_SODIUM_SEALER_H_
#define SIMKEEP_CLI_SODIUM_SEALER_H_

#include <array>
#include <string>

#include "simkeep/app/context.h"

namespace simkeep::cli {

// Seals secrets with libsodium's secretbox (XSalsa20-Poly1305) under a 32-byte key kept in a
// file outside the database, so a copy of the database alone does not reveal them. Sealed text
// is "sb1:" + hex(nonce || ciphertext). Thread-safe (the key is immutable).
class SodiumSealer final : public app::Sealer {
 public:
  // Reads the key from `path`, creating the file (mode 0600) with a new random key if it does
  // not exist. kUnavailable "secret_key_unreadable" on I/O errors or a malformed file.
  static Result<std::unique_ptr<SodiumSealer>> FromKeyFile(const std::string& path);

  std::string Seal(std::string_view plaintext) override;
  Result<std::string> Open(std::string_view sealed) override;

 private:
  explicit SodiumSealer(const std::array<unsigned char, 32>& key) : key_(key) {}
  std::array<unsigned char, 32> key_;
};

// Hex of `size` random bytes from libsodium, for API tokens.
std::string RandomHex(size_t size);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_SODIUM_SEALER_H_
