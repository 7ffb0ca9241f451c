#ifndef SIMKEEP_HTTP_SANDBOX_PAGE_H_
#define SIMKEEP_HTTP_SANDBOX_PAGE_H_

#include <string>
#include <string_view>

#include "simkeep/domain/payment.h"
#include "simkeep/i18n/language.h"

namespace simkeep::http {

// The sandbox provider's customer-side page for a payment waiting for the customer (the URL a
// redirect or QR code points at): what is to be paid, and buttons that play the customer
// (approve or decline in a wallet, complete 3-D Secure, pay at the till). The buttons post
// `decision=approve` or `decision=decline` back to the same URL. Names and instructions come
// from the message catalogs in `language`.
std::string RenderSandboxPayPage(const domain::Payment& payment, i18n::Language language);

// What the page shows after the decision was recorded: the payment's new status.
std::string RenderSandboxDonePage(const domain::Payment& payment, i18n::Language language);

}  // namespace simkeep::http

#endif  // SIMKEEP_HTTP_SANDBOX_PAGE_H_
