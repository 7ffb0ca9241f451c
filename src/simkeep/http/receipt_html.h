#ifndef SIMKEEP_HTTP_RECEIPT_HTML_H_
#define SIMKEEP_HTTP_RECEIPT_HTML_H_

#include <string>

#include "simkeep/domain/order.h"

namespace simkeep::http {

// A printable HTML receipt (A4 or an 80 mm receipt printer): for taxable sales a qualified
// invoice (DOMAIN.md §4.3: issuer and T-number, date, items, totals and tax per rate), for
// prepaid top-ups a non-taxable receipt. Every value is HTML-escaped.
std::string RenderReceiptHtml(const domain::Receipt& receipt);

// Escapes &, <, >, " and ' for HTML text and attributes.
std::string HtmlEscape(std::string_view text);

}  // namespace simkeep::http

#endif  // SIMKEEP_HTTP_RECEIPT_HTML_H_
