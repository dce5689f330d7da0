// The Sweep tab's summary: a caption that says what is shown, and a table
// with a row per configuration (mean ± SE or SD of the objective at each run's
// selected epoch, 95 % CI, min-max, Welch's p against the best, and the test
// accuracy there, reported only). Ticking rows chooses what the charts show.
#pragma once

#include <QWidget>

#include <set>
#include <vector>

#include "sweep/analysis.h"

class QLabel;
class QTableWidget;

namespace hyperlab {

class SweepSummaryTable : public QWidget {
  Q_OBJECT
 public:
  explicit SweepSummaryTable(QWidget* parent = nullptr);
  /// Refills the table (keeping the ticks) and the caption.
  void setSummary(const SweepSpec& spec, const std::vector<ConfigSummary>& sum, bool sd);
  /// The trials of the ticked rows (empty: none ticked).
  std::set<int> chosen() const;
  QTableWidget* table() const { return table_; }

 Q_SIGNALS:
  /// A row was ticked or unticked (emitted on the next turn of the event loop,
  /// since the receiver usually refills this table).
  void chosenChanged();

 private:
  QLabel* caption_;
  QTableWidget* table_;
  bool filling_ = false;
};

}  // namespace hyperlab
