#ifndef SIMKEEP_I18N_LANGUAGE_H_
#define SIMKEEP_I18N_LANGUAGE_H_

// The languages simkeep speaks to customers, their tags, and the choice of one from what a
// client asks for (an Accept-Language header, a saved preference). Pure functions; any thread.

#include <optional>
#include <span>
#include <string_view>

namespace simkeep::i18n {

// Simplified Chinese (mainland readers), Traditional Chinese (Taiwan and Hong Kong readers),
// Japanese and English. Each has a catalog i18n/<tag>.json.
enum class Language { kZhHans, kZhHant, kJa, kEn };

// The BCP 47 tag and catalog file name: "zh-Hans", "zh-Hant", "ja", "en".
const char* LanguageTag(Language language);
// Every language, in enumerator order.
std::span<const Language> AllLanguages();

// The language a BCP 47 tag (RFC 5646) or a POSIX-style locale name means, or nullopt when it is
// none of ours. Case-insensitive; subtags are separated by '-' or '_'.
// - "zh-Hans", "zh-Hant", "ja", "en" and any tag starting with one of them ("zh-Hant-TW",
//   "ja-JP", "en-US", "en-GB", "en_US").
// - Chinese without a script follows the region: "zh-TW", "zh-HK", "zh-MO" are Traditional;
//   "zh", "zh-CN", "zh-SG", "zh-MY" and other regions are Simplified.
// nullopt for other languages ("ko", "fr-FR"), empty or malformed tags ("en-", "ja--JP", a
// subtag longer than 8 characters, anything but letters and digits), surrounding spaces and "*".
std::optional<Language> ParseLanguage(std::string_view text);

// The best of our languages for an HTTP Accept-Language header (RFC 9110 §12.5.4), or `fallback`.
// - Ranges are tried by descending q-value; among equal q-values the earlier range wins. Each is
//   read with ParseLanguage, so "zh-TW;q=0.9" means Traditional Chinese.
// - q=0 marks a language as not acceptable: it is never chosen by any other range.
// - "*" stands for `fallback` (or, if the header refuses it, our first language it does not).
// - Ranges naming a language we do not have are skipped.
// - An empty header, a header where no range names one of our languages, and a malformed header
//   (bad syntax, a q-value out of range or with more than three decimals, a parameter other than
//   q, more than kAcceptLanguageBytesMax bytes or kAcceptLanguageRangesMax ranges) give
//   `fallback`. A malformed header is not guessed at: one bad range discards the whole header.
Language NegotiateLanguage(std::string_view accept_language, Language fallback);

}  // namespace simkeep::i18n

#endif  // SIMKEEP_I18N_LANGUAGE_H_
