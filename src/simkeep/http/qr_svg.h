#ifndef SIMKEEP_HTTP_QR_SVG_H_
#define SIMKEEP_HTTP_QR_SVG_H_

#include <string>
#include <string_view>

#include "simkeep/base/result.h"

namespace simkeep::http {

// An SVG image of a QR code (error correction level M, 4-module quiet zone) for `text`, e.g. an
// eSIM activation code "LPA:1$smdp.example.com$MATCHING-ID". kInvalidArgument "qr_too_long"
// when the text does not fit a QR code.
Result<std::string> QrSvg(std::string_view text);

}  // namespace simkeep::http

#endif  // SIMKEEP_HTTP_QR_SVG_H_
