#ifndef SIMKEEP_I18N_LIMITS_H_
#define SIMKEEP_I18N_LIMITS_H_

#include <cstddef>

namespace simkeep::i18n {

// An Accept-Language header longer than this, or naming more language ranges, is treated as
// malformed (NegotiateLanguage returns the fallback). Browsers send a handful of ranges in well
// under 200 bytes.
inline constexpr size_t kAcceptLanguageBytesMax = 1024;
inline constexpr size_t kAcceptLanguageRangesMax = 32;

// Nesting of a message catalog (i18n/*.json): "payment.failure.card_declined" is three deep.
inline constexpr int kCatalogDepthMax = 8;

}  // namespace simkeep::i18n

#endif  // SIMKEEP_I18N_LIMITS_H_
