// Feeds arbitrary bytes to every identifier parser in domain/ (ICCID from both sources, MSISDN,
// IMSI, EID, invoice registration number, eSIM activation code, line state) and checks what must
// hold for any input: a rejection carries kInvalidArgument, a documented reason and a message;
// an accepted value is in normal form, re-parses from that form to itself, and agrees with the
// other entry points (human vs upstream ICCID, strict vs lenient invoice number).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "simkeep/base/assert.h"
#include "simkeep/base/error.h"
#include "simkeep/base/result.h"
#include "simkeep/domain/activation_code.h"
#include "simkeep/domain/identifiers.h"
#include "simkeep/domain/line_state.h"

namespace simkeep::domain {
namespace {

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool OneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (std::string_view candidate : allowed) {
    if (value == candidate) {
      return true;
    }
  }
  return false;
}

void CheckRejection(const Error& error, std::initializer_list<std::string_view> reasons) {
  SIMKEEP_ASSERT(error.code == ErrorCode::kInvalidArgument);
  SIMKEEP_ASSERT(OneOf(error.reason, reasons));
  SIMKEEP_ASSERT(!error.message.empty());
}

void CheckIccidValue(const Iccid& iccid) {
  SIMKEEP_ASSERT(iccid.digits.size() == 19 || iccid.digits.size() == 20);
  SIMKEEP_ASSERT(AllDigits(iccid.digits));
  SIMKEEP_ASSERT(iccid.digits.starts_with("89"));
  SIMKEEP_ASSERT(iccid.luhn_ok == LuhnValid(iccid.digits));
  SIMKEEP_ASSERT(iccid.issuer == IccidIssuer(iccid.digits));
  Result<Iccid> again = ParseIccid(iccid.digits, IccidSource::kUpstream);
  SIMKEEP_ASSERT(again && *again == iccid);
  if (iccid.digits.size() == 19) {
    Result<Iccid> padded = ParseIccid(iccid.digits + "F", IccidSource::kUpstream);
    SIMKEEP_ASSERT(padded && *padded == iccid);
  }
}

void CheckIccid(std::string_view text) {
  Result<Iccid> human = ParseIccid(text, IccidSource::kHumanInput);
  Result<Iccid> upstream = ParseIccid(text, IccidSource::kUpstream);
  if (human) {
    SIMKEEP_ASSERT(human->luhn_ok);
    SIMKEEP_ASSERT(upstream && *upstream == *human);
  } else {
    CheckRejection(human.error(), {"iccid_invalid", "iccid_checksum"});
    // Only the checksum separates the two sources.
    const bool checksum_only = human.error().reason == "iccid_checksum";
    SIMKEEP_ASSERT(upstream.has_value() == checksum_only);
    SIMKEEP_ASSERT(!checksum_only || !upstream->luhn_ok);
  }
  if (upstream) {
    CheckIccidValue(*upstream);
  } else {
    CheckRejection(upstream.error(), {"iccid_invalid"});
  }
}

void CheckMsisdn(std::string_view text) {
  Result<Msisdn> msisdn = ParseMsisdn(text);
  if (!msisdn) {
    CheckRejection(msisdn.error(), {"msisdn_invalid"});
    return;
  }
  const std::string& e164 = msisdn->e164;
  SIMKEEP_ASSERT(e164.starts_with("+81") && AllDigits(std::string_view(e164).substr(1)));
  const std::size_t expected_size = msisdn->number_class == NumberClass::kM2m0200 ? 16 : 13;
  SIMKEEP_ASSERT(e164.size() == expected_size);
  SIMKEEP_ASSERT(NumberClassName(msisdn->number_class) != nullptr);
  Result<Msisdn> from_e164 = ParseMsisdn(e164);
  SIMKEEP_ASSERT(from_e164 && *from_e164 == *msisdn);
  Result<Msisdn> from_national = ParseMsisdn(FormatMsisdnNational(*msisdn));
  SIMKEEP_ASSERT(from_national && *from_national == *msisdn);
}

void CheckImsi(std::string_view text) {
  Result<Imsi> imsi = ParseImsi(text);
  if (!imsi) {
    CheckRejection(imsi.error(), {"imsi_invalid"});
    return;
  }
  SIMKEEP_ASSERT(imsi->digits.size() == 14 || imsi->digits.size() == 15);
  SIMKEEP_ASSERT(AllDigits(imsi->digits));
  SIMKEEP_ASSERT(imsi->mcc == "440" || imsi->mcc == "441");
  SIMKEEP_ASSERT(imsi->mnc.size() == 2 || imsi->mnc.size() == 3);
  SIMKEEP_ASSERT(imsi->digits.starts_with(imsi->mcc + imsi->mnc));
  Result<Imsi> again = ParseImsi(imsi->digits);
  SIMKEEP_ASSERT(again && *again == *imsi);
}

void CheckEid(std::string_view text) {
  Result<std::string> eid = ParseEid(text);
  if (!eid) {
    CheckRejection(eid.error(), {"eid_invalid", "eid_checksum"});
    return;
  }
  SIMKEEP_ASSERT(eid->size() == 32 && AllDigits(*eid));
  SIMKEEP_ASSERT(ComputeEidCheckDigits(std::string_view(*eid).substr(0, 30)) == eid->substr(30));
  Result<std::string> again = ParseEid(*eid);
  SIMKEEP_ASSERT(again && *again == *eid);
}

void CheckInvoiceNumber(std::string_view text) {
  Result<std::string> strict = ParseInvoiceNumber(text, /*strict_checksum=*/true);
  Result<std::string> lenient = ParseInvoiceNumber(text, /*strict_checksum=*/false);
  if (strict) {
    SIMKEEP_ASSERT(lenient && *lenient == *strict);
  } else {
    CheckRejection(strict.error(), {"invoice_number_invalid", "invoice_number_checksum"});
    const bool checksum_only = strict.error().reason == "invoice_number_checksum";
    SIMKEEP_ASSERT(lenient.has_value() == checksum_only);
  }
  if (!lenient) {
    CheckRejection(lenient.error(), {"invoice_number_invalid"});
    return;
  }
  SIMKEEP_ASSERT(lenient->size() == 14 && lenient->front() == 'T');
  SIMKEEP_ASSERT(AllDigits(std::string_view(*lenient).substr(1)));
  Result<std::string> again = ParseInvoiceNumber(*lenient, /*strict_checksum=*/false);
  SIMKEEP_ASSERT(again && *again == *lenient);
}

void CheckActivationCode(std::string_view text) {
  Result<ActivationCode> code = ParseActivationCode(text);
  if (!code) {
    CheckRejection(code.error(), {"activation_code_invalid"});
    return;
  }
  SIMKEEP_ASSERT(!code->smdp_address.empty() && !code->matching_id.empty());
  SIMKEEP_ASSERT(code->smdp_address.size() <= kSmdpAddressLengthMax);
  const std::string formatted = FormatActivationCode(*code);
  SIMKEEP_ASSERT(formatted.starts_with("LPA:1$"));
  Result<ActivationCode> again = ParseActivationCode(formatted);
  SIMKEEP_ASSERT(again && *again == *code);
  SIMKEEP_ASSERT(FormatActivationCode(*again) == formatted);
}

void CheckLineState(std::string_view text) {
  const std::optional<LineState> state = ParseLineState(text);
  if (state) {
    SIMKEEP_ASSERT(text == LineStateName(*state));
  }
}

}  // namespace
}  // namespace simkeep::domain

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  simkeep::domain::CheckIccid(text);
  simkeep::domain::CheckMsisdn(text);
  simkeep::domain::CheckImsi(text);
  simkeep::domain::CheckEid(text);
  simkeep::domain::CheckInvoiceNumber(text);
  simkeep::domain::CheckActivationCode(text);
  simkeep::domain::CheckLineState(text);
  return 0;
}
