#include "simkeep/config/catalog_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "simkeep/base/time.h"

namespace simkeep::config {
namespace {

using Json = nlohmann::json;

constexpr const char* kReason = "catalog_invalid";

// Collects problems, each with its path in the document.
class Problems {
 public:
  void Add(std::string path, std::string message) {
    if (errors_.size() < kCatalogProblemsMax) {
      errors_.push_back(FieldError{std::move(path), kReason, std::move(message)});
    } else {
      ++dropped_;
    }
  }
  bool empty() const { return errors_.empty(); }

  Error ToError() const {
    const FieldError& first = errors_.front();
    std::string message = "catalog: " + first.field + ": " + first.message;
    const size_t more = errors_.size() - 1 + dropped_;
    if (more > 0) {
      message += " (and " + std::to_string(more) + " more problems)";
    }
    Error error = InvalidArgument(kReason, std::move(message));
    error.errors = errors_;
    return error;
  }

 private:
  std::vector<FieldError> errors_;
  size_t dropped_ = 0;
};

Error SingleProblem(std::string path, std::string message) {
  Problems problems;
  problems.Add(std::move(path), std::move(message));
  return problems.ToError();
}

std::string Indexed(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// Reads the members of one JSON object, recording a problem for every missing, mistyped or
// unknown member. Fields that fail keep their defaults; the caller checks Problems at the end.
class ObjectReader {
 public:
  ObjectReader(const Json& value, std::string path, Problems& problems)
      : value_(value), path_(std::move(path)), problems_(problems) {
    if (!value_.is_object()) {
      problems_.Add(path_.empty() ? "$" : path_, "must be an object");
    }
  }

  bool is_object() const { return value_.is_object(); }
  std::string PathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  // The member, or nullptr when absent or null (a problem if `required`).
  const Json* Find(std::string_view key, bool required) const {
    if (!value_.is_object()) {
      return nullptr;
    }
    const auto found = value_.find(key);
    if (found == value_.end() || found->is_null()) {
      if (required) {
        problems_.Add(PathOf(key), "is required");
      }
      return nullptr;
    }
    return &*found;
  }

  void RejectUnknownKeys(std::initializer_list<std::string_view> known) const {
    if (!value_.is_object()) {
      return;
    }
    for (const auto& [key, member] : value_.items()) {
      bool listed = false;
      for (std::string_view name : known) {
        listed = listed || key == name;
      }
      if (!listed) {
        problems_.Add(PathOf(key), "unknown key");
      }
    }
  }

  void String(std::string_view key, std::string& out) const {
    const Json* member = Find(key, true);
    if (member != nullptr && !member->is_string()) {
      problems_.Add(PathOf(key), "must be a string");
    } else if (member != nullptr) {
      out = member->get<std::string>();
    }
  }

  template <typename Int>
  void Integer(std::string_view key, Int& out, bool required) const {
    const Json* member = Find(key, required);
    if (member == nullptr) {
      return;
    }
    std::optional<int64_t> number = AsInt64(*member);
    if (!number || *number < std::numeric_limits<Int>::min() ||
        *number > std::numeric_limits<Int>::max()) {
      problems_.Add(PathOf(key), std::string("must be an integer between ") +
                                     std::to_string(std::numeric_limits<Int>::min()) + " and " +
                                     std::to_string(std::numeric_limits<Int>::max()));
      return;
    }
    out = static_cast<Int>(*number);
  }

  void OptionalInt64(std::string_view key, std::optional<int64_t>& out) const {
    if (Find(key, false) != nullptr) {
      int64_t number = 0;
      Integer(key, number, false);
      out = number;
    }
  }

  void Bool(std::string_view key, bool& out) const {
    const Json* member = Find(key, false);
    if (member != nullptr && !member->is_boolean()) {
      problems_.Add(PathOf(key), "must be true or false");
    } else if (member != nullptr) {
      out = member->get<bool>();
    }
  }

  void Time(std::string_view key, Timestamp& out) const {
    const Json* member = Find(key, true);
    if (member == nullptr) {
      return;
    }
    const std::optional<Timestamp> parsed =
        member->is_string() ? ParseRfc3339(member->get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) {
      problems_.Add(PathOf(key), "must be an RFC 3339 time such as 2025-01-01T00:00:00+09:00");
      return;
    }
    out = *parsed;
  }

  // Reads a string member and maps it with `parse`; `expected` lists the accepted names.
  template <typename E>
  void Enum(std::string_view key, E& out, std::optional<E> (*parse)(std::string_view),
            const char* expected, bool required = true) const {
    const Json* member = Find(key, required);
    if (member == nullptr) {
      return;
    }
    const std::optional<E> parsed =
        member->is_string() ? parse(member->get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) {
      problems_.Add(PathOf(key), "unknown value " + member->dump() + " (expected " +
                                     std::string(expected) + ")");
      return;
    }
    out = *parsed;
  }

  // The array member, or nullptr when absent (a problem if `required`) or not an array.
  const Json* Array(std::string_view key, bool required) const {
    const Json* member = Find(key, required);
    if (member != nullptr && !member->is_array()) {
      problems_.Add(PathOf(key), "must be an array");
      return nullptr;
    }
    return member;
  }

 private:
  static std::optional<int64_t> AsInt64(const Json& value) {
    if (value.is_number_unsigned()) {
      const uint64_t number = value.get<uint64_t>();
      if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::nullopt;
      }
      return static_cast<int64_t>(number);
    }
    if (value.is_number_integer()) {
      return value.get<int64_t>();
    }
    return std::nullopt;
  }

  const Json& value_;
  std::string path_;
  Problems& problems_;
};

// Calls `read(element, path)` for each element of the array member `key`.
template <typename Read>
void ForEachElement(const ObjectReader& reader, std::string_view key, bool required, Read read) {
  const Json* array = reader.Array(key, required);
  if (array == nullptr) {
    return;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    read((*array)[i], Indexed(reader.PathOf(key), i));
  }
}

domain::KeepRule ReadKeepRule(const ObjectReader& carrier, Problems& problems) {
  domain::KeepRule keep;
  const Json* member = carrier.Find("keep", true);
  if (member == nullptr) {
    return keep;
  }
  const ObjectReader reader(*member, carrier.PathOf("keep"), problems);
  reader.RejectUnknownKeys({"keep_window_days", "grace_days", "suspension_to_termination_days",
                            "number_quarantine_days", "activity_usage_charge_jpy_min"});
  reader.Integer("keep_window_days", keep.keep_window_days, true);
  reader.Integer("grace_days", keep.grace_days, true);
  reader.Integer("suspension_to_termination_days", keep.suspension_to_termination_days, true);
  reader.Integer("number_quarantine_days", keep.number_quarantine_days, true);
  reader.Integer("activity_usage_charge_jpy_min", keep.activity_usage_charge_jpy_min, true);
  return keep;
}

domain::Carrier ReadCarrier(const Json& value, const std::string& path, Problems& problems) {
  domain::Carrier carrier{domain::CarrierCode::kDocomo, "", {}, {}};
  const ObjectReader reader(value, path, problems);
  if (!reader.is_object()) {
    return carrier;
  }
  reader.RejectUnknownKeys({"code", "name", "keep", "bands", "note"});
  reader.Enum("code", carrier.code, domain::ParseCarrierCode, "docomo, au, softbank or rakuten");
  reader.String("name", carrier.name);
  carrier.keep = ReadKeepRule(reader, problems);
  ForEachElement(reader, "bands", false, [&](const Json& band, const std::string& band_path) {
    if (!band.is_string()) {
      problems.Add(band_path, "must be a string");
      return;
    }
    carrier.bands.push_back(band.get<std::string>());
  });
  return carrier;
}

void ReadPrices(const ObjectReader& reader, domain::Plan& plan, Problems& problems) {
  ForEachElement(reader, "prices", true, [&](const Json& value, const std::string& path) {
    const ObjectReader price(value, path, problems);
    if (!price.is_object()) {
      return;
    }
    price.RejectUnknownKeys({"effective_from", "price_jpy"});
    domain::PriceVersion version{Timestamp{}, 0};
    price.Time("effective_from", version.effective_from);
    price.Integer("price_jpy", version.price_jpy, true);
    plan.prices.push_back(version);
  });
}

void ReadBundles(const ObjectReader& reader, domain::Plan& plan, Problems& problems) {
  ForEachElement(reader, "bundles", false, [&](const Json& value, const std::string& path) {
    const ObjectReader bundle(value, path, problems);
    if (!bundle.is_object()) {
      return;
    }
    bundle.RejectUnknownKeys({"kind", "quantity", "unit"});
    domain::Bundle result{domain::BundleKind::kData, 0};
    bundle.Enum("kind", result.kind, domain::ParseBundleKind, "data, voice, sms or unlimited");
    bundle.Integer("quantity", result.quantity, true);
    // The unit is stated in the file so that a reader never has to guess whether a number is
    // bytes or megabytes; it must agree with the kind.
    std::string unit;
    bundle.String("unit", unit);
    const std::string expected = domain::BundleUnitName(result.kind);
    if (!unit.empty() && unit != expected) {
      problems.Add(bundle.PathOf("unit"), "must be \"" + expected + "\" for this kind");
    }
    plan.bundles.push_back(result);
  });
}

void ReadValidity(const ObjectReader& reader, domain::Plan& plan, Problems& problems) {
  const Json* member = reader.Find("validity", true);
  if (member == nullptr) {
    return;
  }
  const ObjectReader validity(*member, reader.PathOf("validity"), problems);
  validity.RejectUnknownKeys({"days", "hours", "convention", "start"});
  validity.Integer("days", plan.validity.days, true);
  validity.Integer("hours", plan.validity.hours, false);
  validity.Enum("convention", plan.validity.convention, domain::ParseDayConvention,
                "hours_24, hours_24_end_of_day or calendar_days");
  validity.Enum("start", plan.validity.start, domain::ParseStartTrigger,
                "purchase, redemption, profile_install or first_attach", false);
}

void ReadThrottle(const ObjectReader& reader, domain::Plan& plan, Problems& problems) {
  ForEachElement(reader, "throttle", false, [&](const Json& value, const std::string& path) {
    const ObjectReader step(value, path, problems);
    if (!step.is_object()) {
      return;
    }
    step.RejectUnknownKeys({"up_to_extra_bytes", "speed_kbps"});
    domain::ThrottleStep result{0, 0};
    step.Integer("up_to_extra_bytes", result.up_to_extra_bytes, true);
    step.Integer("speed_kbps", result.speed_kbps, true);
    plan.throttle.push_back(result);
  });
}

void ReadPlanIdentity(const ObjectReader& reader, domain::Plan& plan) {
  reader.String("id", plan.id.value);
  reader.Enum("carrier", plan.carrier, domain::ParseCarrierCode, "docomo, au, softbank or rakuten");
  reader.String("name", plan.name);
  reader.Enum("kind", plan.kind, domain::ParsePlanKind, "renewal, topping or topup");
  reader.Enum("service", plan.service, domain::ParseServiceKind, "voice or data");
  reader.Enum("renewal_mode", plan.renewal_mode, domain::ParseRenewalMode, "extend or stack");
}

void ReadPlanTerms(const ObjectReader& reader, domain::Plan& plan) {
  reader.Integer("tax_rate_percent", plan.tax_rate_percent, false);
  reader.Integer("extend_cap_days", plan.extend_cap_days, false);
  reader.OptionalInt64("daily_cap_bytes", plan.daily_cap_bytes);
  reader.Bool("auto_renewable", plan.auto_renewable);
  reader.Integer("voice_jpy_per_30s", plan.voice_jpy_per_30s, false);
  reader.Integer("sms_jpy_tenths", plan.sms_jpy_tenths, false);
  reader.Integer("free_call_length_seconds", plan.free_call_length_seconds, false);
  reader.Integer("activate_within_days", plan.activate_within_days, false);
  reader.Bool("kyc_required", plan.kyc_required);
}

domain::Plan ReadPlan(const Json& value, const std::string& path, Problems& problems) {
  domain::Plan plan{};
  const ObjectReader reader(value, path, problems);
  if (!reader.is_object()) {
    return plan;
  }
  reader.RejectUnknownKeys({"id",
                            "carrier",
                            "name",
                            "kind",
                            "service",
                            "prices",
                            "tax_rate_percent",
                            "bundles",
                            "validity",
                            "renewal_mode",
                            "extend_cap_days",
                            "throttle",
                            "daily_cap_bytes",
                            "auto_renewable",
                            "voice_jpy_per_30s",
                            "sms_jpy_tenths",
                            "free_call_length_seconds",
                            "activate_within_days",
                            "kyc_required",
                            "note"});
  ReadPlanIdentity(reader, plan);
  ReadPrices(reader, plan, problems);
  ReadBundles(reader, plan, problems);
  ReadValidity(reader, plan, problems);
  ReadThrottle(reader, plan, problems);
  ReadPlanTerms(reader, plan);
  return plan;
}

domain::Catalog ReadCatalog(const Json& document, Problems& problems) {
  domain::Catalog catalog;
  const ObjectReader reader(document, "", problems);
  reader.RejectUnknownKeys({"format_version", "notes", "carriers", "plans"});
  int format_version = 0;
  reader.Integer("format_version", format_version, true);
  if (reader.Find("format_version", false) != nullptr && format_version != 1) {
    problems.Add("format_version", "unsupported format version (this build reads 1)");
  }
  ForEachElement(reader, "notes", false, [&](const Json& note, const std::string& path) {
    if (!note.is_string()) {
      problems.Add(path, "must be a string");
    }
  });
  ForEachElement(reader, "carriers", true, [&](const Json& value, const std::string& path) {
    catalog.carriers.push_back(ReadCarrier(value, path, problems));
  });
  ForEachElement(reader, "plans", true, [&](const Json& value, const std::string& path) {
    catalog.plans.push_back(ReadPlan(value, path, problems));
  });
  return catalog;
}

// Watches the parser: limits nesting and reports duplicate keys, which the JSON library would
// otherwise resolve silently by keeping the last one.
class ParseGuard {
 public:
  bool operator()(int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > kCatalogJsonDepthMax) {
      too_deep_ = true;
      return false;  // Discards the value; the document is rejected afterwards.
    }
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
  bool too_deep() const { return too_deep_; }
  const std::optional<std::string>& duplicate_key() const { return duplicate_key_; }

 private:
  std::vector<std::set<std::string>> keys_;
  bool too_deep_ = false;
  std::optional<std::string> duplicate_key_;
};

Result<Json> ParseDocument(std::string_view text) {
  if (text.size() > kCatalogFileBytesMax) {
    return SingleProblem("$",
                         "document larger than " + std::to_string(kCatalogFileBytesMax) + " bytes");
  }
  ParseGuard guard;
  Json document;
  try {
    document = Json::parse(text.begin(), text.end(),
                           [&guard](int depth, Json::parse_event_t event, Json& parsed) {
                             return guard(depth, event, parsed);
                           });
  } catch (const Json::parse_error& e) {
    return SingleProblem("$", std::string("malformed JSON: ") + e.what());
  }
  if (guard.too_deep()) {
    return SingleProblem("$", "nested deeper than " + std::to_string(kCatalogJsonDepthMax));
  }
  if (guard.duplicate_key()) {
    return SingleProblem("$", "duplicate key \"" + *guard.duplicate_key() + "\"");
  }
  return document;
}

}  // namespace

Result<domain::Catalog> ParseCatalogJson(std::string_view json_text) {
  Result<Json> document = ParseDocument(json_text);
  if (!document) {
    return document.error();
  }
  Problems problems;
  domain::Catalog catalog;
  try {
    catalog = ReadCatalog(*document, problems);
  } catch (const Json::exception& e) {
    // Every access above checks the type first; this is the one conversion point in case the
    // library still objects.
    problems.Add("$", std::string("unreadable document: ") + e.what());
  }
  if (!problems.empty()) {
    return problems.ToError();
  }
  Result<void> valid = domain::ValidateCatalog(catalog);
  if (!valid) {
    return valid.error();
  }
  return catalog;
}

Result<domain::Catalog> LoadCatalogFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return FailedPrecondition("catalog_file_unreadable",
                              "cannot open catalog file " + path + ": " + std::strerror(errno));
  }
  // Read one byte past the limit so that an oversized file is reported as such.
  std::string text(kCatalogFileBytesMax + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) {
    return FailedPrecondition("catalog_file_unreadable", "cannot read catalog file " + path);
  }
  text.resize(static_cast<size_t>(file.gcount()));
  return ParseCatalogJson(text);
}

}  // namespace simkeep::config
