#ifndef SIMKEEP_BASE_IP_ADDRESS_H_
#define SIMKEEP_BASE_IP_ADDRESS_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

namespace simkeep {

// An IPv4 or IPv6 address in network byte order. An IPv4 address is held as its IPv4-mapped
// IPv6 form (::ffff:a.b.c.d), so that the two spellings of one address are one value. Value
// type; thread-compatible.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  static constexpr IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return IpAddress{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, a, b, c, d}};
  }
  // True for an IPv4 address (an IPv4-mapped IPv6 one included).
  bool IsV4() const;

  friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// What an address reaches, for deciding whether a server may connect to it on behalf of a
// user (a webhook receiver's URL) without reaching into the network it runs on.
enum class AddressScope {
  kPublic,           // None of the below: routed on the internet, as far as simkeep knows.
  kUnspecified,      // 0.0.0.0/8 ("this network"; Linux connects 0.0.0.0 to itself), ::.
  kLoopback,         // 127.0.0.0/8, ::1.
  kPrivate,          // RFC 1918 (10/8, 172.16/12, 192.168/16), fc00::/7, fec0::/10 (site-local).
  kLinkLocal,        // 169.254.0.0/16 (cloud metadata services), fe80::/10.
  kCarrierGradeNat,  // 100.64.0.0/10, RFC 6598's shared address space.
  kMulticast,        // 224.0.0.0/4, ff00::/8.
  kReserved,         // 240.0.0.0/4 (255.255.255.255 included); ::/96 IPv4-compatible addresses.
};

// The scope of `address`. An IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6 address
// has the scope of the IPv4 address it carries, since that is where a packet to it goes.
AddressScope ClassifyAddress(const IpAddress& address);

// The scope's name for messages: "public", "unspecified", "loopback", "private", "link-local",
// "carrier-grade NAT", "multicast", "reserved".
const char* AddressScopeName(AddressScope scope);

// The address `text` spells, as a URL's host names it (without the brackets of an IPv6
// literal and without a zone): IPv6 text (RFC 4291 §2.2, "::" and a trailing dotted quad
// allowed), or IPv4 in every form URL parsers (WHATWG, libcurl) and inet_aton accept: one to
// four parts, each decimal, octal with a leading 0 or hex with 0x, the last filling the bytes
// left ("127.1", "2130706433", "0x7f.0.0.1"), with one trailing dot allowed. nullopt for
// anything else: a host name.
std::optional<IpAddress> ParseIpAddress(std::string_view text);

}  // namespace simkeep

#endif  // SIMKEEP_BASE_IP_ADDRESS_H_
