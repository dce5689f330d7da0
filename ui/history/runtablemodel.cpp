#include "ui/history/runtablemodel.h"

#include <QColor>

#include <cmath>

#include "train/report.h"

namespace hyperlab {

namespace {

QString pct(double v) { return std::isfinite(v) ? QString::number(100 * v, 'f', 2) + "%" : QString("–"); }

QString duration(double s) {
  if (!(s > 0)) return "–";
  if (s < 60) return QString::number(s, 'f', 1) + " s";
  return QString("%1 min %2 s").arg(int(s) / 60).arg(int(s) % 60);
}

}  // namespace

void RunTableModel::setRuns(std::vector<RunSummary> runs) {
  beginResetModel();
  runs_ = std::move(runs);
  endResetModel();
}

void RunTableModel::setSettingColumns(std::vector<std::string> keys, std::map<int64_t, std::vector<std::string>> values) {
  beginResetModel();
  keys_ = std::move(keys);
  values_ = std::move(values);
  endResetModel();
}

QVariant RunTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o != Qt::Horizontal) return {};
  if (section >= ColumnCount) {  // a setting that differs among the runs
    const std::string& k = keys_[static_cast<size_t>(section - ColumnCount)];
    if (role == Qt::ToolTipRole) return QString::fromStdString(k);
    return role == Qt::DisplayRole ? QString::fromStdString(k).section('.', -1) : QVariant();
  }
  if (role == Qt::ToolTipRole && (section == BestVal || section == TestAcc))
    return QString("%1 accuracy at the run's selected epoch: the best by validation accuracy (or by the early-stopping "
                   "monitor); the last epoch when the run has no validation set. The test set never chooses it.")
        .arg(section == BestVal ? "Validation" : "Test");
  if (role != Qt::DisplayRole) return {};
  static const char* names[] = {"#", "Name", "Date (UTC)", "Status", "Dataset", "Model", "Optimizer", "LR",
                                "Batch", "Seed", "Epochs", "Val acc", "Test acc", "Duration", "Tags", "Sweep"};
  return QString(names[section]);
}

QVariant RunTableModel::data(const QModelIndex& i, int role) const {
  const RunSummary& r = runs_[static_cast<size_t>(i.row())];
  if (i.column() >= ColumnCount) {
    if (role != Qt::DisplayRole && role != Qt::UserRole) return {};
    auto it = values_.find(r.id);
    const size_t k = static_cast<size_t>(i.column() - ColumnCount);
    const QString v = it != values_.end() && k < it->second.size() ? QString::fromStdString(it->second[k]) : QString();
    bool number = false;
    const double d = v.toDouble(&number);
    return role == Qt::UserRole && number ? QVariant(d) : QVariant(v);  // numbers sort as numbers
  }
  if (role == Qt::UserRole) {  // sort keys: numbers as numbers
    switch (i.column()) {
      case Id: return qlonglong(r.id);
      case Lr: return r.lr;
      case Batch: return qlonglong(r.batch_size);
      case Seed: return qulonglong(r.seed);
      case Epochs: return r.epochs_run;
      case BestVal: return std::isfinite(r.best_val_accuracy) ? r.best_val_accuracy : -1.0;
      case TestAcc: return std::isfinite(r.test_accuracy) ? r.test_accuracy : -1.0;
      case Seconds: return r.seconds;
      case Sweep: return r.sweep_id ? qlonglong(r.sweep_id * 1000000 + r.trial * 1000 + r.repeat) : qlonglong(-1);
      default: break;
    }
    return data(i, Qt::DisplayRole);
  }
  if (role == Qt::ToolTipRole) {
    QString t = QString::fromStdString(r.reason);
    if ((i.column() == BestVal || i.column() == TestAcc) && r.best_epoch > 0) {
      t = QString("At epoch %1 of %2, %3").arg(r.best_epoch).arg(r.epochs_run)
              .arg(r.selected_by.empty() ? QString("the last one (no validation set: nothing selects)")
                                         : QString::fromStdString("the best by " + metric_label(r.selected_by)));
      if (i.column() == TestAcc && r.best_epoch != r.epochs_run && std::isfinite(r.final_test_accuracy))
        t += QString("\nAt the final epoch: %1").arg(pct(r.final_test_accuracy));
      return t;
    }
    if (!r.notes.empty()) t += (t.isEmpty() ? "" : "\n") + QString("Notes: ") + QString::fromStdString(r.notes);
    return t.isEmpty() ? QVariant() : t;
  }
  if (role == Qt::ForegroundRole && i.column() == Status) {
    if (r.status == "diverged" || r.status == "failed" || r.status == "interrupted") return QColor(176, 0, 32);
    if (r.status == "running") return QColor(21, 101, 192);
    return {};
  }
  if (role == Qt::TextAlignmentRole && (i.column() >= Lr && i.column() <= Seconds))
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (i.column()) {
    case Id: return qlonglong(r.id);
    case Name: return QString::fromStdString(r.name);
    case Created: return QString::fromStdString(r.created);
    case Status: return QString::fromStdString(r.status);
    case Dataset: return QString::fromStdString(r.dataset);
    case Model: return QString::fromStdString(r.model);
    case Optimizer: return QString::fromStdString(r.optimizer);
    case Lr: return QString::number(r.lr, 'g', 4);
    case Batch: return qlonglong(r.batch_size);
    case Seed: return qulonglong(r.seed);
    case Epochs: return QString("%1/%2").arg(r.epochs_run).arg(r.epochs);
    case BestVal: return pct(r.best_val_accuracy);
    case TestAcc: return pct(r.test_accuracy);
    case Seconds: return duration(r.seconds);
    case Tags: return QString::fromStdString(r.tags);
    case Sweep:
      return r.sweep_id ? QString("%1 · trial %2 · seed %3").arg(r.sweep_id).arg(r.trial).arg(r.repeat + 1) : QString();
  }
  return {};
}

Qt::ItemFlags RunTableModel::flags(const QModelIndex& i) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(i);
  if (i.column() == Name || i.column() == Tags) f |= Qt::ItemIsEditable;
  return f;
}

bool RunTableModel::setData(const QModelIndex& i, const QVariant& v, int role) {
  if (role != Qt::EditRole) return false;
  RunSummary& r = runs_[static_cast<size_t>(i.row())];
  const QString text = v.toString().trimmed();
  if (i.column() == Name && !text.isEmpty()) {
    r.name = text.toStdString();
    Q_EMIT renamed(r.id, text);
  } else if (i.column() == Tags) {
    r.tags = text.toStdString();
    Q_EMIT tagged(r.id, text);
  } else {
    return false;
  }
  Q_EMIT dataChanged(i, i);
  return true;
}

}  // namespace hyperlab
