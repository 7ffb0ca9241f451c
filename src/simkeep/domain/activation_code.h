#ifndef SIMKEEP_DOMAIN_ACTIVATION_CODE_H_
#define SIMKEEP_DOMAIN_ACTIVATION_CODE_H_

// The eSIM Activation Code of GSMA SGP.22 (section 4.1): the text a customer scans as a QR code
// or types into a phone to download a profile. Parsing and formatting are pure functions; the
// struct is a plain value and is thread-compatible.
//
// Format: "[LPA:]1$<SM-DP+ address>$<Matching ID>[$<SM-DP+ OID>[$<Confirmation Code Required
// Flag>]]". The confirmation code itself is never part of an activation code, only the flag
// saying that one is required.

#include <cstddef>
#include <string>
#include <string_view>

#include "simkeep/base/result.h"

namespace simkeep::domain {

// The longest activation code ParseActivationCode() accepts, counted without the "LPA:" prefix
// and surrounding whitespace. SGP.22 sets no total length; this bound only keeps parsing cheap,
// and real codes are well under 100 characters.
inline constexpr std::size_t kActivationCodeLengthMax = 512;

// The longest SM-DP+ address: the DNS limit of 253 characters for a name.
inline constexpr std::size_t kSmdpAddressLengthMax = 253;

// A parsed activation code. Value type.
struct ActivationCode {
  // The SM-DP+ server's FQDN, as written (DNS names compare case-insensitively), with no scheme
  // and no port: "smdp.example.com".
  std::string smdp_address;
  // The AC token that identifies the profile on that server: "04386-AGYFT-A74Y8-3F815".
  std::string matching_id;
  // The SM-DP+ object identifier in dotted form ("1.3.6.1.4.1.31746"), or "" if absent.
  std::string smdp_oid;
  // True when the phone must ask for a confirmation code delivered on another channel.
  bool confirmation_code_required = false;

  friend bool operator==(const ActivationCode&, const ActivationCode&) = default;
};

// Parses an activation code, with or without the "LPA:" prefix of QR content (the prefix is
// matched case-insensitively; surrounding whitespace is ignored). The fields are:
//   format qualifier  must be "1";
//   SM-DP+ address    an FQDN: at least two dot-separated labels of letters, digits and '-',
//                     each 1..63 characters and not beginning or ending with '-', the last not
//                     all digits (so no IP address), at most kSmdpAddressLengthMax characters;
//   Matching ID       non-empty, letters, digits and '-';
//   SM-DP+ OID        optional; empty, or digits separated by single dots;
//   CC required flag  optional; empty or "1".
// The later SGP.22 fields (CI public key indicator, delete notification for device change) are
// not supported, and a code carrying them is rejected rather than silently shortened.
// Returns the parsed code, or an Error with code kInvalidArgument and reason
// "activation_code_invalid" for any violation, or for a code longer than kActivationCodeLengthMax.
Result<ActivationCode> ParseActivationCode(std::string_view text);

// The QR content for `code`: "LPA:1$<address>$<matching id>", then "$<oid>" when there is an OID
// or the flag is set, then "$1" when a confirmation code is required
// ("LPA:1$smdp.example.com$ABC-123$$1" has no OID but requires a code).
// REQUIRES: `code` is valid, e.g. it came from ParseActivationCode(); then parsing the result
// gives `code` back.
std::string FormatActivationCode(const ActivationCode& code);

}  // namespace simkeep::domain

#endif  // SIMKEEP_DOMAIN_ACTIVATION_CODE_H_
