#include "simkeep/base/ip_address.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace simkeep {
namespace {

// The scope of `text`, which must be an address.
AddressScope ScopeOf(const std::string& text) {
  std::optional<IpAddress> address = ParseIpAddress(text);
  EXPECT_TRUE(address) << text;
  return address ? ClassifyAddress(*address) : AddressScope::kPublic;
}

void ExpectScope(AddressScope scope, std::initializer_list<const char*> texts) {
  for (const char* text : texts) {
    EXPECT_EQ(AddressScopeName(ScopeOf(text)), std::string(AddressScopeName(scope))) << text;
  }
}

TEST(IpAddressTest, ClassifiesIpv4RangesUpToTheirEdges) {
  ExpectScope(AddressScope::kUnspecified, {"0.0.0.0", "0.255.255.255"});
  ExpectScope(AddressScope::kLoopback, {"127.0.0.1", "127.0.0.0", "127.255.255.255"});
  ExpectScope(AddressScope::kPrivate, {"10.0.0.0", "10.255.255.255", "172.16.0.0", "172.31.255.255",
                                       "192.168.0.0", "192.168.255.255"});
  ExpectScope(AddressScope::kLinkLocal, {"169.254.0.0", "169.254.169.254", "169.254.255.255"});
  ExpectScope(AddressScope::kCarrierGradeNat, {"100.64.0.0", "100.127.255.255"});
  ExpectScope(AddressScope::kMulticast, {"224.0.0.0", "239.255.255.255"});
  ExpectScope(AddressScope::kReserved, {"240.0.0.0", "255.255.255.255"});
  // Just outside each range.
  ExpectScope(
      AddressScope::kPublic,
      {"1.0.0.0", "9.255.255.255", "11.0.0.0", "126.255.255.255", "128.0.0.0", "172.15.255.255",
       "172.32.0.0", "192.167.255.255", "192.169.0.0", "169.253.255.255", "169.255.0.0",
       "100.63.255.255", "100.128.0.0", "223.255.255.255", "8.8.8.8", "203.0.113.7"});
}

TEST(IpAddressTest, ClassifiesIpv6Ranges) {
  ExpectScope(AddressScope::kUnspecified, {"::", "0:0:0:0:0:0:0:0"});
  ExpectScope(AddressScope::kLoopback, {"::1", "0:0:0:0:0:0:0:1"});
  ExpectScope(AddressScope::kPrivate, {"fc00::", "fd12:3456:789a::1",
                                       "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::1"});
  ExpectScope(AddressScope::kLinkLocal, {"fe80::", "fe80::1", "febf:ffff::1"});
  ExpectScope(AddressScope::kMulticast, {"ff00::", "ff02::1", "FF05::1:3"});
  ExpectScope(AddressScope::kReserved, {"::2", "::127.0.0.1", "::8.8.8.8"});
  ExpectScope(AddressScope::kPublic, {"2001:db8::1", "2606:4700:4700::1111", "fbff::1", "fe00::1",
                                      "fe7f::1", "::fffe:808:808", "1::"});
}

TEST(IpAddressTest, AnIpv4AddressInsideIpv6HasItsScope) {
  ExpectScope(AddressScope::kLoopback, {"::ffff:127.0.0.1", "::ffff:7f00:1", "::FFFF:7F00:0001",
                                        "0:0:0:0:0:ffff:127.0.0.1"});
  ExpectScope(AddressScope::kLinkLocal, {"::ffff:169.254.169.254", "::ffff:a9fe:a9fe"});
  ExpectScope(AddressScope::kPrivate, {"::ffff:10.1.2.3", "::ffff:192.168.1.1"});
  ExpectScope(AddressScope::kUnspecified, {"::ffff:0.0.0.0"});
  ExpectScope(AddressScope::kPublic, {"::ffff:8.8.8.8", "64:ff9b::8.8.8.8"});
  // NAT64's well-known prefix leads to the IPv4 address it carries.
  ExpectScope(AddressScope::kLoopback, {"64:ff9b::127.0.0.1", "64:ff9b::7f00:1"});
  ExpectScope(AddressScope::kLinkLocal, {"64:ff9b::169.254.169.254"});
  EXPECT_EQ(ParseIpAddress("::ffff:127.0.0.1"), IpAddress::V4(127, 0, 0, 1));
  EXPECT_TRUE(ParseIpAddress("::ffff:1.2.3.4")->IsV4());
  EXPECT_FALSE(ParseIpAddress("::1")->IsV4());
}

TEST(IpAddressTest, ReadsEveryIpv4FormAUrlParserAccepts) {
  const IpAddress loopback = IpAddress::V4(127, 0, 0, 1);
  for (const char* text :
       {"127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0X7F.1",
        "0177.0.0.1", "017700000001", "127.0.0.1.", "127.000.000.001"}) {
    EXPECT_EQ(ParseIpAddress(text), loopback) << text;
  }
  EXPECT_EQ(ParseIpAddress("0"), IpAddress::V4(0, 0, 0, 0));
  EXPECT_EQ(ParseIpAddress("0x"), IpAddress::V4(0, 0, 0, 0));
  EXPECT_EQ(ParseIpAddress("169.254.43518"), IpAddress::V4(169, 254, 169, 254));
  EXPECT_EQ(ParseIpAddress("4294967295"), IpAddress::V4(255, 255, 255, 255));
  EXPECT_EQ(ParseIpAddress("1.2.65535"), IpAddress::V4(1, 2, 255, 255));
}

TEST(IpAddressTest, HostNamesAndMalformedAddressesAreNotAddresses) {
  for (const char* text : {"",
                           ".",
                           "localhost",
                           "example.jp",
                           "1.2.3.4.5",
                           "1..2",
                           ".1.2.3",
                           "1.2.3.4..",
                           "256.0.0.1",
                           "1.256.0.1",
                           "1.2.3.256",
                           "1.2.65536",
                           "4294967296",
                           "99999999999999999999",
                           "08.0.0.1",
                           "0x1g",
                           "1.2.3.-4",
                           "1.2.3.4 ",
                           "127.0.0.1x",
                           "1:2",
                           ":::",
                           "1:::2",
                           "1::2::3",
                           "1:2:3:4:5:6:7:8:9",
                           "1:2:3:4:5:6:7",
                           "12345::",
                           "::g",
                           ":1::",
                           "1::2:",
                           "::1%eth0",
                           "fe80::1%25eth0",
                           "1.2.3.4::",
                           "::1.2.3",
                           "::1.2.3.04",
                           "::256.1.1.1",
                           "1:2:3:4:5:6:7:1.2.3.4",
                           "[::1]"}) {
    EXPECT_FALSE(ParseIpAddress(text)) << text;
  }
  // The largest IPv6 forms are read.
  EXPECT_TRUE(ParseIpAddress("1:2:3:4:5:6:7:8"));
  EXPECT_TRUE(ParseIpAddress("1:2:3:4:5:6:1.2.3.4"));
  EXPECT_TRUE(ParseIpAddress("1::3:4:5:6:7:8"));
  EXPECT_TRUE(ParseIpAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

TEST(IpAddressTest, NamesEveryScope) {
  EXPECT_STREQ(AddressScopeName(AddressScope::kPublic), "public");
  EXPECT_STREQ(AddressScopeName(AddressScope::kLinkLocal), "link-local");
  EXPECT_STREQ(AddressScopeName(AddressScope::kCarrierGradeNat), "carrier-grade NAT");
}

}  // namespace
}  // namespace simkeep
