#include "simkeep/i18n/language.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "simkeep/i18n/limits.h"

namespace simkeep::i18n {
namespace {

constexpr std::array<const char*, 4> kTags = {"zh-Hans", "zh-Hant", "ja", "en"};
constexpr std::array<Language, 4> kAllLanguages = {Language::kZhHans, Language::kZhHant,
                                                   Language::kJa, Language::kEn};

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), ToLower);
  return lower;
}

// Splits a tag into lowercase subtags; nullopt unless every subtag is 1 to 8 letters or digits.
std::optional<std::vector<std::string>> Subtags(std::string_view text) {
  std::vector<std::string> subtags;
  size_t start = 0;
  while (true) {
    size_t end = text.find_first_of("-_", start);
    const std::string_view subtag =
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (subtag.empty() || subtag.size() > 8 ||
        !std::all_of(subtag.begin(), subtag.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c); })) {
      return std::nullopt;
    }
    subtags.push_back(Lowercase(subtag));
    if (end == std::string_view::npos) {
      return subtags;
    }
    start = end + 1;
  }
}

// Chinese: the script subtag decides; without one, the region (Taiwan, Hong Kong and Macau read
// Traditional characters, the mainland, Singapore and Malaysia Simplified ones).
Language ChineseScript(const std::vector<std::string>& subtags) {
  for (size_t i = 1; i < subtags.size(); ++i) {
    if (subtags[i] == "hant") {
      return Language::kZhHant;
    }
    if (subtags[i] == "hans") {
      return Language::kZhHans;
    }
  }
  for (size_t i = 1; i < subtags.size(); ++i) {
    if (subtags[i] == "tw" || subtags[i] == "hk" || subtags[i] == "mo") {
      return Language::kZhHant;
    }
  }
  return Language::kZhHans;
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view text) {
  while (!text.empty() && IsOws(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && IsOws(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// RFC 9110 qvalue: "0" ["." 0*3DIGIT] or "1" ["." 0*3"0"], as thousandths (no floating point).
std::optional<int> ParseQvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) {
    return std::nullopt;
  }
  int thousandths = text[0] == '1' ? 1000 : 0;
  if (text.size() == 1) {
    return thousandths;
  }
  const std::string_view decimals = text.substr(2);
  if (text[1] != '.' || decimals.size() > 3) {
    return std::nullopt;
  }
  int scale = 100;
  for (char c : decimals) {
    if (!IsDigit(c) || (thousandths == 1000 && c != '0')) {
      return std::nullopt;
    }
    thousandths += (c - '0') * scale;
    scale /= 10;
  }
  return thousandths;
}

// RFC 4647 language-range: "*" or 1*8ALPHA *("-" 1*8alphanum).
bool IsLanguageRange(std::string_view range) {
  if (range == "*") {
    return true;
  }
  const size_t first_end = std::min(range.find('-'), range.size());
  if (first_end == 0 || first_end > 8 ||
      !std::all_of(range.begin(), range.begin() + static_cast<std::ptrdiff_t>(first_end),
                   IsAlpha)) {
    return false;
  }
  // ParseLanguage accepts '_' too; a header may not use it.
  return range.find('_') == std::string_view::npos && Subtags(range).has_value();
}

struct WeightedRange {
  std::string_view range;
  int q_thousandths = 1000;
};

// One element of the header: language-range [OWS ";" OWS "q=" qvalue].
std::optional<WeightedRange> ParseElement(std::string_view element) {
  WeightedRange weighted;
  const size_t semicolon = element.find(';');
  weighted.range = TrimOws(element.substr(0, semicolon));
  if (!IsLanguageRange(weighted.range)) {
    return std::nullopt;
  }
  if (semicolon == std::string_view::npos) {
    return weighted;
  }
  const std::string_view weight = TrimOws(element.substr(semicolon + 1));
  if (weight.size() < 2 || ToLower(weight[0]) != 'q' || weight[1] != '=') {
    return std::nullopt;
  }
  const std::optional<int> q = ParseQvalue(weight.substr(2));
  if (!q) {
    return std::nullopt;
  }
  weighted.q_thousandths = *q;
  return weighted;
}

// The header's ranges in order, or nullopt when it is malformed or over the limits. Empty list
// elements (", ,") are allowed by the list syntax and skipped.
std::optional<std::vector<WeightedRange>> ParseAcceptLanguage(std::string_view header) {
  if (header.size() > kAcceptLanguageBytesMax) {
    return std::nullopt;
  }
  std::vector<WeightedRange> ranges;
  size_t start = 0;
  while (start <= header.size()) {
    const size_t comma = std::min(header.find(',', start), header.size());
    const std::string_view element = TrimOws(header.substr(start, comma - start));
    start = comma + 1;
    if (element.empty()) {
      continue;
    }
    std::optional<WeightedRange> weighted = ParseElement(element);
    if (!weighted || ranges.size() == kAcceptLanguageRangesMax) {
      return std::nullopt;
    }
    ranges.push_back(*weighted);
  }
  return ranges;
}

}  // namespace

const char* LanguageTag(Language language) { return kTags[static_cast<size_t>(language)]; }

std::span<const Language> AllLanguages() { return kAllLanguages; }

std::optional<Language> ParseLanguage(std::string_view text) {
  std::optional<std::vector<std::string>> subtags = Subtags(text);
  if (!subtags) {
    return std::nullopt;
  }
  const std::string& primary = subtags->front();
  if (primary == "zh") {
    return ChineseScript(*subtags);
  }
  if (primary == "ja") {
    return Language::kJa;
  }
  if (primary == "en") {
    return Language::kEn;
  }
  return std::nullopt;
}

Language NegotiateLanguage(std::string_view accept_language, Language fallback) {
  std::optional<std::vector<WeightedRange>> ranges = ParseAcceptLanguage(accept_language);
  if (!ranges) {
    return fallback;
  }
  std::array<bool, kAllLanguages.size()> refused = {};
  for (const WeightedRange& weighted : *ranges) {
    std::optional<Language> language = ParseLanguage(weighted.range);
    if (weighted.q_thousandths == 0 && language) {
      refused[static_cast<size_t>(*language)] = true;
    }
  }
  std::stable_sort(ranges->begin(), ranges->end(),
                   [](const WeightedRange& a, const WeightedRange& b) {
                     return a.q_thousandths > b.q_thousandths;
                   });
  for (const WeightedRange& weighted : *ranges) {
    if (weighted.q_thousandths == 0) {
      break;  // Sorted: the rest are refusals too.
    }
    if (weighted.range == "*") {
      if (!refused[static_cast<size_t>(fallback)]) {
        return fallback;
      }
      for (Language language : kAllLanguages) {
        if (!refused[static_cast<size_t>(language)]) {
          return language;
        }
      }
      return fallback;
    }
    std::optional<Language> language = ParseLanguage(weighted.range);
    if (language && !refused[static_cast<size_t>(*language)]) {
      return *language;
    }
  }
  return fallback;
}

}  // namespace simkeep::i18n
