#include "ui/sweep/sweepsummary.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

#include "sweep/sweep.h"

namespace hyperlab {

namespace {
QString fmt(double v) { return std::isfinite(v) ? QString::number(v, 'f', 4) : QString("–"); }
}  // namespace

SweepSummaryTable::SweepSummaryTable(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(0, 0, 0, 0);
  caption_ = new QLabel("No results yet.");
  caption_->setWordWrap(true);
  v->addWidget(caption_);
  table_ = new QTableWidget;
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setWordWrap(false);
  table_->horizontalHeader()->setStretchLastSection(true);
  v->addWidget(table_, 1);
  auto* tick = new QLabel("Tick configurations to show only them in the per-setting, mean ± band and box plots "
                          "(none ticked: all of them per setting; the best 3 and the running ones in the bands).");
  tick->setWordWrap(true);
  tick->setStyleSheet("color: #666;");
  v->addWidget(tick);
  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* it) {
    if (!filling_ && it->column() == 0) QTimer::singleShot(0, this, [this] { Q_EMIT chosenChanged(); });
  });
}

std::set<int> SweepSummaryTable::chosen() const {
  std::set<int> out;
  for (int r = 0; r < table_->rowCount(); ++r)
    if (const QTableWidgetItem* it = table_->item(r, 0); it && it->checkState() == Qt::Checked)
      out.insert(it->data(Qt::UserRole).toInt());
  return out;
}

void SweepSummaryTable::setSummary(const SweepSpec& spec, const std::vector<ConfigSummary>& sum, bool sd) {
  const std::set<int> keep = chosen();
  filling_ = true;
  const QString pmh = sd ? "± SD" : "± SE";
  const QStringList head = {"configuration", "n", "mean " + pmh, "95 % CI", "p vs best", "test acc. " + pmh};
  table_->setColumnCount(head.size());
  table_->setHorizontalHeaderLabels(head);
  table_->setRowCount(static_cast<int>(sum.size()));
  auto pm = [](double a, double b) {
    return std::isfinite(a) ? fmt(a) + (std::isfinite(b) ? " ± " + fmt(b) : QString()) : QString("–");
  };
  for (int r = 0; r < static_cast<int>(sum.size()); ++r) {
    const ConfigSummary& c = sum[r];
    const Stats& st = c.stats;
    const QStringList cells = {
        QString::fromStdString(settings_label(spec, c.settings)) +
            (c.resource ? QString(" (%1 ep.)").arg(c.resource) : QString()),
        QString::number(st.n), pm(st.mean, sd ? st.sd : st.se),
        st.n >= 2 ? fmt(st.ci95_lo) + " – " + fmt(st.ci95_hi) : QString("–"),
        c.best ? QString("best") : std::isfinite(c.p_vs_best) ? QString::number(c.p_vs_best, 'g', 3) : QString("–"),
        pm(c.test.mean, sd ? c.test.sd : c.test.se)};
    for (int k = 0; k < cells.size(); ++k) {
      auto* it = new QTableWidgetItem(cells[k]);
      if (k > 0) it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (k == 2) it->setToolTip(QString("min %1, max %2 over %3 seed(s)").arg(fmt(st.min), fmt(st.max)).arg(st.n));
      if (k == 0) {
        it->setData(Qt::UserRole, c.trial);
        it->setFlags(it->flags() | Qt::ItemIsUserCheckable);
        it->setCheckState(keep.count(c.trial) ? Qt::Checked : Qt::Unchecked);
      }
      if (c.best) {
        QFont f = it->font();
        f.setBold(true);
        it->setFont(f);
      }
      table_->setItem(r, k, it);
    }
  }
  table_->resizeColumnsToContents();
  filling_ = false;
  const QString metric = QString::fromStdString(spec.metric);
  caption_->setText("<b>" + metric + " at each run's selected epoch</b>, per configuration over its " +
                    QString::number(spec.repeats) + " seed(s): mean ± " +
                    (sd ? "standard deviation" : "standard error") +
                    ", 95 % confidence interval (Student's t), n (min and max on hovering the mean), and Welch's t-test against the best "
                    "configuration (small p: unlikely to be noise; no test with one seed). The test accuracy at "
                    "the same epochs is reported in the last column: it never chose anything." +
                    (sum.empty() ? QString("<br>No results yet.") : QString()));
}

}  // namespace hyperlab
