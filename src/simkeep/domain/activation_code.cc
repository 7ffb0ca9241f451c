#include "simkeep/domain/activation_code.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "simkeep/base/error.h"

namespace simkeep::domain {
namespace {

// The fields this parser knows: qualifier, address, matching id, OID, CC flag.
constexpr std::size_t kFieldCountMax = 5;
constexpr std::size_t kDnsLabelLengthMax = 63;

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAsciiAlphanumeric(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && IsSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// True if `text` starts with "LPA:" in any letter case.
bool HasLpaPrefix(std::string_view text) {
  if (text.size() < 4 || text[3] != ':') {
    return false;
  }
  for (std::size_t i = 0; i < 3; ++i) {
    const char upper = text[i] >= 'a' && text[i] <= 'z' ? static_cast<char>(text[i] - 32) : text[i];
    if (upper != "LPA"[i]) {
      return false;
    }
  }
  return true;
}

std::vector<std::string_view> SplitOnDollar(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (std::size_t end = text.find('$'); end != std::string_view::npos;
       end = text.find('$', start)) {
    fields.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  fields.push_back(text.substr(start));
  return fields;
}

// One DNS label: 1..63 letters, digits or '-', not beginning or ending with '-'.
bool ValidDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > kDnsLabelLengthMax || label.front() == '-' ||
      label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!IsAsciiAlphanumeric(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// A fully qualified domain name of at least two labels, without a trailing dot. The top-level
// label may not be all digits (RFC 3696 section 2), which also keeps out IPv4 literals.
bool ValidFqdn(std::string_view address) {
  if (address.size() > kSmdpAddressLengthMax || address.find('.') == std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = address.find('.', start);
    const std::string_view label = address.substr(start, dot - start);
    if (!ValidDnsLabel(label)) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return !std::all_of(label.begin(), label.end(), IsAsciiDigit);
    }
    start = dot + 1;
  }
}

bool ValidMatchingId(std::string_view matching_id) {
  if (matching_id.empty()) {
    return false;
  }
  for (char c : matching_id) {
    if (!IsAsciiAlphanumeric(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// Empty, or arcs of one or more digits separated by single dots.
bool ValidOid(std::string_view oid) {
  bool arc_has_digit = false;
  for (char c : oid) {
    if (IsAsciiDigit(c)) {
      arc_has_digit = true;
    } else if (c == '.' && arc_has_digit) {
      arc_has_digit = false;
    } else {
      return false;
    }
  }
  return oid.empty() || arc_has_digit;
}

Error Invalid(std::string message) {
  return InvalidArgument("activation_code_invalid", std::move(message));
}

// Checks the split fields; returns the message for the first problem, or "" if they are valid.
std::string FieldProblem(const std::vector<std::string_view>& fields) {
  if (fields.size() < 3) {
    return "An activation code needs at least a format, an SM-DP+ address and a matching ID, "
           "separated by '$'.";
  }
  if (fields.size() > kFieldCountMax) {
    return "This activation code has fields after the confirmation-code flag, which are not "
           "supported.";
  }
  if (fields[0] != "1") {
    return "The activation code's format must be 1.";
  }
  if (!ValidFqdn(fields[1])) {
    return "The SM-DP+ address must be a host name such as smdp.example.com, without https://.";
  }
  if (!ValidMatchingId(fields[2])) {
    return "The matching ID must be non-empty and contain only letters, digits and hyphens.";
  }
  if (fields.size() > 3 && !ValidOid(fields[3])) {
    return "The SM-DP+ OID must be empty or digits separated by dots, such as 1.3.6.1.4.1.31746.";
  }
  if (fields.size() > 4 && fields[4] != "" && fields[4] != "1") {
    return "The confirmation-code flag must be 1 or empty.";
  }
  return "";
}

}  // namespace

Result<ActivationCode> ParseActivationCode(std::string_view text) {
  std::string_view body = Trim(text);
  if (HasLpaPrefix(body)) {
    body.remove_prefix(4);
  }
  // The bound applies without the prefix, so that FormatActivationCode(), which always adds
  // "LPA:" but never lengthens the rest, produces text that parses again.
  if (body.size() > kActivationCodeLengthMax) {
    return Invalid("The activation code is longer than " +
                   std::to_string(kActivationCodeLengthMax) + " characters.");
  }
  const std::vector<std::string_view> fields = SplitOnDollar(body);
  std::string problem = FieldProblem(fields);
  if (!problem.empty()) {
    return Invalid(std::move(problem));
  }
  ActivationCode code;
  code.smdp_address = std::string(fields[1]);
  code.matching_id = std::string(fields[2]);
  if (fields.size() > 3) {
    code.smdp_oid = std::string(fields[3]);
  }
  code.confirmation_code_required = fields.size() > 4 && fields[4] == "1";
  return code;
}

std::string FormatActivationCode(const ActivationCode& code) {
  std::string text = "LPA:1$" + code.smdp_address + "$" + code.matching_id;
  if (!code.smdp_oid.empty() || code.confirmation_code_required) {
    text += "$" + code.smdp_oid;
  }
  if (code.confirmation_code_required) {
    text += "$1";
  }
  return text;
}

}  // namespace simkeep::domain
