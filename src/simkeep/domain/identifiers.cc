#include "simkeep/domain/identifiers.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "simkeep/base/assert.h"
#include "simkeep/base/error.h"

namespace simkeep::domain {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int DigitValue(char c) { return c - '0'; }

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!IsDigit(c)) {
      return false;
    }
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// `text` without ASCII whitespace at either end.
std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && IsSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// The digits of `text` with the characters in `separators` removed. The text must begin and end
// with a digit, so a separator always stands between two digits (runs of them are allowed, as
// in "8981 - 1012"). Returns nullopt for any other character or for empty text.
std::optional<std::string> DigitsBetweenSeparators(std::string_view text,
                                                   std::string_view separators) {
  if (text.empty() || !IsDigit(text.front()) || !IsDigit(text.back())) {
    return std::nullopt;
  }
  std::string digits;
  digits.reserve(text.size());
  for (char c : text) {
    if (IsDigit(c)) {
      digits.push_back(c);
    } else if (separators.find(c) == std::string_view::npos) {
      return std::nullopt;
    }
  }
  return digits;
}

// Sum of the Luhn weights of `digits`, walking from the right. When `double_rightmost` is set the
// rightmost digit is doubled (it is then a payload without its check digit).
int LuhnSum(std::string_view digits, bool double_rightmost) {
  int sum = 0;
  bool double_this = double_rightmost;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int value = DigitValue(*it);
    if (double_this) {
      value *= 2;
      if (value > 9) {
        value -= 9;
      }
    }
    sum += value;
    double_this = !double_this;
  }
  return sum;
}

Error IccidInvalid(std::string message) {
  return InvalidArgument("iccid_invalid", std::move(message));
}

// One row of the ICCID issuer table (DOMAIN.md 1.1, ITU E.118 list, Operational Bulletin 1270).
struct IssuerEntry {
  std::string_view iin;
  std::string_view issuer;
};

constexpr std::array<IssuerEntry, 13> kIccidIssuers = {{
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
}};

// A phone number as written, reduced to its digits.
struct WrittenNumber {
  std::string digits;
  bool plus = false;  // It began with '+', so the digits start with a country code.
};

// Strips the formatting people put in phone numbers: surrounding whitespace, one leading '+',
// spaces, hyphens and one level of balanced parentheses. The number must end with a digit.
// Returns nullopt for any other character.
std::optional<WrittenNumber> StripPhoneFormatting(std::string_view text) {
  text = Trim(text);
  WrittenNumber number;
  if (text.starts_with('+')) {
    number.plus = true;
    text.remove_prefix(1);
  }
  if (text.empty() || !IsDigit(text.back())) {
    return std::nullopt;
  }
  bool in_parentheses = false;
  for (char c : text) {
    if (IsDigit(c)) {
      number.digits.push_back(c);
    } else if (c == '(' && !in_parentheses) {
      in_parentheses = true;
    } else if (c == ')' && in_parentheses) {
      in_parentheses = false;
    } else if (c != ' ' && c != '-') {
      return std::nullopt;
    }
  }
  if (in_parentheses) {
    return std::nullopt;
  }
  return number;
}

// The national form (leading 0) of a written Japanese number, or nullopt if it is not one.
std::optional<std::string> NationalNumber(const WrittenNumber& number) {
  const std::string& digits = number.digits;
  if (!number.plus && digits.starts_with('0')) {
    return digits;
  }
  if (!digits.starts_with("81")) {
    return std::nullopt;
  }
  std::string rest = digits.substr(2);
  // No Japanese national significant number begins with 0, so a 0 here is the trunk prefix
  // written out of habit ("+81 (0)90 ..."), not part of the number.
  if (rest.starts_with('0')) {
    return rest;
  }
  return "0" + rest;
}

// The class of a national number (leading 0 included), or nullopt if it is in no accepted range.
std::optional<NumberClass> ClassifyNational(std::string_view national) {
  if (national.size() == 14) {
    if (national.starts_with("0200")) {
      return NumberClass::kM2m0200;
    }
    return std::nullopt;
  }
  if (national.size() != 11) {
    return std::nullopt;
  }
  const std::string_view prefix = national.substr(0, 3);
  const char fourth = national[3];
  if (prefix == "060" || prefix == "070" || prefix == "080" || prefix == "090") {
    return fourth != '0' ? std::optional(NumberClass::kVoiceMobile) : std::nullopt;
  }
  if (prefix == "020") {
    return fourth != '0' && fourth != '4' ? std::optional(NumberClass::kM2m020) : std::nullopt;
  }
  if (prefix == "050") {
    return fourth != '0' ? std::optional(NumberClass::kIp050) : std::nullopt;
  }
  return std::nullopt;
}

// One row of the PLMN table (DOMAIN.md 1.2). Rows with an empty operator are legacy or withdrawn
// 2-digit 441 codes; they are listed so that their MNC length comes out right.
struct PlmnEntry {
  std::string_view mcc;
  std::string_view mnc;
  std::string_view operator_name;
};

constexpr std::array<PlmnEntry, 16> kPlmns = {{
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
}};

struct PlmnMatch {
  std::size_t mnc_length = 0;
  std::string_view operator_name;
};

// The MNC length and operator for an IMSI whose MCC is 440 or 441.
PlmnMatch MatchPlmn(std::string_view digits) {
  const std::string_view mcc = digits.substr(0, 3);
  const std::string_view rest = digits.substr(3);
  PlmnMatch best;
  for (const PlmnEntry& entry : kPlmns) {
    if (entry.mcc == mcc && rest.starts_with(entry.mnc) && entry.mnc.size() > best.mnc_length) {
      best = PlmnMatch{entry.mnc.size(), entry.operator_name};
    }
  }
  if (best.mnc_length != 0) {
    return best;
  }
  // MIC keeps 440 at 2-digit MNCs and gives new 441 assignments 3-digit MNCs from 200 up.
  if (mcc == "441" && rest.substr(0, 3) >= "200") {
    return PlmnMatch{3, ""};
  }
  return PlmnMatch{2, ""};
}

Error ImsiInvalid(std::string message) {
  return InvalidArgument("imsi_invalid", std::move(message));
}

// The remainder of the decimal number `digits` modulo 97, one digit at a time, since 32 digits
// fit in no native integer.
int Mod97(std::string_view digits) {
  int remainder = 0;
  for (char c : digits) {
    remainder = (remainder * 10 + DigitValue(c)) % 97;
  }
  return remainder;
}

// The invoice registration check digit for the 12-digit base: 9 - (sum of Pn * Qn) mod 9, with
// Pn the n-th digit from the right and Qn 1 for odd n, 2 for even n.
char InvoiceCheckDigit(std::string_view base) {
  int sum = 0;
  int n = 1;
  for (auto it = base.rbegin(); it != base.rend(); ++it, ++n) {
    sum += DigitValue(*it) * (n % 2 == 1 ? 1 : 2);
  }
  return static_cast<char>('0' + (9 - sum % 9));
}

Error InvoiceNumberInvalid(std::string message) {
  return InvalidArgument("invoice_number_invalid", std::move(message));
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (digits.size() < 2 || !AllDigits(digits)) {
    return false;
  }
  return LuhnSum(digits, /*double_rightmost=*/false) % 10 == 0;
}

char LuhnCheckDigit(std::string_view payload) {
  SIMKEEP_ASSERT(!payload.empty() && AllDigits(payload));
  const int sum = LuhnSum(payload, /*double_rightmost=*/true);
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string_view IccidIssuer(std::string_view digits) {
  std::string_view best_iin;
  std::string_view best_issuer;
  for (const IssuerEntry& entry : kIccidIssuers) {
    if (digits.starts_with(entry.iin) && entry.iin.size() > best_iin.size()) {
      best_iin = entry.iin;
      best_issuer = entry.issuer;
    }
  }
  return best_issuer;
}

Result<Iccid> ParseIccid(std::string_view text, IccidSource source) {
  std::string_view body = Trim(text);
  bool padded = false;
  if (!body.empty() && (body.back() == 'F' || body.back() == 'f')) {
    body.remove_suffix(1);
    padded = true;
  }
  std::optional<std::string> digits = DigitsBetweenSeparators(body, " -");
  if (!digits) {
    return IccidInvalid(
        "An ICCID may contain only digits, with spaces or hyphens between them and an optional "
        "final F.");
  }
  if (digits->size() < 19 || digits->size() > 20) {
    return IccidInvalid("An ICCID has 19 or 20 digits; this one has " +
                        std::to_string(digits->size()) + ".");
  }
  if (padded && digits->size() != 19) {
    return IccidInvalid("The padding F may only follow a 19-digit ICCID.");
  }
  if (!digits->starts_with("89")) {
    return IccidInvalid("An ICCID starts with 89.");
  }
  const bool luhn_ok = LuhnValid(*digits);
  if (!luhn_ok && source == IccidSource::kHumanInput) {
    return InvalidArgument("iccid_checksum",
                           "The ICCID's check digit does not match; please check it for a typo.");
  }
  std::string issuer(IccidIssuer(*digits));
  return Iccid{std::move(*digits), std::move(issuer), luhn_ok};
}

const char* NumberClassName(NumberClass number_class) {
  switch (number_class) {
    case NumberClass::kVoiceMobile:
      return "voice_mobile";
    case NumberClass::kM2m020:
      return "m2m_020";
    case NumberClass::kM2m0200:
      return "m2m_0200";
    case NumberClass::kIp050:
      return "ip_050";
  }
  SIMKEEP_UNREACHABLE();
}

Result<Msisdn> ParseMsisdn(std::string_view text) {
  std::optional<WrittenNumber> written = StripPhoneFormatting(text);
  std::optional<std::string> national;
  std::optional<NumberClass> number_class;
  if (written) {
    national = NationalNumber(*written);
  }
  if (national) {
    number_class = ClassifyNational(*national);
  }
  if (!number_class) {
    return InvalidArgument("msisdn_invalid",
                           "Not a Japanese mobile (060/070/080/090), M2M (020/0200) or IP (050) "
                           "number. Write it like 090-1234-5678 or +81 90 1234 5678.");
  }
  return Msisdn{"+81" + national->substr(1), *number_class};
}

std::string FormatMsisdnNational(const Msisdn& msisdn) {
  SIMKEEP_ASSERT(msisdn.e164.starts_with("+81"));
  const std::string national = "0" + msisdn.e164.substr(3);
  if (msisdn.number_class == NumberClass::kM2m0200) {
    SIMKEEP_ASSERT(national.size() == 14);
    return national.substr(0, 4) + "-" + national.substr(4, 5) + "-" + national.substr(9);
  }
  SIMKEEP_ASSERT(national.size() == 11);
  return national.substr(0, 3) + "-" + national.substr(3, 4) + "-" + national.substr(7);
}

Result<Imsi> ParseImsi(std::string_view text) {
  std::optional<std::string> digits = DigitsBetweenSeparators(Trim(text), " -");
  if (!digits) {
    return ImsiInvalid("An IMSI may contain only digits, with spaces or hyphens between them.");
  }
  if (digits->size() < 14 || digits->size() > 15) {
    return ImsiInvalid("An IMSI has 14 or 15 digits; this one has " +
                       std::to_string(digits->size()) + ".");
  }
  std::string mcc = digits->substr(0, 3);
  if (mcc != "440" && mcc != "441") {
    return ImsiInvalid("This IMSI's country code (MCC) is " + mcc +
                       "; only Japanese networks (440 and 441) are supported.");
  }
  const PlmnMatch plmn = MatchPlmn(*digits);
  std::string mnc = digits->substr(3, plmn.mnc_length);
  return Imsi{std::move(*digits), std::move(mcc), std::move(mnc), std::string(plmn.operator_name)};
}

Result<std::string> ParseEid(std::string_view text) {
  std::optional<std::string> digits = DigitsBetweenSeparators(Trim(text), " ");
  if (!digits || digits->size() != 32) {
    return InvalidArgument("eid_invalid",
                           "An EID has exactly 32 digits, optionally grouped by spaces.");
  }
  // ISO/IEC 7064 computes check digits 02..98. The number mod 97 is also 1 with 00, 01 or 99
  // in their place (97, 98 and 2 shifted by 97), but no issuer writes those, so they are typos.
  const std::string_view check = std::string_view(*digits).substr(30);
  if (Mod97(*digits) != 1 || check < "02" || check > "98") {
    return InvalidArgument("eid_checksum",
                           "The EID's check digits do not match; please check it for a typo.");
  }
  return std::move(*digits);
}

std::string ComputeEidCheckDigits(std::string_view first30) {
  SIMKEEP_ASSERT(first30.size() == 30 && AllDigits(first30));
  const int check = 98 - Mod97(std::string(first30) + "00");
  return std::string{static_cast<char>('0' + check / 10), static_cast<char>('0' + check % 10)};
}

Result<std::string> ParseInvoiceNumber(std::string_view text, bool strict_checksum) {
  std::string_view body = Trim(text);
  if (body.empty() || (body.front() != 'T' && body.front() != 't')) {
    return InvoiceNumberInvalid("An invoice registration number is T followed by 13 digits.");
  }
  body.remove_prefix(1);
  std::optional<std::string> digits = DigitsBetweenSeparators(body, " -");
  if (!digits || digits->size() != 13) {
    return InvoiceNumberInvalid("An invoice registration number is T followed by 13 digits.");
  }
  if (strict_checksum && InvoiceCheckDigit(std::string_view(*digits).substr(1)) != (*digits)[0]) {
    return InvalidArgument("invoice_number_checksum",
                           "The invoice registration number's check digit (the first digit after "
                           "T) does not match; please check it for a typo.");
  }
  return "T" + *digits;
}

}  // namespace simkeep::domain
