#ifndef SIMKEEP_DOMAIN_IDENTIFIERS_H_
#define SIMKEEP_DOMAIN_IDENTIFIERS_H_

// Parsers and validators for the identifiers a line carries: ICCID (SIM serial), MSISDN (phone
// number), IMSI (subscriber identity), EID (eUICC id), and the invoice registration number that
// appears on receipts. Every parser accepts what a person or an upstream system typically writes,
// returns the normalised form, and rejects anything else with a stable `reason` and
// ErrorCode::kInvalidArgument. All functions are pure and thread-safe; results are plain values.
//
// Identifiers are always strings: a 20-digit ICCID or a 32-digit EID does not fit in any native
// integer, and leading zeros matter.

#include <string>
#include <string_view>

#include "simkeep/base/result.h"

namespace simkeep::domain {

// ---------------------------------------------------------------------------------------------
// Luhn (ISO/IEC 7812-1 mod 10), used for ICCID check digits.

// True if `digits` is at least two ASCII digits and its last digit is the Luhn check digit of
// the digits before it. Any other character makes it false.
bool LuhnValid(std::string_view digits);

// The Luhn check digit ('0'..'9') that, appended to `payload`, makes it LuhnValid.
// REQUIRES: `payload` is non-empty and all ASCII digits.
char LuhnCheckDigit(std::string_view payload);

// ---------------------------------------------------------------------------------------------
// ICCID, ITU-T E.118.

// Where an ICCID came from. It decides how a Luhn failure is treated: a person's typo must be
// caught, but some SIM factories and providers issue ICCIDs whose last digit is not a Luhn check
// digit, and those must still be accepted from upstream.
enum class IccidSource {
  kHumanInput,  // Typed or scanned by a person: the Luhn check is enforced.
  kUpstream,    // From a provider API or a SIM batch file: a Luhn failure is only flagged.
};

// A normalised ICCID. Value type.
struct Iccid {
  std::string digits;    // 19 or 20 ASCII digits starting with "89"; no separators, no F padding.
  std::string issuer;    // From IccidIssuer(): e.g. "NTT DOCOMO"; "" if the issuer is not known.
  bool luhn_ok = false;  // Whether the last digit is the Luhn check digit of the others.

  friend bool operator==(const Iccid&, const Iccid&) = default;
};

// Parses an ICCID. Accepted input: 19 or 20 digits beginning with "89" (the telecom major
// industry identifier), optionally grouped by spaces or hyphens between digits (runs allowed),
// surrounded by optional whitespace, and, for a 19-digit ICCID only, followed directly by one
// 'F' or 'f', the padding nibble of the 10-byte BCD form on the card. Any country code after
// "89" is accepted, because roaming and foreign eSIM profiles are real; such ICCIDs get issuer "".
// Returns the normalised ICCID, or an Error with code kInvalidArgument and reason:
//   "iccid_invalid"   a character other than digits and separators, a separator at either end,
//                     padding after other than 19 digits, fewer than 19 or more than 20 digits,
//                     or a first two digits other than "89";
//   "iccid_checksum"  for kHumanInput only: the Luhn check digit does not match.
// For kUpstream a Luhn failure is accepted and reported as luhn_ok == false.
Result<Iccid> ParseIccid(std::string_view text, IccidSource source);

// The issuer of an ICCID, by the longest matching issuer identification number (IIN) prefix in
// the table of Japanese issuers (898110 NTT DOCOMO, 898130 KDDI, 898120 SoftBank Corp., ...).
// Returns "" when no prefix matches. The returned view refers to static storage.
std::string_view IccidIssuer(std::string_view digits);

// ---------------------------------------------------------------------------------------------
// MSISDN: Japanese phone numbers a line can carry.

enum class NumberClass {
  kVoiceMobile,  // 060 (060-1..9), 070, 080, 090: 11 national digits.
  kM2m020,       // 020-1..3 and 020-5..9: 11 national digits. 0200 and 0204 are not in it.
  kM2m0200,      // 0200: 14 national digits (the E.164 maximum of 15 with country code 81).
  kIp050,        // 050 IP telephony: 11 national digits.
};

// "voice_mobile", "m2m_020", "m2m_0200" or "ip_050": the API's name for a number class.
const char* NumberClassName(NumberClass number_class);

// A normalised Japanese MSISDN. Value type.
struct Msisdn {
  std::string e164;  // "+819012345678": "+81" and the national number without its leading 0.
  NumberClass number_class = NumberClass::kVoiceMobile;

  friend bool operator==(const Msisdn&, const Msisdn&) = default;
};

// Parses a Japanese MSISDN written nationally ("090-1234-5678", "09012345678") or
// internationally ("+81 90 1234 5678", "81 90 1234 5678", "+81 (0)90-1234-5678"). Spaces,
// hyphens and one level of balanced parentheses are ignored; a '+' may only come first and must
// be followed by 81. After +81 a national trunk 0 is tolerated, since no Japanese national
// significant number begins with 0. Accepted ranges (national form):
//   voice mobile  060, 070, 080, 090 + 8 digits, where the fourth digit is 1..9 (0600 is not
//                 assigned and 0800 is toll-free);
//   M2M 020       020 + 8 digits, fourth digit 1..3 or 5..9;
//   M2M 0200      0200 + 10 digits;
//   IP 050        050 + 8 digits, fourth digit 1..9.
// Returns the E.164 form and class, or an Error with code kInvalidArgument and reason
// "msisdn_invalid" for anything else (other characters, other prefixes, wrong length, a
// non-Japanese country code).
Result<Msisdn> ParseMsisdn(std::string_view text);

// The national form with hyphens: 11-digit numbers as 3-4-4 ("090-1234-5678",
// "020-1234-5678", "050-1234-5678"). 0200 numbers have no grouping in common use; they are shown
// as 4-5-5 ("0200-12345-67890") so that the prefix stands apart and the rest reads as two equal
// halves. REQUIRES: `msisdn` came from ParseMsisdn().
std::string FormatMsisdnNational(const Msisdn& msisdn);

// ---------------------------------------------------------------------------------------------
// IMSI / PLMN, ITU-T E.212, Japanese networks only.

// A normalised IMSI split into its PLMN parts. Value type.
struct Imsi {
  std::string digits;         // 14 or 15 ASCII digits.
  std::string mcc;            // "440" or "441".
  std::string mnc;            // 2 or 3 digits, e.g. "10" or "200".
  std::string operator_name;  // E.g. "NTT docomo", "SORACOM"; "" if the PLMN is not in the table.

  friend bool operator==(const Imsi&, const Imsi&) = default;
};

// Parses an IMSI of 14 or 15 digits (spaces or hyphens between digits ignored) whose MCC is
// 440 or 441. The MNC length follows the numbering rules: under 440 it is always 2 digits; under
// 441 it is the longest match in the PLMN table (legacy 441-00, -01, -10, -91 are 2 digits;
// 441-200 and later assignments are 3), and an unknown 441 code is 3 digits when its first three
// digits are 200 or more, else 2. The table holds the main Japanese PLMNs (440-10 NTT docomo,
// 440-50..53 KDDI, 440-20/21 and 441-01 SoftBank, 440-00 Y!mobile, 440-11 Rakuten Mobile,
// 440-01 KDDI (former UQ WiMAX), 440-03 IIJ, 441-200 SORACOM); other codes get operator "".
// Returns the IMSI, or an Error with code kInvalidArgument and reason "imsi_invalid" for other
// characters, a length other than 14 or 15 digits, or an MCC other than 440 and 441.
Result<Imsi> ParseImsi(std::string_view text);

// ---------------------------------------------------------------------------------------------
// EID (eUICC identifier), GSMA SGP.29: 32 digits with ISO/IEC 7064 MOD 97-10 check digits.

// Parses an EID: exactly 32 decimal digits, optionally grouped by spaces between digits.
// Both legacy "89..." EIDs and SGP.29 EIDs with other prefixes are accepted.
// Returns the 32 digits, or an Error with code kInvalidArgument and reason:
//   "eid_invalid"   other characters, or not exactly 32 digits;
//   "eid_checksum"  the number mod 97 is not 1, or the check digits are 00, 01 or 99: those
//                   also leave remainder 1 but are never computed (see below), so they are
//                   rejected as typos.
Result<std::string> ParseEid(std::string_view text);

// The two check digits ("02".."98") that complete the 30-digit EID body `first30`: 98 minus the
// remainder of (first30 followed by "00") mod 97, zero-padded.
// REQUIRES: `first30` is exactly 30 ASCII digits.
std::string ComputeEidCheckDigits(std::string_view first30);

// ---------------------------------------------------------------------------------------------
// Invoice registration number (適格請求書発行事業者登録番号): "T" + 13 digits.

// Parses an invoice registration number: 'T' (or 't') followed by 13 digits, which may be grouped
// by spaces or hyphens between digits. The first of the 13 digits is a check digit over the other
// 12: 9 - (sum of Pn * Qn) mod 9, where Pn is the n-th digit counted from the right and Qn is 1
// for odd n and 2 for even n. That scheme holds for corporate numbers (法人番号); a sole
// proprietor's number is assigned separately, so callers pass strict_checksum = false where such
// numbers are expected and the checksum is then not enforced.
// Returns the normalised "T" + 13 digits, or an Error with code kInvalidArgument and reason:
//   "invoice_number_invalid"   no leading T, other characters, or not exactly 13 digits;
//   "invoice_number_checksum"  strict_checksum is set and the check digit does not match.
Result<std::string> ParseInvoiceNumber(std::string_view text, bool strict_checksum);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_IDENTIFIERS_H_
