#include "simkeep/storage/copy/table_copier.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "simkeep/storage/copy/limits.h"

namespace simkeep::storage::copy {
namespace {

const char* TypeName(sql::ColumnType type) {
  switch (type) {
    case sql::ColumnType::kInteger:
      return "integer";
    case sql::ColumnType::kText:
      return "text";
    case sql::ColumnType::kOther:
      return "other";
  }
  return "other";
}

std::string KeyText(const std::vector<std::string>& key) {
  std::string text = "(";
  for (size_t i = 0; i < key.size(); ++i) {
    text += (i == 0 ? "" : ", ") + key[i];
  }
  return text + ")";
}

// The tables of one side by name, without the skipped ones.
std::map<std::string, const sql::TableSchema*> ByName(std::span<const sql::TableSchema> tables,
                                                      std::span<const std::string_view> skipped) {
  std::map<std::string, const sql::TableSchema*> by_name;
  for (const sql::TableSchema& table : tables) {
    if (std::find(skipped.begin(), skipped.end(), table.name) == skipped.end()) {
      by_name[table.name] = &table;
    }
  }
  return by_name;
}

// Columns neither side can copy exactly. Checked before the comparison, whose messages would
// otherwise hide the real problem behind a type mismatch.
Result<void> CheckColumnTypes(const std::map<std::string, const sql::TableSchema*>& tables,
                              std::string_view side) {
  for (const auto& [name, table] : tables) {
    for (const sql::ColumnSchema& column : table->columns) {
      if (column.type == sql::ColumnType::kOther) {
        return FailedPrecondition("column_type_unsupported",
                                  name + "." + column.name + " is declared " +
                                      column.declared_type + " in the " + std::string(side) +
                                      "; only integer and text columns are copied.");
      }
    }
  }
  return Ok();
}

void CompareTables(const sql::TableSchema& source, const sql::TableSchema& destination,
                   std::vector<std::string>& differences) {
  const std::string& name = source.name;
  std::map<std::string_view, const sql::ColumnSchema*> destination_columns;
  for (const sql::ColumnSchema& column : destination.columns) {
    destination_columns[column.name] = &column;
  }
  for (const sql::ColumnSchema& column : source.columns) {
    auto found = destination_columns.find(column.name);
    if (found == destination_columns.end()) {
      differences.push_back(name + "." + column.name + " is only in the source");
      continue;
    }
    const sql::ColumnSchema& other = *found->second;
    if (other.type != column.type) {
      differences.push_back(name + "." + column.name + " is " + TypeName(column.type) +
                            " in the source and " + TypeName(other.type) + " in the destination");
    }
    if (other.identity != column.identity) {
      differences.push_back(name + "." + column.name + " is an identity column only in the " +
                            (column.identity ? "source" : "destination"));
    }
    destination_columns.erase(found);
  }
  for (const auto& [column, schema] : destination_columns) {
    differences.push_back(name + "." + std::string(column) + " is only in the destination");
  }
  if (source.primary_key != destination.primary_key) {
    differences.push_back(name + "'s primary key is " + KeyText(source.primary_key) +
                          " in the source and " + KeyText(destination.primary_key) +
                          " in the destination");
  }
}

Error SchemaMismatch(const std::vector<std::string>& differences) {
  std::string message = "The source and destination schemas differ: ";
  for (size_t i = 0; i < differences.size() && i < kSchemaDifferencesMax; ++i) {
    message += (i == 0 ? "" : "; ") + differences[i];
  }
  if (differences.size() > kSchemaDifferencesMax) {
    message += "; and " + std::to_string(differences.size() - kSchemaDifferencesMax) + " more";
  }
  return FailedPrecondition("schema_mismatch", message + ".");
}

// Kahn's algorithm over the tables of `source`, with the foreign keys of both sides; among the
// tables ready at each step the first by name goes next.
Result<std::vector<sql::TableSchema>> DependencyOrder(
    const std::map<std::string, const sql::TableSchema*>& source,
    const std::map<std::string, const sql::TableSchema*>& destination) {
  std::map<std::string, std::set<std::string>> waiting_for;  // Table -> tables it refers to.
  std::map<std::string, std::vector<std::string>> referred_by;
  for (const auto& [name, table] : source) {
    std::set<std::string>& needs = waiting_for[name];
    for (const auto* side : {table, destination.at(name)}) {
      for (const std::string& reference : side->references) {
        // Rows referring to their own table go in primary-key order; a skipped table is there
        // already.
        if (reference != name && source.count(reference) > 0 && needs.insert(reference).second) {
          referred_by[reference].push_back(name);
        }
      }
    }
  }
  std::set<std::string> ready;
  for (const auto& [name, needs] : waiting_for) {
    if (needs.empty()) {
      ready.insert(name);
    }
  }
  std::vector<sql::TableSchema> order;
  while (!ready.empty()) {
    const std::string name = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(*source.at(name));
    for (const std::string& dependent : referred_by[name]) {
      std::set<std::string>& needs = waiting_for[dependent];
      needs.erase(name);
      if (needs.empty()) {
        ready.insert(dependent);
      }
    }
  }
  if (order.size() < source.size()) {
    std::string stuck;
    for (const auto& [name, needs] : waiting_for) {
      if (!needs.empty()) {
        stuck += (stuck.empty() ? "" : ", ") + name;
      }
    }
    return FailedPrecondition("foreign_key_cycle",
                              "No copy order satisfies the foreign keys of " + stuck + ".");
  }
  return order;
}

// Reports progress every kProgressRowsStep rows, and at the end if it reported before.
class ProgressMeter {
 public:
  ProgressMeter(const CopyProgress& progress, CopyStep step, std::string_view table, int64_t total)
      : progress_(progress), step_(step), table_(table), total_(total) {}

  void Count() {
    ++done_;
    if (done_ % kProgressRowsStep == 0 && progress_) {
      progress_(step_, table_, done_, total_);
      reported_ = done_;
    }
  }
  void Finish() {
    if (reported_ > 0 && reported_ != done_) {
      progress_(step_, table_, done_, total_);
    }
  }
  int64_t done() const { return done_; }

 private:
  const CopyProgress& progress_;
  const CopyStep step_;
  const std::string_view table_;
  const int64_t total_;
  int64_t done_ = 0;
  int64_t reported_ = 0;
};

Result<void> CopyTable(sql::TableReader& source, sql::TableWriter& writer,
                       const sql::TableSchema& table, const CopyProgress& progress,
                       TableCopyCount& count) {
  Result<int64_t> source_rows = source.CountRows(table);
  if (!source_rows) {
    return source_rows.error();
  }
  count.source_rows = *source_rows;
  if (Result<void> begun = writer.BeginTable(table); !begun) {
    return begun;
  }
  RowsDigest digest;
  ProgressMeter meter(progress, CopyStep::kCopy, table.name, count.source_rows);
  Result<void> copied =
      source.ForEachRow(table, [&](std::span<const sql::Value> row) -> Result<void> {
        if (Result<void> written = writer.WriteRow(row); !written) {
          return written;
        }
        digest.Add(row);
        meter.Count();
        return Ok();
      });
  if (!copied) {
    return copied;  // The writer is left mid-table; its owner rolls the whole copy back.
  }
  if (Result<void> ended = writer.EndTable(); !ended) {
    return ended;
  }
  meter.Finish();
  count.copied_rows = meter.done();
  count.source_digest = digest.value();
  return Ok();
}

Result<void> ReadBack(sql::TableReader& destination, const sql::TableSchema& table,
                      const CopyProgress& progress, TableCopyCount& count) {
  Result<int64_t> destination_rows = destination.CountRows(table);
  if (!destination_rows) {
    return destination_rows.error();
  }
  count.destination_rows = *destination_rows;
  RowsDigest digest;
  ProgressMeter meter(progress, CopyStep::kVerify, table.name, count.destination_rows);
  Result<void> read = destination.ForEachRow(table, [&](std::span<const sql::Value> row) {
    digest.Add(row);
    meter.Count();
    return Ok();
  });
  if (!read) {
    return read;
  }
  meter.Finish();
  count.read_back_rows = meter.done();
  count.destination_digest = digest.value();
  return Ok();
}

// SplitMix64's finaliser: spreads a hash over all 64 bits before the hashes are summed.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

void AppendInteger(std::string& buffer, uint64_t value) {
  char bytes[sizeof(value)];
  std::memcpy(bytes, &value, sizeof(value));
  buffer.append(bytes, sizeof(bytes));
}

}  // namespace

void RowsDigest::Add(std::span<const sql::Value> row) {
  buffer_.clear();
  for (const sql::Value& value : row) {
    if (const auto* number = std::get_if<int64_t>(&value)) {
      buffer_ += 'i';
      AppendInteger(buffer_, static_cast<uint64_t>(*number));
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      buffer_ += 's';
      AppendInteger(buffer_, text->size());  // The length keeps ("ab","c") apart from ("a","bc").
      buffer_ += *text;
    } else {
      buffer_ += 'n';
    }
  }
  sum_ += Mix(static_cast<uint64_t>(std::hash<std::string_view>{}(buffer_)));
}

Result<std::vector<sql::TableSchema>> PlanTableCopy(std::span<const sql::TableSchema> source,
                                                    std::span<const sql::TableSchema> destination,
                                                    std::span<const std::string_view> skipped) {
  const std::map<std::string, const sql::TableSchema*> source_tables = ByName(source, skipped);
  const std::map<std::string, const sql::TableSchema*> destination_tables =
      ByName(destination, skipped);
  if (Result<void> checked = CheckColumnTypes(source_tables, "source"); !checked) {
    return checked.error();
  }
  if (Result<void> checked = CheckColumnTypes(destination_tables, "destination"); !checked) {
    return checked.error();
  }
  std::vector<std::string> differences;
  for (const auto& [name, table] : source_tables) {
    auto found = destination_tables.find(name);
    if (found == destination_tables.end()) {
      differences.push_back("table " + name + " is only in the source");
    } else {
      CompareTables(*table, *found->second, differences);
    }
  }
  for (const auto& [name, table] : destination_tables) {
    if (source_tables.count(name) == 0) {
      differences.push_back("table " + name + " is only in the destination");
    }
  }
  if (!differences.empty()) {
    return SchemaMismatch(differences);
  }
  return DependencyOrder(source_tables, destination_tables);
}

Result<std::vector<TableCopyCount>> CopyTables(sql::TableReader& source, sql::TableWriter& writer,
                                               sql::TableReader& destination,
                                               std::span<const sql::TableSchema> plan,
                                               const CopyProgress& progress) {
  std::vector<TableCopyCount> counts;
  for (const sql::TableSchema& table : plan) {
    TableCopyCount& count = counts.emplace_back();
    count.table = table.name;
    if (Result<void> copied = CopyTable(source, writer, table, progress, count); !copied) {
      return copied.error();
    }
  }
  // Read back once every table is in, so that the check sees the final state of each (whatever
  // a later table's rows might have set off on the destination) and a failed copy costs no
  // reading.
  for (size_t i = 0; i < plan.size(); ++i) {
    if (Result<void> read = ReadBack(destination, plan[i], progress, counts[i]); !read) {
      return read.error();
    }
  }
  return counts;
}

}  // namespace simkeep::storage::copy
