#include "simkeep/cli/import_usage.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include "simkeep/cli/csv_reader.h"

namespace simkeep::cli {
namespace {

enum class Column {
  kRecordId,
  kLineId,
  kMsisdn,
  kIccid,
  kImsi,
  kKind,
  kQuantity,
  kStart,
  kEnd,
  kRatingGroup
};

const std::map<std::string_view, Column>& Columns() {
  static const std::map<std::string_view, Column> columns = {
      {"record_id", Column::kRecordId},
      {"line_id", Column::kLineId},
      {"msisdn", Column::kMsisdn},
      {"iccid", Column::kIccid},
      {"imsi", Column::kImsi},
      {"kind", Column::kKind},
      {"quantity", Column::kQuantity},
      {"start", Column::kStart},
      {"end", Column::kEnd},
      {"rating_group", Column::kRatingGroup}};
  return columns;
}

// The column each field of a row goes to, from the header's names.
Result<std::vector<Column>> ColumnsOf(const std::vector<std::string>& names) {
  std::vector<Column> columns;
  std::map<Column, bool> present;
  for (const std::string& name : names) {
    auto it = Columns().find(name);
    if (it == Columns().end()) {
      return InvalidArgument("csv_column_unknown", "Unknown column '" + name + "' in the header.");
    }
    if (present[it->second]) {
      return InvalidArgument("csv_column_duplicate", "Column '" + name + "' appears twice.");
    }
    present[it->second] = true;
    columns.push_back(it->second);
  }
  for (const char* required : {"record_id", "kind", "quantity", "start", "end"}) {
    if (!present[Columns().at(required)]) {
      return InvalidArgument("csv_column_missing",
                             std::string("The header has no '") + required + "' column.");
    }
  }
  if (!present[Column::kLineId] && !present[Column::kMsisdn] && !present[Column::kIccid] &&
      !present[Column::kImsi]) {
    return InvalidArgument("csv_column_missing",
                           "The header names no line column: line_id, msisdn, iccid or imsi.");
  }
  return columns;
}

// `text` as an integer, or nullopt unless it is one whole (optionally negative) number.
std::optional<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return value;
}

// `text` shortened for a message.
std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 40;
  return "'" + std::string(text.substr(0, kShown)) + (text.size() > kShown ? "...'" : "'");
}

// The record a row describes; a row that cannot be read is a record with its `problem` set,
// which Ingest rejects like any other, so that every row has one place in its chunk.
app::UsageInput InputOf(CsvRow& row, const std::vector<Column>& columns) {
  app::UsageInput input;
  if (!row.well_formed || row.fields.size() != columns.size()) {
    input.problem = InvalidArgument(
        "csv_row_malformed", row.well_formed
                                 ? "Expected " + std::to_string(columns.size()) +
                                       " fields, found " + std::to_string(row.fields.size()) + "."
                                 : std::string("A quoted field is not closed."));
    return input;
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    std::string& field = row.fields[i];
    switch (columns[i]) {
      case Column::kRecordId:
        input.record_id = std::move(field);
        break;
      case Column::kLineId:
        input.line_id = std::move(field);
        break;
      case Column::kMsisdn:
        input.msisdn = std::move(field);
        break;
      case Column::kIccid:
        input.iccid = std::move(field);
        break;
      case Column::kImsi:
        input.imsi = std::move(field);
        break;
      case Column::kKind:
        input.kind = std::move(field);
        break;
      case Column::kQuantity:
        if (std::optional<int64_t> quantity = ParseInteger(field)) {
          input.quantity = *quantity;
        } else if (!input.problem) {
          input.problem =
              InvalidArgument("usage_quantity_invalid",
                              "quantity must be a whole number, not " + Quoted(field) + ".");
        }
        break;
      case Column::kStart:
        input.start = std::move(field);
        break;
      case Column::kEnd:
        input.end = std::move(field);
        break;
      case Column::kRatingGroup:
        if (field.empty()) {
          break;
        }
        if (std::optional<int64_t> group = ParseInteger(field)) {
          input.rating_group = *group;
        } else if (!input.problem) {
          input.problem = InvalidArgument(
              "rating_group_invalid",
              "rating_group must be a whole number or empty, not " + Quoted(field) + ".");
        }
        break;
    }
  }
  return input;
}

// One chunk of rows: the records, and the file line each came from.
struct Chunk {
  std::vector<app::UsageInput> inputs;
  std::vector<int64_t> lines;
};

bool Retryable(const Error& error) {
  return error.code == ErrorCode::kAborted || error.code == ErrorCode::kUnavailable;
}

// One attempt at a chunk: its own transaction, committed.
Result<app::UsageReport> IngestOnce(app::Session& session, const app::UsageService& usage,
                                    const std::vector<app::UsageInput>& inputs) {
  if (Result<void> begun = session.Begin(/*read_only=*/false); !begun) {
    return begun.error();
  }
  Result<app::UsageReport> ingested = usage.Ingest(session.transaction(), inputs);
  if (!ingested) {
    (void)session.Rollback();
    return ingested.error();
  }
  if (Result<void> committed = session.Commit(); !committed) {
    return committed.error();
  }
  return ingested;
}

// Ingests and commits one chunk, trying again after a conflict or a busy database, and adds
// what it did to `report`.
Result<void> CommitChunk(app::Session& session, const app::UsageService& usage, const Chunk& chunk,
                         const UsageImportCallbacks& callbacks, UsageImportReport& report) {
  Result<app::UsageReport> ingested = IngestOnce(session, usage, chunk.inputs);
  for (int attempt = 2;
       !ingested && Retryable(ingested.error()) && attempt <= kUsageChunkAttemptsMax; ++attempt) {
    ++report.retries;
    std::this_thread::sleep_for(std::chrono::milliseconds(kUsageChunkRetryPauseMs * attempt));
    ingested = IngestOnce(session, usage, chunk.inputs);
  }
  if (!ingested) {
    return ingested.error();
  }
  report.rows += static_cast<int64_t>(chunk.inputs.size());
  report.accepted += ingested->accepted;
  report.duplicates += static_cast<int64_t>(ingested->duplicates.size());
  report.rejected += static_cast<int64_t>(ingested->rejected.size());
  report.chunks += 1;
  report.last_line = chunk.lines.back();
  if (callbacks.problem) {
    // Ingest lists its rejections by index, in order.
    for (const app::UsageRejection& rejection : ingested->rejected) {
      std::string message = rejection.error.message;
      if (!rejection.record_id.empty()) {
        message += " (record " + rejection.record_id + ")";
      }
      callbacks.problem(
          RowProblem{chunk.lines[rejection.index], rejection.error.reason, std::move(message)});
    }
  }
  return Ok();
}

}  // namespace

Result<UsageImportReport> ImportUsage(app::Session& session, const app::UsageService& usage,
                                      std::istream& csv, const UsageImportCallbacks& callbacks) {
  CsvReader reader(csv);
  Result<std::vector<std::string>> header = reader.ReadHeader();
  if (!header) {
    return header.error();
  }
  Result<std::vector<Column>> columns = ColumnsOf(*header);
  if (!columns) {
    return columns.error();
  }
  UsageImportReport report;
  Chunk chunk;
  chunk.inputs.reserve(app::kUsageBatchMax);
  chunk.lines.reserve(app::kUsageBatchMax);
  CsvRow row;
  bool more = true;
  while (more) {
    more = reader.Next(row);
    if (more) {
      chunk.inputs.push_back(InputOf(row, *columns));
      chunk.lines.push_back(row.line);
    }
    const bool full = chunk.inputs.size() == app::kUsageBatchMax;
    if (chunk.inputs.empty() || (more && !full)) {
      continue;
    }
    if (Result<void> committed = CommitChunk(session, usage, chunk, callbacks, report);
        !committed) {
      report.stopped = committed.error();
      return report;
    }
    // The stream's position once the chunk's last row was read: how far the committed rows
    // reach (-1 for a stream that cannot tell, or at its end).
    report.bytes_read = more ? static_cast<int64_t>(csv.tellg()) : -1;
    if (callbacks.progress) {
      callbacks.progress(report);
    }
    chunk.inputs.clear();
    chunk.lines.clear();
  }
  return report;
}

namespace {

// Progress on stderr, as `simkeep import lines` and `simkeep migrate --from` show it: on a
// terminal one line, redrawn; otherwise one line per report, so that a log keeps them all.
class UsageProgressPrinter {
 public:
  explicit UsageProgressPrinter(int64_t size_bytes)
      : tty_(isatty(STDERR_FILENO) != 0), size_bytes_(size_bytes) {}

  void Report(const UsageImportReport& report) {
    std::string bar;
    if (size_bytes_ > 0) {
      const int64_t read = report.bytes_read < 0 ? size_bytes_ : report.bytes_read;
      const int percent = static_cast<int>(std::min<int64_t>(read * 100 / size_bytes_, 100));
      bar = "[" + std::string(static_cast<size_t>(percent / 5), '#') +
            std::string(static_cast<size_t>(20 - percent / 5), ' ') + "] " +
            std::to_string(percent) + "% ";
    }
    std::fprintf(stderr,
                 "%s%s%lld rows in %lld chunks committed: %lld accepted, %lld duplicates, %lld "
                 "rejected%s",
                 tty_ ? "\r" : "", bar.c_str(), static_cast<long long>(report.rows),
                 static_cast<long long>(report.chunks), static_cast<long long>(report.accepted),
                 static_cast<long long>(report.duplicates), static_cast<long long>(report.rejected),
                 tty_ ? "" : "\n");
    open_ = tty_;
  }

  // Ends a line left open on a terminal, before anything else is printed.
  void Finish() {
    if (open_) {
      std::fprintf(stderr, "\n");
      open_ = false;
    }
  }

 private:
  const bool tty_;
  const int64_t size_bytes_;
  bool open_ = false;
};

}  // namespace

int RunUsageImport(app::Session& session, const app::UsageService& usage, std::istream& csv,
                   int64_t size_bytes) {
  UsageProgressPrinter progress(size_bytes);
  UsageImportCallbacks callbacks;
  callbacks.problem = [&progress](const RowProblem& problem) {
    progress.Finish();
    std::printf("line %lld: %s: %s\n", static_cast<long long>(problem.row), problem.reason.c_str(),
                problem.message.c_str());
  };
  callbacks.progress = [&progress](const UsageImportReport& report) {
    std::fflush(stdout);
    progress.Report(report);
  };
  Result<UsageImportReport> report = ImportUsage(session, usage, csv, callbacks);
  progress.Finish();
  if (!report) {
    std::fprintf(stderr, "simkeep: %s: %s\n", report.error().reason.c_str(),
                 report.error().message.c_str());
    std::printf("import: nothing was imported\n");
    return kUsageImportExitStopped;
  }
  std::string retries;
  if (report->retries > 0) {
    retries = " (" + std::to_string(report->retries) + " chunk attempts tried again)";
  }
  std::printf("import: %lld rows, %lld accepted, %lld duplicates, %lld rejected%s\n",
              static_cast<long long>(report->rows), static_cast<long long>(report->accepted),
              static_cast<long long>(report->duplicates), static_cast<long long>(report->rejected),
              retries.c_str());
  if (report->stopped) {
    std::fprintf(stderr, "simkeep: %s: %s\n", report->stopped->reason.c_str(),
                 report->stopped->message.c_str());
    std::printf(
        "import: stopped after line %lld (%lld chunks committed); the rows after it were not "
        "stored. Run the same file again to finish: rows stored already count as duplicates.\n",
        static_cast<long long>(std::max<int64_t>(report->last_line, 1)),
        static_cast<long long>(report->chunks));
    return kUsageImportExitStopped;
  }
  return report->rejected > 0 ? kUsageImportExitRejected : 0;
}

}  // namespace simkeep::cli
