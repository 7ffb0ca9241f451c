#include "simkeep/domain/activation_code.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace simkeep::domain {
namespace {

constexpr std::string_view kAddress = "SMDP.EXAMPLE.COM";
constexpr std::string_view kMatchingId = "04386-AGYFT-A74Y8-3F815";
constexpr std::string_view kOid = "1.3.6.1.4.1.31746";

void ExpectInvalid(std::string_view text) {
  Result<ActivationCode> code = ParseActivationCode(text);
  ASSERT_FALSE(code) << text;
  EXPECT_EQ(code.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(code.error().reason, "activation_code_invalid");
  EXPECT_FALSE(code.error().message.empty());
}

// An activation code whose only variable part is the SM-DP+ address.
std::string WithAddress(std::string_view address) {
  return "LPA:1$" + std::string(address) + "$ABC-123";
}

TEST(ActivationCodeTest, ParsesTheSgp22Examples) {
  struct Row {
    std::string text;
    std::string oid;
    bool confirmation_code_required;
  };
  const std::string base = "LPA:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815";
  const std::vector<Row> rows = {
      {base, "", false},
      {base + "$1.3.6.1.4.1.31746$1", std::string(kOid), true},
      {base + "$$1", "", true},
      {base + "$1.3.6.1.4.1.31746", std::string(kOid), false},
      {base + "$1.3.6.1.4.1.31746$", std::string(kOid), false},
      {base + "$$", "", false},
      {base + "$", "", false},
  };
  for (const Row& row : rows) {
    Result<ActivationCode> code = ParseActivationCode(row.text);
    ASSERT_TRUE(code) << row.text << ": " << code.error().message;
    EXPECT_EQ(code->smdp_address, kAddress);
    EXPECT_EQ(code->matching_id, kMatchingId);
    EXPECT_EQ(code->smdp_oid, row.oid) << row.text;
    EXPECT_EQ(code->confirmation_code_required, row.confirmation_code_required) << row.text;
  }
}

TEST(ActivationCodeTest, PrefixIsOptionalAndCaseInsensitive) {
  for (const char* text : {"1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815",
                           "lpa:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815",
                           "Lpa:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815",
                           "  LPA:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815\r\n"}) {
    Result<ActivationCode> code = ParseActivationCode(text);
    ASSERT_TRUE(code) << text;
    EXPECT_EQ(code->smdp_address, kAddress);
    EXPECT_EQ(code->matching_id, kMatchingId);
  }
}

TEST(ActivationCodeTest, FormatsQrContent) {
  ActivationCode code{std::string(kAddress), std::string(kMatchingId), "", false};
  EXPECT_EQ(FormatActivationCode(code), "LPA:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815");
  code.smdp_oid = std::string(kOid);
  EXPECT_EQ(FormatActivationCode(code),
            "LPA:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746");
  code.confirmation_code_required = true;
  EXPECT_EQ(FormatActivationCode(code),
            "LPA:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1");
  code.smdp_oid.clear();
  EXPECT_EQ(FormatActivationCode(code), "LPA:1$SMDP.EXAMPLE.COM$04386-AGYFT-A74Y8-3F815$$1");
}

TEST(ActivationCodeTest, FormattingThenParsingRoundTrips) {
  for (const char* oid : {"", "1.3.6.1.4.1.31746", "0"}) {
    for (bool required : {false, true}) {
      const ActivationCode code{"smdp.example.com", "ABC-123", oid, required};
      Result<ActivationCode> parsed = ParseActivationCode(FormatActivationCode(code));
      ASSERT_TRUE(parsed) << FormatActivationCode(code);
      EXPECT_EQ(*parsed, code);
    }
  }
}

TEST(ActivationCodeTest, RejectsOtherFormatQualifiers) {
  for (const char* text : {"LPA:2$smdp.example.com$ABC", "LPA:$smdp.example.com$ABC",
                           "LPA:01$smdp.example.com$ABC", "LPA:1 $smdp.example.com$ABC",
                           "LPA:LPA:1$smdp.example.com$ABC", "LPA1$smdp.example.com$ABC"}) {
    ExpectInvalid(text);
  }
}

TEST(ActivationCodeTest, RequiresAddressAndMatchingId) {
  for (const char* text : {"", "LPA:", "LPA:1", "LPA:1$smdp.example.com", "LPA:1$smdp.example.com$",
                           "LPA:1$$ABC", "LPA:1$$", "LPA:1$smdp.example.com$$1"}) {
    ExpectInvalid(text);
  }
}

TEST(ActivationCodeTest, RejectsMatchingIdsWithOtherCharacters) {
  for (const char* matching_id : {"ABC 123", "ABC_123", "ABC.123", "ABC/123", "ABC:123", "ＡBC"}) {
    ExpectInvalid(std::string("LPA:1$smdp.example.com$") + matching_id);
  }
}

TEST(ActivationCodeTest, AcceptsHostNamesOnly) {
  for (const char* address : {"smdp.example.com", "SMDP-1.Example.co.jp", "a.b", "1.2.3.example",
                              "xn--eckwd4c7c.example", "smdp.x1"}) {
    EXPECT_TRUE(ParseActivationCode(WithAddress(address))) << address;
  }
  for (const char* address :
       {"https://smdp.example.com", "smdp.example.com:443", "smdp.example.com/path", "localhost",
        "smdp..example.com", ".smdp.example.com", "smdp.example.com.", "-smdp.example.com",
        "smdp-.example.com", "smdp.example.com-", "smdp_1.example.com", "smdp example.com",
        "smdp.exämple.com", "[::1]", "192.0.2.1", "smdp.example.123", "0.0"}) {
    ExpectInvalid(WithAddress(address));
  }
}

TEST(ActivationCodeTest, EnforcesDnsLengthLimits) {
  const std::string label63(63, 'a');
  EXPECT_TRUE(ParseActivationCode(WithAddress(label63 + ".example")));
  ExpectInvalid(WithAddress(label63 + "a.example"));

  // Three 63-character labels, one of 61 and three dots: the 253-character maximum.
  const std::string address = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'd');
  ASSERT_EQ(address.size(), kSmdpAddressLengthMax);
  EXPECT_TRUE(ParseActivationCode(WithAddress(address)));
  ExpectInvalid(WithAddress(address + "e"));
}

TEST(ActivationCodeTest, EnforcesTheLengthLimitWithoutThePrefix) {
  const std::string head = "1$smdp.example.com$";
  const std::string at_limit = head + std::string(kActivationCodeLengthMax - head.size(), 'A');
  ASSERT_EQ(at_limit.size(), kActivationCodeLengthMax);
  Result<ActivationCode> code = ParseActivationCode(at_limit);
  ASSERT_TRUE(code);
  // The prefix is not counted, so formatting a code at the limit gives text that parses again.
  const std::string formatted = FormatActivationCode(*code);
  EXPECT_EQ(formatted, "LPA:" + at_limit);
  Result<ActivationCode> again = ParseActivationCode("  " + formatted + "\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *code);
  ExpectInvalid(at_limit + "A");
  ExpectInvalid("LPA:" + at_limit + "A");
}

TEST(ActivationCodeTest, RejectsMalformedOids) {
  for (const char* oid :
       {"1..3", ".1.3", "1.3.", ".", "1.a", "oid", "1,3", " 1.3", "1 .3", "-1.3"}) {
    ExpectInvalid(std::string("LPA:1$smdp.example.com$ABC$") + oid);
  }
}

TEST(ActivationCodeTest, AcceptsOnlyOneOrNothingAsConfirmationFlag) {
  for (const char* flag : {"0", "2", "11", "true", "Y", " 1"}) {
    ExpectInvalid(std::string("LPA:1$smdp.example.com$ABC$$") + flag);
  }
}

TEST(ActivationCodeTest, RejectsUnsupportedTrailingFields) {
  ExpectInvalid("LPA:1$smdp.example.com$ABC$1.2.3$1$1");
  ExpectInvalid("LPA:1$smdp.example.com$ABC$$$$");
  ExpectInvalid("LPA:1$smdp.example.com$ABC$$1$$");
}

}  // namespace
}  // namespace simkeep::domain
