#include "simkeep/http/sandbox_page.h"

#include <map>

#include "simkeep/base/time.h"
#include "simkeep/http/receipt_html.h"
#include "simkeep/i18n/messages.h"

namespace simkeep::http {
namespace {

std::string Page(const std::string& title, const std::string& body, i18n::Language language) {
  return "<!doctype html><html lang=\"" + std::string(i18n::LanguageTag(language)) +
         "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\"><title>" +
         HtmlEscape(title) +
         "</title><style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;"
         "padding:0 1rem}button{font-size:1.1rem;padding:.6rem 1.2rem;margin:.3rem}"
         ".sandbox{background:#fe8;padding:.3rem .6rem;display:inline-block}</style></head>"
         "<body><p class=\"sandbox\">simkeep sandbox: no real money moves</p>" +
         body + "</body></html>";
}

std::string Yen(int64_t amount) { return "&yen;" + std::to_string(amount); }

// The instructions for a payment made later at a till, an ATM or a bank.
std::string Instructions(const domain::Payment& payment, i18n::Language language) {
  const domain::PaymentAction& action = payment.action;
  std::string key;
  if (action.kind == domain::PaymentActionKind::kKonbini) {
    key = "payment.instructions." + action.store;
  } else if (action.kind == domain::PaymentActionKind::kPayEasy) {
    key = "payment.instructions.pay_easy";
  } else if (action.kind == domain::PaymentActionKind::kBankTransfer) {
    key = "payment.instructions.bank_transfer";
  } else {
    return "";
  }
  const std::map<std::string, std::string> args = {
      {"payment_number", action.payment_number},
      {"confirmation_number", action.confirmation_number},
      {"institution_number", action.institution_number},
      {"deadline", action.expires_at ? FormatJstMinutes(*action.expires_at) : ""}};
  return "<p>" + HtmlEscape(i18n::Translate(language, key, args)) + "</p>";
}

}  // namespace

std::string RenderSandboxPayPage(const domain::Payment& payment, i18n::Language language) {
  const std::string method = i18n::Translate(
      language, std::string("payment.method.") + domain::PaymentMethodName(payment.method));
  std::string body = "<h1>" + HtmlEscape(method) + " " + Yen(payment.amount_jpy) + "</h1>";
  body += "<p>Payment " + HtmlEscape(payment.id.value) + ": " +
          domain::PaymentStatusName(payment.status) + "</p>";
  if (payment.status != domain::PaymentStatus::kRequiresAction) {
    return Page(method, body + "<p>Nothing is waiting for the customer.</p>", language);
  }
  const bool deferred = domain::FlowOf(payment.method) == domain::PaymentFlow::kDeferred;
  body += Instructions(payment, language);
  body += "<form method=\"post\"><button name=\"decision\" value=\"approve\">";
  body += deferred ? "Pay it (as the customer at the till)" : "Approve";
  body += "</button>";
  if (!deferred) {
    body += "<button name=\"decision\" value=\"decline\">Decline</button>";
  }
  body += "</form>";
  return Page(method, body, language);
}

std::string RenderSandboxDonePage(const domain::Payment& payment, i18n::Language language) {
  const std::string method = i18n::Translate(
      language, std::string("payment.method.") + domain::PaymentMethodName(payment.method));
  return Page(method,
              "<h1>" + HtmlEscape(method) + " " + Yen(payment.amount_jpy) + "</h1><p>Payment " +
                  HtmlEscape(payment.id.value) + ": " + domain::PaymentStatusName(payment.status) +
                  "</p><p>You can close this page.</p>",
              language);
}

}  // namespace simkeep::http
