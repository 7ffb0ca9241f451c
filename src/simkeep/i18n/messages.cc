#include "simkeep/i18n/messages.h"

#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "simkeep/base/assert.h"
#include "simkeep/i18n/internal/catalog.h"

namespace simkeep::i18n {
namespace {

struct Catalog {
  internal::FlatCatalog texts;
  std::vector<std::string> keys;  // Sorted, as the map is.
};
using Catalogs = std::array<Catalog, 4>;

// The embedded files are part of the build: the build checks that each is JSON and
// i18n_test.cc that each is a valid catalog, so a bad one here is a bug, not an input error.
Catalogs Load() {
  Catalogs catalogs;
  SIMKEEP_ASSERT(AllLanguages().size() == catalogs.size());
  for (Language language : AllLanguages()) {
    const std::string_view tag = LanguageTag(language);
    const internal::EmbeddedCatalog* embedded = nullptr;
    for (const internal::EmbeddedCatalog& candidate : internal::EmbeddedCatalogs()) {
      if (candidate.tag == tag) {
        embedded = &candidate;
      }
    }
    SIMKEEP_ASSERT(embedded != nullptr);
    Result<internal::FlatCatalog> texts = internal::ParseCatalog(internal::CatalogJson(*embedded));
    if (!texts) {
      std::fprintf(stderr, "i18n/%s.json: %s\n", LanguageTag(language),
                   texts.error().message.c_str());
    }
    SIMKEEP_ASSERT(texts.has_value());
    Catalog& catalog = catalogs[static_cast<size_t>(language)];
    catalog.texts = std::move(*texts);
    for (const auto& entry : catalog.texts) {
      catalog.keys.push_back(entry.first);
    }
  }
  return catalogs;
}

// Parsed on first use; the initialisation of a function-local static is thread-safe, and the
// catalogs are never written afterwards.
const Catalog& CatalogOf(Language language) {
  static const Catalogs catalogs = Load();
  return catalogs[static_cast<size_t>(language)];
}

}  // namespace

std::optional<std::string_view> Lookup(Language language, std::string_view key) {
  const internal::FlatCatalog& texts = CatalogOf(language).texts;
  auto text = texts.find(key);
  if (text == texts.end()) {
    return std::nullopt;
  }
  return std::string_view(text->second);
}

bool HasKey(Language language, std::string_view key) { return Lookup(language, key).has_value(); }

std::span<const std::string> MessageKeys(Language language) { return CatalogOf(language).keys; }

std::string Translate(Language language, std::string_view key,
                      const std::map<std::string, std::string>& args) {
  return internal::Resolve(CatalogOf(language).texts, CatalogOf(Language::kEn).texts, key, args);
}

}  // namespace simkeep::i18n
