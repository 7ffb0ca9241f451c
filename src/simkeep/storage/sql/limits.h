#ifndef SIMKEEP_STORAGE_SQL_LIMITS_H_
#define SIMKEEP_STORAGE_SQL_LIMITS_H_

namespace simkeep::storage::sql {

// Most rows one list call returns, whatever limit the caller asks for: page-sized lists
// (ListLines, ListOrders) are capped at app::kPageLimitMax, the others (ListLineEvents,
// ListPendingPayments) at this. The same in every SQL adapter.
inline constexpr int kListRowsMax = 1000;

}  // namespace simkeep::storage::sql

#endif  // SIMKEEP_STORAGE_SQL_LIMITS_H_
