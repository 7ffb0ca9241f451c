#include "simkeep/cli/import_lines.h"

#include <algorithm>
#include <map>

#include "simkeep/app/limits.h"
#include "simkeep/cli/csv_reader.h"

namespace simkeep::cli {
namespace {

using Setter = std::string app::ProvisionRequest::*;
const std::map<std::string, Setter>& Columns() {
  static const std::map<std::string, Setter> columns = {
      {"iccid", &app::ProvisionRequest::iccid},
      {"msisdn", &app::ProvisionRequest::msisdn},
      {"imsi", &app::ProvisionRequest::imsi},
      {"eid", &app::ProvisionRequest::eid},
      {"carrier", &app::ProvisionRequest::carrier},
      {"form_factor", &app::ProvisionRequest::form_factor},
      {"service", &app::ProvisionRequest::service},
      {"plan_id", &app::ProvisionRequest::plan_id},
      {"activation_code", &app::ProvisionRequest::activation_code},
      {"confirmation_code", &app::ProvisionRequest::confirmation_code},
      {"state", &app::ProvisionRequest::state},
      {"expires_at", &app::ProvisionRequest::expires_at},
      {"activate_by", &app::ProvisionRequest::activate_by}};
  return columns;
}

struct ParsedRow {
  int64_t row = 0;
  app::ValidProvision provision;
};

void AddProblem(ImportReport& report, int64_t row, const Error& error) {
  std::string message = error.message;
  for (const FieldError& field : error.errors) {
    if (error.errors.size() > 1) {
      message += " " + field.field + ": " + field.message;
    }
  }
  report.problems.push_back(RowProblem{row, error.reason, message});
}

}  // namespace

Result<ImportReport> ImportLines(app::Session& session, const app::LineService& lines,
                                 std::istream& csv, bool skip_invalid,
                                 const std::function<void(int64_t, int64_t)>& progress) {
  CsvReader reader(csv);
  Result<std::vector<std::string>> header = reader.ReadHeader();
  if (!header) {
    return header.error();
  }
  std::vector<Setter> setters;
  for (const std::string& name : *header) {
    auto it = Columns().find(name);
    if (it == Columns().end()) {
      return InvalidArgument("csv_column_unknown", "Unknown column '" + name + "' in the header.");
    }
    setters.push_back(it->second);
  }
  ImportReport report;
  std::vector<ParsedRow> parsed;
  for (CsvRow csv_row; reader.Next(csv_row);) {
    const int64_t row = csv_row.line;
    std::vector<std::string>& fields = csv_row.fields;
    if (++report.rows > static_cast<int64_t>(app::kImportRowsMax)) {
      return InvalidArgument("csv_too_large", "At most 10,000,000 rows per import.");
    }
    app::ProvisionRequest request;
    request.iccid_source = domain::IccidSource::kUpstream;
    if (!csv_row.well_formed || fields.size() != setters.size()) {
      report.problems.push_back(RowProblem{
          row, "csv_row_malformed", "Expected " + std::to_string(setters.size()) + " fields."});
      continue;
    }
    for (size_t i = 0; i < setters.size(); ++i) {
      request.*setters[i] = std::move(fields[i]);
    }
    Result<app::ValidProvision> valid = lines.Validate(request);
    if (!valid) {
      AddProblem(report, row, valid.error());
      continue;
    }
    parsed.push_back(ParsedRow{row, std::move(*valid)});
  }
  // Even when rows are already known to be bad, the inserts run (and are then rolled back) so
  // that conflicts with stored lines or between rows are reported in the same run.
  if (Result<void> begun = session.Begin(/*read_only=*/false); !begun) {
    return begun.error();
  }
  const int64_t total = static_cast<int64_t>(parsed.size());
  int64_t done = 0;
  for (ParsedRow& row : parsed) {
    if (Result<void> savepoint = session.Savepoint(); !savepoint) {
      (void)session.Rollback();
      return savepoint.error();
    }
    Result<domain::Line> inserted = lines.Insert(session.transaction(), std::move(row.provision));
    // RollbackToSavepoint also ends the savepoint.
    Result<void> ended = inserted ? session.ReleaseSavepoint() : session.RollbackToSavepoint();
    if (ended && !inserted) {
      AddProblem(report, row.row, inserted.error());
    }
    if (!ended) {
      (void)session.Rollback();
      return ended.error();
    }
    report.imported += inserted ? 1 : 0;
    if (++done % 10'000 == 0 && progress) {
      progress(done, total);
    }
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const RowProblem& a, const RowProblem& b) { return a.row < b.row; });
  if (!report.problems.empty() && !skip_invalid) {
    (void)session.Rollback();
    report.imported = 0;
    return report;
  }
  if (Result<void> committed = session.Commit(); !committed) {
    return committed.error();
  }
  if (progress) {
    progress(done, total);
  }
  report.committed = true;
  return report;
}

}  // namespace simkeep::cli
