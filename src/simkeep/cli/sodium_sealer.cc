#include "simkeep/cli/sodium_sealer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace simkeep::cli {
namespace {

// A key file is one line of 64 hex digits; anything much longer is not one.
constexpr size_t kKeyFileSizeMax = 256;

// An open file descriptor, closed when it goes.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  bool valid() const { return fd_ >= 0; }
  int get() const { return fd_; }

 private:
  int fd_;
};

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
  // The mode and the contents are read from one open file, so they are the same file's.
  FileDescriptor file(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid() && errno == ENOENT) {
    return FailedPrecondition(
        "secret_key_file_missing",
        "The key file " + path +
            " does not exist. simkeep makes a key only when `simkeep migrate` creates a new "
            "database; if this database is in use, copy here the key file every other instance "
            "uses (a new key would seal codes they cannot open).");
  }
  struct stat status {};
  if (!file.valid() || fstat(file.get(), &status) != 0) {
    return Unavailable("secret_key_unreadable",
                       "Cannot read the key file " + path + ": " + std::strerror(errno) + ".");
  }
  if (!S_ISREG(status.st_mode)) {
    return Unavailable("secret_key_unreadable", "The key file " + path + " is not a file.");
  }
  if ((status.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(status.st_mode & 07777));
    return FailedPrecondition("secret_key_file_insecure",
                              "The key file " + path + " has mode " + mode +
                                  ": others may read or change it. Run chmod 600 " + path +
                                  " (or 640, readable by the service's group only).");
  }
  std::string text(kKeyFileSizeMax + 1, '\0');
  const ssize_t size = read(file.get(), text.data(), text.size());
  if (size < 0) {
    return Unavailable("secret_key_unreadable",
                       "Cannot read the key file " + path + ": " + std::strerror(errno) + ".");
  }
  text.resize(static_cast<size_t>(size));
  const std::string_view hex = std::string_view(text).substr(0, text.find('\n'));
  std::vector<unsigned char> bytes;
  std::array<unsigned char, 32> key{};
  if (!FromHex(hex, bytes) || bytes.size() != key.size()) {
    return Unavailable("secret_key_unreadable",
                       "The key file " + path + " does not hold a 32-byte hex key.");
  }
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return std::unique_ptr<SodiumSealer>(new SodiumSealer(key));
}

Result<void> SodiumSealer::CreateKeyFile(const std::string& path) {
  if (sodium_init() < 0) {
    return Unavailable("secret_key_unwritable", "libsodium could not be initialised.");
  }
  FileDescriptor file(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!file.valid() && errno == EEXIST) {
    return AlreadyExists("secret_key_file_exists", "The key file " + path + " already exists.");
  }
  if (!file.valid()) {
    return Unavailable("secret_key_unwritable",
                       "Cannot create the key file " + path + ": " + std::strerror(errno) + ".");
  }
  std::array<unsigned char, 32> key{};
  crypto_secretbox_keygen(key.data());
  const std::string line = ToHex(key.data(), key.size()) + "\n";
  sodium_memzero(key.data(), key.size());
  // fchmod as well: the umask may have taken bits away from 0600, never added any.
  if (write(file.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      fchmod(file.get(), 0600) != 0 || fsync(file.get()) != 0) {
    const std::string reason = std::strerror(errno);
    unlink(path.c_str());
    return Unavailable("secret_key_unwritable",
                       "Cannot write the key file " + path + ": " + reason + ".");
  }
  return Ok();
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

std::string SodiumSealer::NewSecret() { return "whsec_" + RandomHex(32); }

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
