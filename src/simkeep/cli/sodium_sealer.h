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
  // Reads the key from `path`, a file of one line of 64 hex digits. Never creates it: a missing
  // key is an error, because a new key would seal secrets no other instance sharing the
  // database can open (CreateKeyFile makes one, for `simkeep migrate` on a new database).
  // Errors: kFailedPrecondition "secret_key_file_missing" (naming `path`) when no file is there;
  // kFailedPrecondition "secret_key_file_insecure" when others may read or write it, or its
  // group may write it (its group may read it: a key owned by root and read by the service's
  // group is the usual layout); kUnavailable "secret_key_unreadable" when it cannot be read, is
  // not a regular file, or does not hold a key.
  static Result<std::unique_ptr<SodiumSealer>> FromKeyFile(const std::string& path);

  // Writes a new random key to `path`, created with mode 0600 and never replacing a file that
  // exists (O_EXCL), synced before it returns.
  // Errors: kAlreadyExists "secret_key_file_exists"; kUnavailable "secret_key_unwritable".
  static Result<void> CreateKeyFile(const std::string& path);

  std::string Seal(std::string_view plaintext) override;
  Result<std::string> Open(std::string_view sealed) override;
  std::string NewSecret() override;

 private:
  explicit SodiumSealer(const std::array<unsigned char, 32>& key) : key_(key) {}
  std::array<unsigned char, 32> key_;
};

// Hex of `size` random bytes from libsodium, for API tokens.
std::string RandomHex(size_t size);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_SODIUM_SEALER_H_
