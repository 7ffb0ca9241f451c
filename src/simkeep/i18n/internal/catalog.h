#ifndef SIMKEEP_I18N_INTERNAL_CATALOG_H_
#define SIMKEEP_I18N_INTERNAL_CATALOG_H_

// Inside the i18n module: the embedded catalog files, their parser and the placeholder syntax.
// messages.h is the interface for everyone else; tests use these to check the files themselves.

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "simkeep/base/result.h"

namespace simkeep::i18n::internal {

// One catalog file as embedded at build time: its language tag ("zh-Hans", ...) and its lines,
// without their '\n'.
struct EmbeddedCatalog {
  std::string_view tag;
  std::span<const std::string_view> lines;
};
// Every file of i18n/ the build embeds, one per Language. Defined in the generated
// embedded_catalogs.cc (see CMakeLists.txt); static storage.
std::span<const EmbeddedCatalog> EmbeddedCatalogs();
// The file's content, byte for byte: its lines joined by '\n'.
std::string CatalogJson(const EmbeddedCatalog& catalog);

// A catalog flattened to its texts by dotted key ("payment.failure.card_declined").
using FlatCatalog = std::map<std::string, std::string, std::less<>>;

// Reads an i18next JSON catalog: an object whose members are texts (non-empty strings) or
// groups (objects of the same kind), at most kCatalogDepthMax deep. Keys are non-empty and hold
// neither '.' (the key separator) nor ':' (i18next's namespace separator).
// Errors (reason "catalog_invalid", the message naming the key): malformed JSON, a duplicate
// key, another type of value (number, array, null, ...), an empty text, a bad key, too deep.
Result<FlatCatalog> ParseCatalog(std::string_view json);

// The names of the `{{name}}` placeholders of `text`, in order of appearance, repeats kept;
// spaces inside the braces are not part of the name.
std::vector<std::string> Placeholders(std::string_view text);

// `text` with each `{{name}}` replaced by args[name]; see Translate in messages.h.
std::string Interpolate(std::string_view text, const std::map<std::string, std::string>& args);

// Translate's rule over the given catalogs: the text of `key` in `own`, else in `english`, else
// the key itself; interpolated with `args`.
std::string Resolve(const FlatCatalog& own, const FlatCatalog& english, std::string_view key,
                    const std::map<std::string, std::string>& args);

}  // namespace simkeep::i18n::internal

#endif  // SIMKEEP_I18N_INTERNAL_CATALOG_H_
