#ifndef SIMKEEP_NOTIFY_MESSAGE_RENDERER_H_
#define SIMKEEP_NOTIFY_MESSAGE_RENDERER_H_

#include <string>
#include <string_view>

#include "simkeep/app/outbox.h"

namespace simkeep::notify {

// The notification texts: the templates "notification.<topic>.subject" and ".body" of the
// message catalogs (i18n/<tag>.json, in zh-Hans, zh-Hant, ja and en) filled in with the event's
// arguments, formatted for the reader: "_at" times as JST dates ("2026年12月9日 23:59",
// "2026-12-09 23:59 JST"), "_jpy" amounts as yen ("1,100円", "¥1,100"), a payment method and a
// failure reason in words. {{number}} is the line's number in national form (or the last digits
// of its ICCID for a line without one).
//
// A webhook's body is a JSON document for systems, the same in every language:
//   {"id": "nt_…", "type": "line.expiring", "created_at": "…+09:00",
//    "data": {"line_id": "ln_…", "msisdn": "+81…", "iccid": "…", <the event's arguments>}}
// where "_jpy" arguments are integers and every other argument a string.
//
// Pure; thread-safe.
class MessageRenderer final : public app::NotificationRenderer {
 public:
  Result<app::RenderedMessage> Render(const app::NotificationEvent& event, const domain::Line& line,
                                      domain::NotificationChannel channel,
                                      std::string_view language, std::string_view notification_id,
                                      Timestamp created_at) const override;
};

// "1,100" with the language's yen sign or word: "¥1,100" (en), "1,100円" (ja), "1,100日元"
// (zh-Hans), "1,100日圓" (zh-Hant).
std::string FormatYen(int64_t amount_jpy, std::string_view language);
// Data in decimal units with one decimal, rounded down, the same in every language: "512 B",
// "1.5 GB", "300 MB", "1,000 TB".
std::string FormatBytes(int64_t bytes);
// A speed: "128 kbps", "1 Mbps", "1.5 Mbps" (whole hundreds of kbps from 1,000 up).
std::string FormatKbps(int64_t kbps);

}  // namespace simkeep::notify

#endif  // SIMKEEP_NOTIFY_MESSAGE_RENDERER_H_
