#ifndef SIMKEEP_CLI_IMPORT_USAGE_H_
#define SIMKEEP_CLI_IMPORT_USAGE_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>

#include "simkeep/app/ports.h"
#include "simkeep/app/usage_service.h"
#include "simkeep/base/error.h"
#include "simkeep/cli/import_lines.h"

namespace simkeep::cli {

// How many times one chunk is tried when its transaction fails for a reason that passes:
// another writer stored one of its records first (kAborted "usage_conflict": the next attempt
// finds it a duplicate) or the database was busy or unreachable (kUnavailable).
inline constexpr int kUsageChunkAttemptsMax = 5;
// The pause before the second attempt; each further attempt waits this much longer.
inline constexpr int kUsageChunkRetryPauseMs = 50;

// Exit statuses of `simkeep import usage` besides 0 (every row accepted or a duplicate).
inline constexpr int kUsageImportExitRejected = 1;  // Read to the end; some rows rejected.
inline constexpr int kUsageImportExitStopped = 3;   // Stopped early by an error (or never began).

// What an import of usage records has done: counts over the chunks committed. Every row of a
// committed chunk is in exactly one of accepted, duplicates and rejected.
struct UsageImportReport {
  int64_t rows = 0;        // Data rows (not the header, not blank lines) of committed chunks.
  int64_t accepted = 0;    // Stored and applied by this import.
  int64_t duplicates = 0;  // Stored before (by an earlier run, or earlier in the file).
  int64_t rejected = 0;    // Malformed, or refused by app::UsageService::Ingest.
  int64_t chunks = 0;      // Chunks (transactions) committed.
  int64_t retries = 0;     // Chunk attempts rolled back and tried again.
  int64_t last_line = 0;   // The file line of the last row committed (the header is line 1).
  int64_t bytes_read = 0;  // How far into the file the committed rows reach; -1 if unknown.
  // Set when an error stopped the import: the chunks counted above stay committed, the rows
  // after last_line were not stored. Running the same file again finishes the import.
  std::optional<Error> stopped;
};

// What ImportUsage tells its caller as it goes. Either may be empty.
struct UsageImportCallbacks {
  // Each rejected row, in file order, once its chunk has committed.
  std::function<void(const RowProblem&)> problem;
  // The counts so far, after each committed chunk.
  std::function<void(const UsageImportReport&)> progress;
};

// Imports usage records from CSV: a header row naming the columns record_id, kind (data, voice
// or sms), quantity (an integer in the kind's unit), start and end (RFC 3339), at least one of
// line_id, msisdn, iccid and imsi (each row fills exactly one), and optionally rating_group
// (an integer, or empty). The rows are fed to `usage.Ingest` in chunks of app::kUsageBatchMax,
// each in a transaction of its own on `session`, committed (durably) before the next is read:
// a crash loses at most the chunk in flight, and the same file imported again finds the rows
// already stored to be duplicates, so nothing is ever counted twice. A malformed row is
// rejected with its line number: "csv_row_malformed" (wrong number of fields, unterminated
// quote), "usage_quantity_invalid" or "rating_group_invalid" (not an integer); so is a row
// Ingest refuses, with Ingest's reason ("line_not_found", "time_invalid", ...). A chunk whose
// transaction fails with kAborted or kUnavailable is rolled back and tried again, up to
// kUsageChunkAttemptsMax times.
// Errors (nothing imported): kInvalidArgument "csv_header_missing", "csv_column_unknown",
// "csv_column_duplicate", "csv_column_missing". Any other error stops the import with
// `stopped` set in the report.
// REQUIRES: no transaction is open on `session`.
Result<UsageImportReport> ImportUsage(app::Session& session, const app::UsageService& usage,
                                      std::istream& csv, const UsageImportCallbacks& callbacks);

// `simkeep import usage FILE`: ImportUsage with progress on stderr (a bar redrawn on a
// terminal, otherwise a line per chunk; `size_bytes` is the file's size, 0 if unknown), every
// rejected row on stdout as "line N: reason: message", then the summary "import: R rows, A
// accepted, D duplicates, J rejected". Returns the exit status: 0, kUsageImportExitRejected or
// kUsageImportExitStopped.
int RunUsageImport(app::Session& session, const app::UsageService& usage, std::istream& csv,
                   int64_t size_bytes);

}  // namespace simkeep::cli

#endif  // SIMKEEP_CLI_IMPORT_USAGE_H_
