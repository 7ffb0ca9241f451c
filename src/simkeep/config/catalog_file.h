#ifndef SIMKEEP_CONFIG_CATALOG_FILE_H_
#define SIMKEEP_CONFIG_CATALOG_FILE_H_

// Reads the product catalog (carriers, keep rules, plans) from its JSON file, e.g.
// data/sample_catalog.json. This is an edge: the JSON library stays inside catalog_file.cc, and
// what comes out is a domain::Catalog that has passed domain::ValidateCatalog.
//
// File format (format_version 1). Unknown keys are errors, so a misspelt field never silently
// takes its default. Keys marked (optional) may be absent or null.
//   { "format_version": 1, "notes": ["..."] (optional),
//     "carriers": [{ "code": "au", "name": "...", "bands": ["B1"] (optional), "note" (optional),
//                    "keep": { "keep_window_days", "grace_days",
//                              "suspension_to_termination_days", "number_quarantine_days",
//                              "activity_usage_charge_jpy_min" } }],
//     "plans": [{ "id", "carrier", "name", "kind", "service", "renewal_mode",
//                 "prices": [{ "effective_from": RFC 3339, "price_jpy" }],
//                 "validity": { "days", "hours" (optional, 0), "convention",
//                               "start" (optional, "purchase") },
//                 "bundles": [{ "kind", "quantity", "unit": "bytes"|"seconds"|"messages" }]
//                            (optional, []; unit must match the kind),
//                 "throttle": [{ "up_to_extra_bytes", "speed_kbps" }] (optional, []),
//                 "tax_rate_percent" (optional, 10), "extend_cap_days" (optional, 0),
//                 "daily_cap_bytes" (optional, none), "auto_renewable" (optional, false),
//                 "voice_jpy_per_30s", "sms_jpy_tenths", "free_call_length_seconds",
//                 "activate_within_days" (optional, 0), "kyc_required" (optional, true),
//                 "note" (optional) }] }
// Enum values use the domain names (catalog.h). Numbers must be JSON integers.
//
// Thread-safety: the functions are pure apart from LoadCatalogFile reading its file; any
// thread may call them.

#include <cstddef>
#include <string>
#include <string_view>

#include "simkeep/base/result.h"
#include "simkeep/domain/catalog.h"

namespace simkeep::config {

inline constexpr size_t kCatalogFileBytesMax = 4 * 1024 * 1024;
inline constexpr int kCatalogJsonDepthMax = 16;     // The format itself needs 4 levels.
inline constexpr size_t kCatalogProblemsMax = 100;  // Problems listed in one error.

// Parses and validates a catalog document. Never throws.
// Errors: kInvalidArgument "catalog_invalid" for malformed JSON, wrong types, unknown or missing
// keys, unknown enum names, numbers out of range, bad times, duplicate JSON keys, documents over
// kCatalogFileBytesMax or nested deeper than kCatalogJsonDepthMax, and anything
// domain::ValidateCatalog rejects (duplicate plan ids, unknown carriers, bad prices, ...).
// Each problem is one entry in Error::errors, with `field` a path into the document such as
// "plans[3].validity.convention" ("$" for the document as a whole); the message repeats the
// first problem.
Result<domain::Catalog> ParseCatalogJson(std::string_view json_text);

// Reads the file at `path` and parses it with ParseCatalogJson.
// Errors: kFailedPrecondition "catalog_file_unreadable" when the file cannot be opened or read
// (the message names the path and the system's reason); otherwise as ParseCatalogJson.
Result<domain::Catalog> LoadCatalogFile(const std::string& path);

}  // namespace simkeep::config

#endif  // SIMKEEP_CONFIG_CATALOG_FILE_H_
