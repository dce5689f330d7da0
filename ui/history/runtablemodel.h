// The run list as a table model: one row per run of the history, the fixed
// columns and, if asked, the settings that differ among the runs; numbers
// sort as numbers (Qt::UserRole). Name and tags are edited in place.
#pragma once

#include <QAbstractTableModel>

#include <map>
#include <string>
#include <vector>

#include "store/runstore.h"

namespace hyperlab {

class RunTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Id, Name, Created, Status, Dataset, Model, Optimizer, Lr, Batch, Seed, Epochs, BestVal, TestAcc,
                Seconds, Tags, Sweep, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;
  void setRuns(std::vector<RunSummary> runs);
  /// Extra columns after the fixed ones: the settings that differ among the
  /// runs ("lr", "dropout"), with each run's value (by run id).
  void setSettingColumns(std::vector<std::string> keys, std::map<int64_t, std::vector<std::string>> values);
  int settingColumns() const { return static_cast<int>(keys_.size()); }
  const RunSummary& run(int row) const { return runs_[static_cast<size_t>(row)]; }
  int rowCount(const QModelIndex& = {}) const override { return static_cast<int>(runs_.size()); }
  int columnCount(const QModelIndex& = {}) const override { return ColumnCount + settingColumns(); }
  QVariant data(const QModelIndex& i, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& i) const override;
  bool setData(const QModelIndex& i, const QVariant& v, int role) override;

 Q_SIGNALS:
  void renamed(qint64 id, const QString& name);
  void tagged(qint64 id, const QString& tags);

 private:
  std::vector<RunSummary> runs_;
  std::vector<std::string> keys_;
  std::map<int64_t, std::vector<std::string>> values_;
};

}  // namespace hyperlab
