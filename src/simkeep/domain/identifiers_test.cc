#include "simkeep/domain/identifiers.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace simkeep::domain {
namespace {

// `payload` followed by its Luhn check digit.
std::string WithLuhn(std::string_view payload) {
  const char check = LuhnCheckDigit(payload);
  return std::string(payload) + check;
}

// A Luhn-valid ICCID of `length` digits beginning with `prefix`, filled with a fixed pattern.
std::string MakeIccid(std::string prefix, std::size_t length) {
  std::string payload = std::move(prefix);
  while (payload.size() < length - 1) {
    payload.push_back(static_cast<char>('0' + payload.size() % 10));
  }
  return WithLuhn(payload);
}

// `digits` with the digit at `position` replaced by `replacement`.
std::string Replace(std::string digits, std::size_t position, char replacement) {
  digits[position] = replacement;
  return digits;
}

void ExpectError(const Error& error, std::string_view reason) {
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.reason, reason);
  EXPECT_FALSE(error.message.empty());
}

// ----------------------------------------------------------------------------------- Luhn

TEST(LuhnTest, AcceptsTheClassicExample) {
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_EQ(LuhnCheckDigit("7992739871"), '3');
}

TEST(LuhnTest, RejectsEveryWrongCheckDigit) {
  for (char check = '0'; check <= '9'; ++check) {
    EXPECT_EQ(LuhnValid(std::string("7992739871") + check), check == '3') << check;
  }
}

TEST(LuhnTest, CheckDigitMakesAnyPayloadValid) {
  for (const std::string payload : {"0", "9", "18", "8981101234567890123", "898110123456789012"}) {
    EXPECT_TRUE(LuhnValid(WithLuhn(payload))) << payload;
  }
}

TEST(LuhnTest, RejectsNonDigitsAndTooShortInput) {
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("0"));
  EXPECT_FALSE(LuhnValid("7992739871a"));
  EXPECT_FALSE(LuhnValid("79927 398713"));
  EXPECT_TRUE(LuhnValid("00"));
}

// ----------------------------------------------------------------------------------- ICCID

TEST(IccidTest, AcceptsTheSyntheticDocomoSample) {
  Result<Iccid> iccid = ParseIccid("89811012345678901231", IccidSource::kHumanInput);
  ASSERT_TRUE(iccid) << iccid.error().message;
  EXPECT_EQ(iccid->digits, "89811012345678901231");
  EXPECT_EQ(iccid->issuer, "NTT DOCOMO");
  EXPECT_TRUE(iccid->luhn_ok);
}

TEST(IccidTest, ProviderSampleFailingLuhnIsRejectedFromHumansOnly) {
  Result<Iccid> typed = ParseIccid("89852000263413436720", IccidSource::kHumanInput);
  ASSERT_FALSE(typed);
  ExpectError(typed.error(), "iccid_checksum");

  Result<Iccid> upstream = ParseIccid("89852000263413436720", IccidSource::kUpstream);
  ASSERT_TRUE(upstream);
  EXPECT_EQ(upstream->digits, "89852000263413436720");
  EXPECT_FALSE(upstream->luhn_ok);
  EXPECT_EQ(upstream->issuer, "");
}

TEST(IccidTest, AcceptsForeignIccidsWithUnknownIssuer) {
  for (const char* text : {"89852245280000942210", "8944538532008160222"}) {
    for (IccidSource source : {IccidSource::kHumanInput, IccidSource::kUpstream}) {
      Result<Iccid> iccid = ParseIccid(text, source);
      ASSERT_TRUE(iccid) << text;
      EXPECT_EQ(iccid->digits, text);
      EXPECT_TRUE(iccid->luhn_ok);
      EXPECT_EQ(iccid->issuer, "");
    }
  }
}

TEST(IccidTest, AcceptsOnlyNineteenOrTwentyDigits) {
  for (std::size_t length : {std::size_t{17}, std::size_t{18}, std::size_t{19}, std::size_t{20},
                             std::size_t{21}, std::size_t{22}}) {
    const std::string digits = MakeIccid("898110", length);
    for (IccidSource source : {IccidSource::kHumanInput, IccidSource::kUpstream}) {
      Result<Iccid> iccid = ParseIccid(digits, source);
      if (length == 19 || length == 20) {
        ASSERT_TRUE(iccid) << digits;
        EXPECT_EQ(iccid->digits, digits);
      } else {
        ASSERT_FALSE(iccid) << digits;
        ExpectError(iccid.error(), "iccid_invalid");
      }
    }
  }
}

TEST(IccidTest, RequiresTheTelecomPrefix89) {
  for (const char* prefix : {"88", "98", "08", "9", "1"}) {
    const std::string digits = MakeIccid(prefix, 20);
    Result<Iccid> iccid = ParseIccid(digits, IccidSource::kUpstream);
    ASSERT_FALSE(iccid) << digits;
    ExpectError(iccid.error(), "iccid_invalid");
  }
}

TEST(IccidTest, HumanInputCatchesEverySingleDigitTypo) {
  const std::string good = "89811012345678901231";
  for (std::size_t position = 2; position < good.size(); ++position) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == good[position]) {
        continue;
      }
      const std::string typo = Replace(good, position, digit);
      Result<Iccid> typed = ParseIccid(typo, IccidSource::kHumanInput);
      ASSERT_FALSE(typed) << typo;
      ExpectError(typed.error(), "iccid_checksum");
      Result<Iccid> upstream = ParseIccid(typo, IccidSource::kUpstream);
      ASSERT_TRUE(upstream) << typo;
      EXPECT_FALSE(upstream->luhn_ok);
    }
  }
}

TEST(IccidTest, StripsPaddingFAfterNineteenDigits) {
  for (const char* text :
       {"8944538532008160222F", "8944538532008160222f", " 8944 5385 3200 8160 222F\n"}) {
    Result<Iccid> iccid = ParseIccid(text, IccidSource::kHumanInput);
    ASSERT_TRUE(iccid) << text;
    EXPECT_EQ(iccid->digits, "8944538532008160222");
  }
}

TEST(IccidTest, RejectsMisplacedOrExtraPadding) {
  const std::string twenty = "89811012345678901231";
  const std::string eighteen = MakeIccid("898110", 18);
  for (const std::string& text :
       {twenty + "F", eighteen + "F", std::string("F"), std::string("8944538532008160222FF"),
        std::string("8944538532008160222 F"), std::string("8944538532008160222-F"),
        std::string("F8944538532008160222"), std::string("89445385320081F60222")}) {
    Result<Iccid> iccid = ParseIccid(text, IccidSource::kUpstream);
    ASSERT_FALSE(iccid) << text;
    ExpectError(iccid.error(), "iccid_invalid");
  }
}

TEST(IccidTest, StripsSpacesAndHyphensBetweenDigits) {
  for (const char* text : {"8981 1012 3456 7890 1231", "8981-1012-3456-7890-1231",
                           "8981 - 1012  3456--7890 1231", "  89811012345678901231\t\r\n"}) {
    Result<Iccid> iccid = ParseIccid(text, IccidSource::kHumanInput);
    ASSERT_TRUE(iccid) << text;
    EXPECT_EQ(iccid->digits, "89811012345678901231");
  }
}

TEST(IccidTest, RejectsOtherCharactersAndEdgeSeparators) {
  for (const char* text :
       {"", "   ", "-89811012345678901231", "89811012345678901231-", "8981\t1012345678901231",
        "8981.1012.3456.7890.1231", "8981101234567890123l", "89811012345678901231E",
        "+89811012345678901231", "８９８１１０１２３４５６７８９０１２３１",
        "89811012345678901231\xc2\xa0"}) {
    Result<Iccid> iccid = ParseIccid(text, IccidSource::kUpstream);
    ASSERT_FALSE(iccid) << text;
    ExpectError(iccid.error(), "iccid_invalid");
  }
  std::string with_nul = "89811012345678901231";
  with_nul[10] = '\0';
  Result<Iccid> iccid = ParseIccid(with_nul, IccidSource::kUpstream);
  ASSERT_FALSE(iccid);
  ExpectError(iccid.error(), "iccid_invalid");
}

TEST(IccidTest, NamesEveryIssuerInTheTable) {
  struct Row {
    const char* iin;
    const char* issuer;
  };
  const std::vector<Row> rows = {
      {"898110", "NTT DOCOMO"},
      {"898120", "SoftBank Corp."},
      {"898100", "SoftBank Corp."},
      {"898165", "SoftBank Corp."},
      {"898170", "SoftBank Corp."},
      {"898109", "Rakuten Mobile Network"},
      {"898118", "Japan Communications"},
      {"898104", "SAKURA Internet"},
      {"898130", "KDDI"},
      {"898131", "UQ Communications"},
      {"898103", "IIJ"},
      {"898112", "NTT Communications"},
      {"898171", "Wireless City Planning"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(IccidIssuer(row.iin), row.issuer);
    for (std::size_t length : {std::size_t{19}, std::size_t{20}}) {
      Result<Iccid> iccid = ParseIccid(MakeIccid(row.iin, length), IccidSource::kHumanInput);
      ASSERT_TRUE(iccid) << row.iin;
      EXPECT_EQ(iccid->issuer, row.issuer);
    }
  }
}

TEST(IccidTest, UnknownOrPartialIinHasNoIssuer) {
  EXPECT_EQ(IccidIssuer(""), "");
  EXPECT_EQ(IccidIssuer("8981"), "");
  EXPECT_EQ(IccidIssuer("89811"), "");
  EXPECT_EQ(IccidIssuer("8981991234567890123"), "");
  EXPECT_EQ(IccidIssuer("8981191234567890123"), "");
  EXPECT_EQ(IccidIssuer("8944538532008160222"), "");
}

// ----------------------------------------------------------------------------------- MSISDN

TEST(MsisdnTest, AcceptsTheUsualWritingsOfOneNumber) {
  for (const char* text :
       {"090-1234-5678", "09012345678", "81 90 1234 5678", "+819012345678", "819012345678",
        "+81 90-1234-5678", "+81-90-1234-5678", "(090) 1234-5678", "090(1234)5678",
        "+81 (0)90-1234-5678", "+81 090 1234 5678", "8109012345678", "  090 1234 5678 \n",
        "+ 81 90 1234 5678"}) {
    Result<Msisdn> msisdn = ParseMsisdn(text);
    ASSERT_TRUE(msisdn) << text;
    EXPECT_EQ(msisdn->e164, "+819012345678") << text;
    EXPECT_EQ(msisdn->number_class, NumberClass::kVoiceMobile);
  }
}

TEST(MsisdnTest, ClassifiesEveryFourthDigitOfEachElevenDigitPrefix) {
  struct Row {
    const char* prefix;
    NumberClass number_class;
    const char* rejected_fourth_digits;
  };
  const std::vector<Row> rows = {
      {"060", NumberClass::kVoiceMobile, "0"}, {"070", NumberClass::kVoiceMobile, "0"},
      {"080", NumberClass::kVoiceMobile, "0"}, {"090", NumberClass::kVoiceMobile, "0"},
      {"020", NumberClass::kM2m020, "04"},     {"050", NumberClass::kIp050, "0"},
  };
  for (const Row& row : rows) {
    for (char fourth = '0'; fourth <= '9'; ++fourth) {
      const std::string national = std::string(row.prefix) + fourth + "2345678";
      Result<Msisdn> msisdn = ParseMsisdn(national);
      if (std::string_view(row.rejected_fourth_digits).find(fourth) != std::string_view::npos) {
        ASSERT_FALSE(msisdn) << national;
        ExpectError(msisdn.error(), "msisdn_invalid");
      } else {
        ASSERT_TRUE(msisdn) << national;
        EXPECT_EQ(msisdn->number_class, row.number_class) << national;
        EXPECT_EQ(msisdn->e164, "+81" + national.substr(1));
      }
    }
  }
}

TEST(MsisdnTest, AcceptsFourteenDigit0200Numbers) {
  for (const char* text :
       {"02001234567890", "0200-12345-67890", "+81 200 1234 567890", "812001234567890"}) {
    Result<Msisdn> msisdn = ParseMsisdn(text);
    ASSERT_TRUE(msisdn) << text;
    EXPECT_EQ(msisdn->e164, "+812001234567890");
    EXPECT_EQ(msisdn->number_class, NumberClass::kM2m0200);
  }
}

TEST(MsisdnTest, RejectsWrongLengths) {
  for (const char* text : {"0901234567", "090123456789", "0200123456789", "020012345678901",
                           "0201234567", "020123456789", "0501234567", "050123456789", "0601234567",
                           "+8190123456789", "0", "81", "+81", "090"}) {
    Result<Msisdn> msisdn = ParseMsisdn(text);
    ASSERT_FALSE(msisdn) << text;
    ExpectError(msisdn.error(), "msisdn_invalid");
  }
}

TEST(MsisdnTest, RejectsOtherRangesAndCountries) {
  for (const char* text :
       {"0312345678",       // Tokyo landline.
        "0120123456",       // Toll-free.
        "08001234567",      // Toll-free 0800 (11 digits).
        "0570123456",       // Navi Dial.
        "04012345678",      // Not a mobile range.
        "01012345678",      // 010 is the international call prefix.
        "02041234567890",   // 14 digits, but not 0200.
        "09012345678901",   // 14 digits, but not 0200.
        "+1 202 555 0100",  // Another country.
        "+44 7700 900123", "+8219012345678", "+09012345678", "9012345678", "1-90-1234-5678"}) {
    Result<Msisdn> msisdn = ParseMsisdn(text);
    ASSERT_FALSE(msisdn) << text;
    ExpectError(msisdn.error(), "msisdn_invalid");
  }
}

TEST(MsisdnTest, RejectsStrayCharacters) {
  for (const char* text :
       {"", "   ", "+", "090.1234.5678", "090/1234/5678", "090-1234-567O", "090-1234-5678-",
        "090-1234-5678)", "(090 1234 5678", "((090)) 1234 5678", "090 1234 5678 ext 1",
        "81+9012345678", "++819012345678", "０９０１２３４５６７８", "tel:+819012345678",
        "090\t1234\t5678"}) {
    Result<Msisdn> msisdn = ParseMsisdn(text);
    ASSERT_FALSE(msisdn) << text;
    ExpectError(msisdn.error(), "msisdn_invalid");
  }
}

TEST(MsisdnTest, FormatsNationallyWithHyphens) {
  struct Row {
    const char* input;
    const char* national;
    NumberClass number_class;
  };
  const std::vector<Row> rows = {
      {"+819012345678", "090-1234-5678", NumberClass::kVoiceMobile},
      {"06012345678", "060-1234-5678", NumberClass::kVoiceMobile},
      {"07098765432", "070-9876-5432", NumberClass::kVoiceMobile},
      {"08011112222", "080-1111-2222", NumberClass::kVoiceMobile},
      {"02012345678", "020-1234-5678", NumberClass::kM2m020},
      {"05012345678", "050-1234-5678", NumberClass::kIp050},
      {"02001234567890", "0200-12345-67890", NumberClass::kM2m0200},
  };
  for (const Row& row : rows) {
    Result<Msisdn> msisdn = ParseMsisdn(row.input);
    ASSERT_TRUE(msisdn) << row.input;
    EXPECT_EQ(msisdn->number_class, row.number_class);
    EXPECT_EQ(FormatMsisdnNational(*msisdn), row.national);
    // Both written forms parse back to the same number.
    Result<Msisdn> from_national = ParseMsisdn(FormatMsisdnNational(*msisdn));
    ASSERT_TRUE(from_national);
    EXPECT_EQ(*from_national, *msisdn);
    Result<Msisdn> from_e164 = ParseMsisdn(msisdn->e164);
    ASSERT_TRUE(from_e164);
    EXPECT_EQ(*from_e164, *msisdn);
  }
}

TEST(MsisdnTest, NamesEveryNumberClass) {
  EXPECT_STREQ(NumberClassName(NumberClass::kVoiceMobile), "voice_mobile");
  EXPECT_STREQ(NumberClassName(NumberClass::kM2m020), "m2m_020");
  EXPECT_STREQ(NumberClassName(NumberClass::kM2m0200), "m2m_0200");
  EXPECT_STREQ(NumberClassName(NumberClass::kIp050), "ip_050");
}

// ----------------------------------------------------------------------------------- IMSI

TEST(ImsiTest, SplitsEveryPlmnInTheTable) {
  struct Row {
    const char* mcc;
    const char* mnc;
    const char* operator_name;
  };
  const std::vector<Row> rows = {
      {"440", "00", "Y!mobile (SoftBank)"},
      {"440", "01", "KDDI (former UQ WiMAX)"},
      {"440", "03", "IIJ"},
      {"440", "10", "NTT docomo"},
      {"440", "11", "Rakuten Mobile"},
      {"440", "20", "SoftBank"},
      {"440", "21", "SoftBank"},
      {"440", "50", "KDDI (au)"},
      {"440", "51", "KDDI (au)"},
      {"440", "52", "KDDI (au)"},
      {"440", "53", "KDDI (au)"},
      {"441", "00", ""},
      {"441", "01", "SoftBank"},
      {"441", "10", ""},
      {"441", "91", ""},
      {"441", "200", "SORACOM"},
  };
  for (const Row& row : rows) {
    std::string digits = std::string(row.mcc) + row.mnc;
    digits.append(15 - digits.size(), '9');
    Result<Imsi> imsi = ParseImsi(digits);
    ASSERT_TRUE(imsi) << digits;
    EXPECT_EQ(imsi->digits, digits);
    EXPECT_EQ(imsi->mcc, row.mcc);
    EXPECT_EQ(imsi->mnc, row.mnc) << digits;
    EXPECT_EQ(imsi->operator_name, row.operator_name) << digits;
  }
}

TEST(ImsiTest, Mcc440AlwaysHasTwoDigitMncs) {
  for (const char* digits :
       {"440991234567890", "440541234567890", "440701234567890", "440201234567890"}) {
    Result<Imsi> imsi = ParseImsi(digits);
    ASSERT_TRUE(imsi) << digits;
    EXPECT_EQ(imsi->mnc, std::string_view(digits).substr(3, 2));
  }
  EXPECT_EQ(ParseImsi("440991234567890")->operator_name, "");
}

TEST(ImsiTest, UnknownMcc441CodesFollowTheThreeDigitRuleFrom200) {
  struct Row {
    const char* digits;
    const char* mnc;
  };
  const std::vector<Row> rows = {
      {"441199123456789", "19"},   // Below 200: a 2-digit code.
      {"441020123456789", "02"},   // Below 200: a 2-digit code.
      {"441201123456789", "201"},  // 200 and up: a 3-digit code.
      {"441203123456789", "203"},  // The local-5G and municipal range 203..212.
      {"441212123456789", "212"}, {"441999123456789", "999"},
      {"441910123456789", "91"},  // Legacy 441-91 wins over the 3-digit rule.
      {"441100123456789", "10"},  // Legacy 441-10.
  };
  for (const Row& row : rows) {
    Result<Imsi> imsi = ParseImsi(row.digits);
    ASSERT_TRUE(imsi) << row.digits;
    EXPECT_EQ(imsi->mnc, row.mnc) << row.digits;
  }
  EXPECT_EQ(ParseImsi("441201123456789")->operator_name, "");
  EXPECT_EQ(ParseImsi("441200123456789")->operator_name, "SORACOM");
}

TEST(ImsiTest, AcceptsFourteenOrFifteenDigits) {
  for (std::size_t length = 12; length <= 17; ++length) {
    std::string digits = "44010";
    digits.append(length - digits.size(), '1');
    Result<Imsi> imsi = ParseImsi(digits);
    if (length == 14 || length == 15) {
      ASSERT_TRUE(imsi) << digits;
      EXPECT_EQ(imsi->digits, digits);
    } else {
      ASSERT_FALSE(imsi) << digits;
      ExpectError(imsi.error(), "imsi_invalid");
    }
  }
}

TEST(ImsiTest, AcceptsOnlyJapaneseNetworks) {
  for (const char* digits : {"310260123456789", "442101234567890", "439101234567890",
                             "001011234567890", "234150123456789"}) {
    Result<Imsi> imsi = ParseImsi(digits);
    ASSERT_FALSE(imsi) << digits;
    ExpectError(imsi.error(), "imsi_invalid");
  }
}

TEST(ImsiTest, StripsSeparatorsAndRejectsOtherCharacters) {
  Result<Imsi> imsi = ParseImsi(" 440-10-1234567890 ");
  ASSERT_TRUE(imsi);
  EXPECT_EQ(imsi->digits, "440101234567890");
  EXPECT_EQ(imsi->operator_name, "NTT docomo");
  for (const char* text : {"", "440101234567890-", "-440101234567890", "44010123456789O",
                           "440.10.1234567890", "４４０１０１２３４５６７８９０"}) {
    Result<Imsi> bad = ParseImsi(text);
    ASSERT_FALSE(bad) << text;
    ExpectError(bad.error(), "imsi_invalid");
  }
}

// ----------------------------------------------------------------------------------- EID

constexpr std::string_view kEidSample = "89049032123451234512345678901235";

TEST(EidTest, AcceptsTheTestVector) {
  Result<std::string> eid = ParseEid(kEidSample);
  ASSERT_TRUE(eid);
  EXPECT_EQ(*eid, kEidSample);
  Result<std::string> grouped = ParseEid(" 8904 9032 1234 5123 4512 3456 7890 1235 ");
  ASSERT_TRUE(grouped);
  EXPECT_EQ(*grouped, kEidSample);
}

TEST(EidTest, ComputesTheTestVectorsCheckDigits) {
  EXPECT_EQ(ComputeEidCheckDigits(kEidSample.substr(0, 30)), "35");
}

TEST(EidTest, ComputedCheckDigitsAreValidAndZeroPadded) {
  bool saw_leading_zero = false;
  // 100 is invertible mod 97, so 97 consecutive bodies cover every possible remainder.
  for (int body = 0; body < 200; ++body) {
    std::string first30 = std::to_string(body);
    first30.insert(0, 30 - first30.size(), '0');
    const std::string check = ComputeEidCheckDigits(first30);
    ASSERT_EQ(check.size(), 2u);
    EXPECT_GE(check, "02");
    EXPECT_LE(check, "98");
    saw_leading_zero = saw_leading_zero || check[0] == '0';
    EXPECT_TRUE(ParseEid(first30 + check)) << first30 + check;
  }
  EXPECT_TRUE(saw_leading_zero);
}

TEST(EidTest, DetectsEverySingleDigitChange) {
  const std::string good(kEidSample);
  for (std::size_t position = 0; position < good.size(); ++position) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == good[position]) {
        continue;
      }
      Result<std::string> eid = ParseEid(Replace(good, position, digit));
      ASSERT_FALSE(eid);
      ExpectError(eid.error(), "eid_checksum");
    }
  }
}

TEST(EidTest, RejectsCheckDigitsThatAreNeverComputed) {
  // Each number leaves remainder 1, but its computed check digits are the congruent 97, 98, 02.
  struct Row {
    const char* eid;
    const char* computed;
  };
  const std::vector<Row> rows = {
      {"89049032123008512654576649324900", "97"},
      {"89049032123451234512345678908801", "98"},
      {"89049032123451234512345678902399", "02"},
  };
  for (const Row& row : rows) {
    const std::string_view text(row.eid);
    Result<std::string> eid = ParseEid(text);
    ASSERT_FALSE(eid) << text;
    ExpectError(eid.error(), "eid_checksum");
    ASSERT_EQ(ComputeEidCheckDigits(text.substr(0, 30)), row.computed);
    EXPECT_TRUE(ParseEid(std::string(text.substr(0, 30)) + row.computed));
  }
}

TEST(EidTest, RequiresExactlyThirtyTwoDigits) {
  const std::string good(kEidSample);
  for (const std::string& text :
       {good.substr(0, 31), good + "0", std::string(""), std::string("    ")}) {
    Result<std::string> eid = ParseEid(text);
    ASSERT_FALSE(eid) << text;
    ExpectError(eid.error(), "eid_invalid");
  }
}

TEST(EidTest, RejectsCharactersOtherThanDigitsAndSpaces) {
  for (const char* text :
       {"8904-9032-1234-5123-4512-3456-7890-1235", "8904903212345123451234567890123A",
        "89049032123451234512345678901235F", "８9049032123451234512345678901235"}) {
    Result<std::string> eid = ParseEid(text);
    ASSERT_FALSE(eid) << text;
    ExpectError(eid.error(), "eid_invalid");
  }
}

// ----------------------------------------------------------------------------------- Invoice

TEST(InvoiceNumberTest, AcceptsPublishedCorporateNumbers) {
  for (const char* text : {"T7010705000725", "T7000012050002", "T1180301018771"}) {
    Result<std::string> number = ParseInvoiceNumber(text, /*strict_checksum=*/true);
    ASSERT_TRUE(number) << text;
    EXPECT_EQ(*number, text);
  }
}

TEST(InvoiceNumberTest, NormalisesCaseAndSeparators) {
  for (const char* text :
       {"t7010705000725", " T7010705000725\n", "T7-0107-0500-0725", "T7 0107 0500 0725"}) {
    Result<std::string> number = ParseInvoiceNumber(text, /*strict_checksum=*/true);
    ASSERT_TRUE(number) << text;
    EXPECT_EQ(*number, "T7010705000725");
  }
}

TEST(InvoiceNumberTest, StrictModeRejectsEveryOtherCheckDigit) {
  for (char check = '0'; check <= '9'; ++check) {
    const std::string text = std::string("T") + check + "010705000725";
    Result<std::string> strict = ParseInvoiceNumber(text, /*strict_checksum=*/true);
    Result<std::string> lenient = ParseInvoiceNumber(text, /*strict_checksum=*/false);
    ASSERT_TRUE(lenient) << text;
    EXPECT_EQ(*lenient, text);
    if (check == '7') {
      EXPECT_TRUE(strict);
    } else {
      ASSERT_FALSE(strict) << text;
      ExpectError(strict.error(), "invoice_number_checksum");
    }
  }
}

TEST(InvoiceNumberTest, RejectsMalformedNumbers) {
  for (const char* text :
       {"", "T", "7010705000725", "T701070500072", "T70107050007250", "TT7010705000725",
        "T-7010705000725", "T 7010705000725", "T7010705000725-", "T701070500072X", "X7010705000725",
        "Ｔ7010705000725", "T７０１０７０５０００７２５"}) {
    for (bool strict : {true, false}) {
      Result<std::string> number = ParseInvoiceNumber(text, strict);
      ASSERT_FALSE(number) << text;
      ExpectError(number.error(), "invoice_number_invalid");
    }
  }
}

}  // namespace
}  // namespace simkeep::domain
