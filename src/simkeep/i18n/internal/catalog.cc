#include "simkeep/i18n/internal/catalog.h"

#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "simkeep/i18n/limits.h"

namespace simkeep::i18n::internal {
namespace {

using Json = nlohmann::json;

Error Invalid(std::string message) {
  return InvalidArgument("catalog_invalid", std::move(message));
}

// Watches the parser for duplicate keys, which the JSON library (like a browser's JSON.parse)
// would otherwise resolve silently by keeping the last one.
class DuplicateKeyGuard {
 public:
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      keys_.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !keys_.empty()) {
      keys_.pop_back();
    } else if (event == Json::parse_event_t::key && !keys_.empty() && parsed.is_string() &&
               !keys_.back().insert(parsed.get<std::string>()).second) {
      duplicate_key_ = duplicate_key_.value_or(parsed.get<std::string>());
    }
    return true;
  }
  const std::optional<std::string>& duplicate_key() const { return duplicate_key_; }

 private:
  std::vector<std::set<std::string>> keys_;
  std::optional<std::string> duplicate_key_;
};

// Adds the texts of `group` under `prefix` to `texts`; the first problem found, if any.
std::optional<std::string> Flatten(const Json& group, const std::string& prefix, int depth,
                                   FlatCatalog& texts) {
  for (auto member = group.begin(); member != group.end(); ++member) {
    const std::string& key = member.key();
    std::string path = prefix;
    if (!path.empty()) {
      path += '.';
    }
    path += key;
    if (key.empty() || key.find_first_of(".:") != std::string::npos) {
      return "key \"" + path + "\": keys are non-empty and hold neither '.' nor ':'";
    }
    const Json& value = member.value();
    if (value.is_object()) {
      if (depth == kCatalogDepthMax) {
        return "key \"" + path + "\": nested deeper than " + std::to_string(kCatalogDepthMax);
      }
      if (std::optional<std::string> problem = Flatten(value, path, depth + 1, texts)) {
        return problem;
      }
    } else if (!value.is_string()) {
      return "key \"" + path + "\": a text must be a string, not " + value.type_name();
    } else if (value.get_ref<const std::string&>().empty()) {
      return "key \"" + path + "\": empty text";
    } else {
      texts.emplace(path, value.get<std::string>());
    }
  }
  return std::nullopt;
}

// Calls on_text(literal) and on_placeholder(name, as_written) for the parts of `text` in order.
template <typename OnText, typename OnPlaceholder>
void ScanPlaceholders(std::string_view text, OnText on_text, OnPlaceholder on_placeholder) {
  while (!text.empty()) {
    const size_t open = text.find("{{");
    const size_t close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      on_text(text);
      return;
    }
    on_text(text.substr(0, open));
    std::string_view name = text.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') {
      name.remove_prefix(1);
    }
    while (!name.empty() && name.back() == ' ') {
      name.remove_suffix(1);
    }
    on_placeholder(name, text.substr(open, close + 2 - open));
    text.remove_prefix(close + 2);
  }
}

}  // namespace

std::string CatalogJson(const EmbeddedCatalog& catalog) {
  std::string json;
  for (size_t i = 0; i < catalog.lines.size(); ++i) {
    if (i > 0) {
      json += '\n';
    }
    json.append(catalog.lines[i]);
  }
  return json;
}

Result<FlatCatalog> ParseCatalog(std::string_view json) {
  DuplicateKeyGuard guard;
  Json document;
  // The JSON library reports syntax errors (with their position) only by exception; it is
  // caught here, where the library is called.
  try {
    document = Json::parse(json.begin(), json.end(),
                           [&guard](int depth, Json::parse_event_t event, Json& parsed) {
                             return guard(depth, event, parsed);
                           });
  } catch (const Json::parse_error& e) {
    return Invalid(std::string("malformed JSON: ") + e.what());
  }
  if (guard.duplicate_key()) {
    return Invalid("duplicate key \"" + *guard.duplicate_key() + "\"");
  }
  if (!document.is_object()) {
    return Invalid("a catalog is a JSON object");
  }
  FlatCatalog texts;
  if (std::optional<std::string> problem = Flatten(document, "", 1, texts)) {
    return Invalid(*problem);
  }
  return texts;
}

std::vector<std::string> Placeholders(std::string_view text) {
  std::vector<std::string> names;
  ScanPlaceholders(
      text, [](std::string_view) {},
      [&names](std::string_view name, std::string_view) { names.emplace_back(name); });
  return names;
}

std::string Interpolate(std::string_view text, const std::map<std::string, std::string>& args) {
  std::string result;
  result.reserve(text.size());
  ScanPlaceholders(
      text, [&result](std::string_view literal) { result.append(literal); },
      [&result, &args](std::string_view name, std::string_view as_written) {
        auto arg = args.find(std::string(name));
        result.append(arg != args.end() ? std::string_view(arg->second) : as_written);
      });
  return result;
}

std::string Resolve(const FlatCatalog& own, const FlatCatalog& english, std::string_view key,
                    const std::map<std::string, std::string>& args) {
  auto text = own.find(key);
  if (text == own.end()) {
    text = english.find(key);
    if (text == english.end()) {
      return std::string(key);
    }
  }
  return Interpolate(text->second, args);
}

}  // namespace simkeep::i18n::internal
