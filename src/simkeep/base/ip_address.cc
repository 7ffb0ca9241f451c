#include "simkeep/base/ip_address.h"

#include <vector>

#include "simkeep/base/text.h"

namespace simkeep {
namespace {

// The 12 bytes before an IPv4 address in its IPv4-mapped (::ffff:0:0/96) and NAT64 well-known
// prefix (64:ff9b::/96, RFC 6052) forms.
constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
constexpr std::array<uint8_t, 12> kNat64Prefix = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};

// Numbers are parsed into uint64_t: no part of an address may pass this, so a long run of
// digits stops before it can overflow.
constexpr uint64_t kPartMax = 0xFFFFFFFF;

bool HasPrefix(const IpAddress& address, const std::array<uint8_t, 12>& prefix) {
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (address.bytes[i] != prefix[i]) {
      return false;
    }
  }
  return true;
}

AddressScope ClassifyV4(uint8_t a, uint8_t b) {
  if (a == 0) {
    return AddressScope::kUnspecified;
  }
  if (a == 127) {
    return AddressScope::kLoopback;
  }
  if (a == 10 || (a == 172 && (b & 0xF0) == 16) || (a == 192 && b == 168)) {
    return AddressScope::kPrivate;
  }
  if (a == 169 && b == 254) {
    return AddressScope::kLinkLocal;
  }
  if (a == 100 && (b & 0xC0) == 64) {
    return AddressScope::kCarrierGradeNat;
  }
  if ((a & 0xF0) == 224) {
    return AddressScope::kMulticast;
  }
  if ((a & 0xF0) == 240) {
    return AddressScope::kReserved;
  }
  return AddressScope::kPublic;
}

// One part of an IPv4 address as URL parsers read it: "0x"/"0X" and hex digits (none: 0), "0"
// and octal digits, or decimal digits.
std::optional<uint64_t> ParseV4Part(std::string_view part) {
  if (part.empty()) {
    return std::nullopt;
  }
  int radix = 10;
  if (part.size() >= 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X')) {
    radix = 16;
    part.remove_prefix(2);
  } else if (part.size() >= 2 && part[0] == '0') {
    radix = 8;
    part.remove_prefix(1);
  }
  uint64_t value = 0;
  for (char c : part) {
    const int digit = HexDigitValue(c);
    if (digit < 0 || digit >= radix) {
      return std::nullopt;
    }
    value = value * static_cast<uint64_t>(radix) + static_cast<uint64_t>(digit);
    if (value > kPartMax) {
      return std::nullopt;
    }
  }
  return value;
}

std::optional<IpAddress> ParseV4(std::string_view text) {
  if (!text.empty() && text.back() == '.') {
    text.remove_suffix(1);
  }
  std::vector<uint64_t> parts;
  while (true) {
    if (parts.size() == 4) {
      return std::nullopt;
    }
    const size_t dot = text.find('.');
    std::optional<uint64_t> part = ParseV4Part(text.substr(0, dot));
    if (!part) {
      return std::nullopt;
    }
    parts.push_back(*part);
    if (dot == std::string_view::npos) {
      break;
    }
    text.remove_prefix(dot + 1);
  }
  // The parts before the last are one byte each; the last fills the bytes left.
  uint64_t value = 0;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] > 0xFF) {
      return std::nullopt;
    }
    value |= parts[i] << (8 * (3 - i));
  }
  const size_t last_bits = 8 * (5 - parts.size());
  if (parts.back() >> last_bits != 0) {
    return std::nullopt;
  }
  value |= parts.back();
  return IpAddress::V4(static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                       static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value));
}

// A dotted quad of four decimal bytes, the only IPv4 form allowed at the end of IPv6 text.
std::optional<IpAddress> ParseStrictV4(std::string_view text) {
  std::array<uint8_t, 4> bytes{};
  for (size_t i = 0; i < 4; ++i) {
    const size_t dot = text.find('.');
    if ((i < 3) == (dot == std::string_view::npos)) {
      return std::nullopt;
    }
    const std::string_view part = text.substr(0, dot);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) {
      return std::nullopt;
    }
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      value = value * 10 + (c - '0');
    }
    if (value > 0xFF) {
      return std::nullopt;
    }
    bytes[i] = static_cast<uint8_t>(value);
    text.remove_prefix(dot == std::string_view::npos ? text.size() : dot + 1);
  }
  return IpAddress::V4(bytes[0], bytes[1], bytes[2], bytes[3]);
}

// The 16-bit groups of `text` (hex groups separated by ':', a dotted quad allowed last),
// appended to `groups`; false when `text` is malformed. Empty text has no groups.
bool ParseV6Groups(std::string_view text, std::vector<uint16_t>& groups) {
  if (text.empty()) {
    return true;
  }
  while (true) {
    const size_t colon = text.find(':');
    const std::string_view group = text.substr(0, colon);
    if (colon == std::string_view::npos && group.find('.') != std::string_view::npos) {
      std::optional<IpAddress> v4 = ParseStrictV4(group);
      if (!v4) {
        return false;
      }
      groups.push_back(static_cast<uint16_t>(v4->bytes[12] << 8 | v4->bytes[13]));
      groups.push_back(static_cast<uint16_t>(v4->bytes[14] << 8 | v4->bytes[15]));
      return true;
    }
    if (group.empty() || group.size() > 4) {
      return false;
    }
    unsigned value = 0;
    for (char c : group) {
      const int digit = HexDigitValue(c);
      if (digit < 0) {
        return false;
      }
      value = value * 16 + static_cast<unsigned>(digit);
    }
    groups.push_back(static_cast<uint16_t>(value));
    if (colon == std::string_view::npos) {
      return true;
    }
    text.remove_prefix(colon + 1);
  }
}

std::optional<IpAddress> ParseV6(std::string_view text) {
  std::vector<uint16_t> head;
  std::vector<uint16_t> tail;
  const size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!ParseV6Groups(text, head) || head.size() != 8) {
      return std::nullopt;
    }
  } else {
    const std::string_view after = text.substr(gap + 2);
    if (after.find("::") != std::string_view::npos || !ParseV6Groups(text.substr(0, gap), head) ||
        !ParseV6Groups(after, tail) || head.size() + tail.size() > 7) {
      return std::nullopt;
    }
    // A dotted quad only ends the address: "::1.2.3.4" is allowed, "1.2.3.4::" is not.
    if (text.substr(0, gap).find('.') != std::string_view::npos) {
      return std::nullopt;
    }
  }
  IpAddress address;
  for (size_t i = 0; i < head.size(); ++i) {
    address.bytes[2 * i] = static_cast<uint8_t>(head[i] >> 8);
    address.bytes[2 * i + 1] = static_cast<uint8_t>(head[i]);
  }
  const size_t tail_start = 8 - tail.size();
  for (size_t i = 0; i < tail.size(); ++i) {
    address.bytes[2 * (tail_start + i)] = static_cast<uint8_t>(tail[i] >> 8);
    address.bytes[2 * (tail_start + i) + 1] = static_cast<uint8_t>(tail[i]);
  }
  return address;
}

}  // namespace

bool IpAddress::IsV4() const { return HasPrefix(*this, kMappedPrefix); }

AddressScope ClassifyAddress(const IpAddress& address) {
  const std::array<uint8_t, 16>& b = address.bytes;
  if (HasPrefix(address, kMappedPrefix) || HasPrefix(address, kNat64Prefix)) {
    return ClassifyV4(b[12], b[13]);
  }
  bool zero_to_15 = true;  // ::/120, then ::/128 and ::1.
  for (size_t i = 0; i < 15; ++i) {
    zero_to_15 = zero_to_15 && b[i] == 0;
  }
  if (zero_to_15 && b[15] == 0) {
    return AddressScope::kUnspecified;
  }
  if (zero_to_15 && b[15] == 1) {
    return AddressScope::kLoopback;
  }
  bool zero_to_11 = true;
  for (size_t i = 0; i < 12; ++i) {
    zero_to_11 = zero_to_11 && b[i] == 0;
  }
  if (zero_to_11) {
    return AddressScope::kReserved;  // IPv4-compatible, deprecated by RFC 4291.
  }
  if ((b[0] & 0xFE) == 0xFC) {
    return AddressScope::kPrivate;  // fc00::/7, unique local.
  }
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) {
    return AddressScope::kLinkLocal;  // fe80::/10.
  }
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) {
    return AddressScope::kPrivate;  // fec0::/10, site-local, deprecated but still routed so.
  }
  if (b[0] == 0xFF) {
    return AddressScope::kMulticast;
  }
  return AddressScope::kPublic;
}

const char* AddressScopeName(AddressScope scope) {
  switch (scope) {
    case AddressScope::kPublic:
      return "public";
    case AddressScope::kUnspecified:
      return "unspecified";
    case AddressScope::kLoopback:
      return "loopback";
    case AddressScope::kPrivate:
      return "private";
    case AddressScope::kLinkLocal:
      return "link-local";
    case AddressScope::kCarrierGradeNat:
      return "carrier-grade NAT";
    case AddressScope::kMulticast:
      return "multicast";
    case AddressScope::kReserved:
      return "reserved";
  }
  return "reserved";
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    return ParseV6(text);
  }
  return ParseV4(text);
}

}  // namespace simkeep
