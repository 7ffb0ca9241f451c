#ifndef SIMKEEP_I18N_MESSAGES_H_
#define SIMKEEP_I18N_MESSAGES_H_

// The message catalogs: texts for customers in every Language, looked up by dotted key
// ("payment.failure.expired_card") and filled in with named arguments.
//
// The catalogs are the files i18n/<tag>.json at the top of the source tree, in i18next's JSON
// format (nested objects whose leaves are strings, `{{name}}` placeholders), so that the web UI
// loads the very same files with i18next. They are embedded into the binary at build time and
// parsed once, on first use; after that they never change, so every function here may be called
// from any thread.
//
// Keys in use (each exists in every language; i18n_test.cc checks it):
//   payment.failure.<reason>      a failed payment, one per domain::KnownFailureReasons()
//   payment.advice.<advice>       what to try next, one per domain::PaymentAdviceName()
//   payment.method.<method>       display names, one per domain::PaymentMethodName()
//   payment.store.<store>         konbini chains, one per domain::KonbiniStoreName()
//   payment.instructions.<store>, payment.instructions.pay_easy, .bank_transfer: how to pay a
//       deferred payment; placeholders {{payment_number}}, {{confirmation_number}},
//       {{institution_number}} and {{deadline}} as the method uses them (see
//       domain::PaymentAction).

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "simkeep/i18n/language.h"

namespace simkeep::i18n {

// The text of `key` in `language` with its `{{name}}` placeholders replaced by `args`.
// - A key missing in `language` falls back to English; a key missing there too gives the key
//   itself, so a screen shows "payment.failure.new_reason" rather than nothing.
// - Spaces inside the braces are ignored ("{{ name }}"), as i18next does.
// - A placeholder without an argument stays as written ("{{deadline}}"), which is easy to spot;
//   arguments without a placeholder are ignored. Argument values are inserted as they are: never
//   scanned for placeholders, never escaped (a caller writing HTML escapes the result).
std::string Translate(Language language, std::string_view key,
                      const std::map<std::string, std::string>& args = {});

// Whether `language`'s own catalog has the text `key` (no fallback). A key naming a group of
// texts ("payment.failure") is not a text.
bool HasKey(Language language, std::string_view key);

// The text of `key` exactly as written in `language`'s catalog, placeholders and all; nullopt
// when that catalog does not have it (no fallback). Points into storage that lives as long as
// the process.
std::optional<std::string_view> Lookup(Language language, std::string_view key);

// Every text key of `language`'s catalog, sorted. Lives as long as the process.
std::span<const std::string> MessageKeys(Language language);

}  // namespace simkeep::i18n

#endif  // SIMKEEP_I18N_MESSAGES_H_
