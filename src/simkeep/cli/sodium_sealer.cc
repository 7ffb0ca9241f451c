#include "simkeep/cli/sodium_sealer.h"

#include <fstream>
#include <memory>
#include <vector>

#include <sodium.h>
#include <sys/stat.h>

namespace simkeep::cli {
namespace {

std::string ToHex(const unsigned char* data, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), data, size);
  hex.pop_back();
  return hex;
}

bool FromHex(std::string_view hex, std::vector<unsigned char>& out) {
  out.resize(hex.size() / 2 + 1);
  size_t length = 0;
  if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &length, nullptr) !=
      0) {
    return false;
  }
  out.resize(length);
  return length * 2 == hex.size();
}

}  // namespace

std::string RandomHex(size_t size) {
  std::vector<unsigned char> bytes(size);
  randombytes_buf(bytes.data(), bytes.size());
  return ToHex(bytes.data(), bytes.size());
}

Result<std::unique_ptr<SodiumSealer>> SodiumSealer::FromKeyFile(const std::string& path) {
  if (sodium_init() < 0) {
    return Unavailable("secret_key_unreadable", "libsodium could not be initialised.");
  }
  std::array<unsigned char, 32> key{};
  std::ifstream in(path);
  if (in) {
    std::string hex;
    std::getline(in, hex);
    std::vector<unsigned char> bytes;
    if (!FromHex(hex, bytes) || bytes.size() != key.size()) {
      return Unavailable("secret_key_unreadable",
                         "The key file " + path + " does not hold a 32-byte hex key.");
    }
    std::copy(bytes.begin(), bytes.end(), key.begin());
  } else {
    crypto_secretbox_keygen(key.data());
    const mode_t old_mask = umask(077);
    std::ofstream out(path);
    umask(old_mask);
    out << ToHex(key.data(), key.size()) << "\n";
    out.close();
    if (!out) {
      return Unavailable("secret_key_unreadable", "Cannot write the key file " + path + ".");
    }
  }
  return std::unique_ptr<SodiumSealer>(new SodiumSealer(key));
}

std::string SodiumSealer::Seal(std::string_view plaintext) {
  std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                 plaintext.size());
  randombytes_buf(box.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        box.data(), key_.data());
  return "sb1:" + ToHex(box.data(), box.size());
}

Result<std::string> SodiumSealer::Open(std::string_view sealed) {
  std::vector<unsigned char> box;
  if (sealed.substr(0, 4) != "sb1:" || !FromHex(sealed.substr(4), box) ||
      box.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return FailedPrecondition("secret_unreadable", "The sealed secret is malformed.");
  }
  std::string plaintext(box.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()),
                                 box.data() + crypto_secretbox_NONCEBYTES,
                                 box.size() - crypto_secretbox_NONCEBYTES, box.data(),
                                 key_.data()) != 0) {
    return FailedPrecondition("secret_unreadable",
                              "The sealed secret does not open with this key.");
  }
  return plaintext;
}

}  // namespace simkeep::cli
