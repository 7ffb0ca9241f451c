#include "simkeep/http/receipt_html.h"

#include "simkeep/base/time.h"

namespace simkeep::http {
namespace {

std::string Yen(int64_t amount) {
  std::string digits = std::to_string(amount < 0 ? -amount : amount);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      grouped.push_back(',');
    }
    grouped.push_back(digits[i]);
  }
  return std::string(amount < 0 ? "-" : "") + "¥" + grouped;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderReceiptHtml(const domain::Receipt& receipt) {
  const bool invoice = receipt.kind == domain::ReceiptKind::kQualifiedInvoice;
  std::string html =
      "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<title>Receipt " +
      HtmlEscape(receipt.number) +
      "</title><style>"
      "body{font-family:sans-serif;max-width:80mm;margin:0 auto;padding:4mm;font-size:12px}"
      "h1{font-size:16px;text-align:center}table{width:100%;border-collapse:collapse}"
      "td{padding:2px 0}td.n{text-align:right}.t{border-top:1px solid #000}"
      "@media print{body{padding:0}}</style></head><body>";
  html += std::string("<h1>") + (invoice ? "領収書 (適格請求書) / Receipt" : "領収書 / Receipt") +
          "</h1>";
  html += "<p>" + HtmlEscape(receipt.issuer_name);
  if (invoice) {
    html += "<br>登録番号 " + HtmlEscape(receipt.invoice_registration_number);
  }
  html += "</p><p>No. " + HtmlEscape(receipt.number) + "<br>" +
          HtmlEscape(FormatJstMinutes(receipt.issued_at)) + "<br>Order " +
          HtmlEscape(receipt.order_id.value) + "</p><table>";
  for (const domain::ReceiptLine& line : receipt.lines) {
    html += "<tr><td>" + HtmlEscape(line.description);
    if (line.quantity != 1) {
      html += " × " + std::to_string(line.quantity);
    }
    html += line.taxable ? "" : " (非課税 / non-taxable)";
    html += "</td><td class=\"n\">" + Yen(line.unit_price_jpy * line.quantity) + "</td></tr>";
  }
  for (const domain::RateTotal& rate : receipt.totals.by_rate) {
    const std::string percent = std::to_string(rate.tax_rate_percent) + "%";
    html += "<tr class=\"t\"><td>" + percent + "対象 / subject to " + percent +
            "</td><td class=\"n\">" + Yen(rate.total_including_tax_jpy) + "</td></tr>";
    html += "<tr><td>内消費税 / of which tax (" + percent + ")</td><td class=\"n\">" +
            Yen(rate.tax_jpy) + "</td></tr>";
  }
  if (receipt.totals.non_taxable_jpy > 0) {
    html += "<tr class=\"t\"><td>非課税 / non-taxable</td><td class=\"n\">" +
            Yen(receipt.totals.non_taxable_jpy) + "</td></tr>";
  }
  html += "<tr class=\"t\"><td><b>合計 / Total</b></td><td class=\"n\"><b>" +
          Yen(receipt.totals.total_jpy) + "</b></td></tr></table>";
  html += "<p>" + HtmlEscape(receipt.payment_method) + " · " + HtmlEscape(receipt.channel) +
          "</p></body></html>";
  return html;
}

}  // namespace simkeep::http
