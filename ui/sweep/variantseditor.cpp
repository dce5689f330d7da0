#include "ui/sweep/variantseditor.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "ui/editor/experimenteditor.h"
#include "sweep/runner.h"
#include "sweep/sweep.h"

namespace hyperlab {

namespace {
// The bundle lives in the name cell as JSON text.
constexpr int kBundleRole = Qt::UserRole + 1;

QString bundle_text(const Settings& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : s) j[k] = nlohmann::json::parse(v);
  return QString::fromStdString(j.dump());
}

Settings bundle_of(const QString& text) {
  Settings s;
  const nlohmann::json j = nlohmann::json::parse(text.toStdString(), nullptr, false);
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it) s[it.key()] = it.value().dump();
  return s;
}
}  // namespace

VariantsEditor::VariantsEditor(QWidget* parent) : QGroupBox("Named variants", parent) {
  auto* v = new QVBoxLayout(this);
  auto* hint = new QLabel("Compare bundles of settings, each under its own name (\"none\", \"dropout 0.2\", "
                          "\"L1+L2\"): Edit opens the experiment with the variant's settings; what you change "
                          "there is the variant. They combine with the settings above and with the seeds.");
  hint->setWordWrap(true);
  hint->setStyleSheet("color: #666;");
  v->addWidget(hint);
  auto* lr = new QHBoxLayout;
  lr->addWidget(new QLabel("Name of the comparison"));
  label_ = new QLineEdit("variant");
  label_->setToolTip("The column and legend title for the variants (a word without dots)");
  lr->addWidget(label_, 1);
  v->addLayout(lr);
  table_ = new QTableWidget(0, 2);
  table_->setHorizontalHeaderLabels({"Variant", "Settings it changes"});
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
  table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  table_->setColumnWidth(0, 110);
  table_->verticalHeader()->setVisible(false);
  table_->setMinimumHeight(110);
  table_->setWordWrap(true);  // a variant's settings wrap in their cell instead of being cut off
  table_->setTextElideMode(Qt::ElideNone);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  v->addWidget(table_);
  auto* b = new QHBoxLayout;
  auto* add = new QPushButton("Add");
  auto* edit = new QPushButton("Edit…");
  auto* remove = new QPushButton("Remove");
  for (QPushButton* p : {add, edit, remove}) b->addWidget(p);
  b->addStretch(1);
  v->addLayout(b);
  connect(add, &QPushButton::clicked, this, [this] {
    addVariant(table_->rowCount() == 0 ? "none" : "variant " + std::to_string(table_->rowCount() + 1), {});
    if (table_->rowCount() > 1) editVariant(table_->rowCount() - 1);
  });
  connect(edit, &QPushButton::clicked, this, [this] {
    if (table_->currentRow() >= 0) editVariant(table_->currentRow());
  });
  connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int col) {
    if (col == 1) editVariant(row);
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    if (table_->currentRow() < 0) return;
    table_->removeRow(table_->currentRow());
    Q_EMIT changed();
  });
  connect(table_, &QTableWidget::itemChanged, this, [this] { Q_EMIT changed(); });
  connect(label_, &QLineEdit::textChanged, this, [this] { Q_EMIT changed(); });
}

void VariantsEditor::setRow(int row, const std::string& name, const Settings& set) {
  QSignalBlocker block(table_);
  auto* n = new QTableWidgetItem(QString::fromStdString(name));
  n->setData(kBundleRole, bundle_text(set));
  table_->setItem(row, 0, n);
  const QString shown = set.empty() ? QString("(the base, unchanged)") : QString::fromStdString(settings_text(set));
  auto* s = new QTableWidgetItem(shown);
  s->setFlags(s->flags() & ~Qt::ItemIsEditable);
  QString tip;
  for (const auto& [k, v] : set) tip += QString::fromStdString(k + " = " + v) + "\n";
  s->setToolTip(tip.trimmed().isEmpty() ? "Double-click to edit" : tip.trimmed());
  table_->setItem(row, 1, s);
}

void VariantsEditor::addVariant(const std::string& name, const Settings& set) {
  const int r = table_->rowCount();
  table_->insertRow(r);
  setRow(r, name, set);
  table_->setCurrentCell(r, 0);
  Q_EMIT changed();
}

void VariantsEditor::setVariants(const std::string& label, const Variants& v) {
  QSignalBlocker block(label_);
  label_->setText(QString::fromStdString(label.empty() ? "variant" : label));
  table_->setRowCount(0);
  for (const auto& [name, set] : v) {
    table_->insertRow(table_->rowCount());
    setRow(table_->rowCount() - 1, name, set);
  }
  Q_EMIT changed();
}

VariantsEditor::Variants VariantsEditor::variants() const {
  Variants out;
  for (int r = 0; r < table_->rowCount(); ++r) {
    const QTableWidgetItem* n = table_->item(r, 0);
    if (!n) continue;
    out.push_back({n->text().trimmed().toStdString(), bundle_of(n->data(kBundleRole).toString())});
  }
  return out;
}

std::string VariantsEditor::label() const { return label_->text().trimmed().toStdString(); }

bool VariantsEditor::editVariant(int row) {
  QTableWidgetItem* n = table_->item(row, 0);
  if (!n) return false;
  const Settings set = bundle_of(n->data(kBundleRole).toString());
  ConfigResult start = apply_settings(config_to_text(base_), set);
  if (!start.ok()) {  // editing it on the bare base would lose its settings
    QMessageBox::warning(this, "Variant",
                         "The variant \"" + n->text() + "\" does not apply to this experiment: " +
                             QString::fromStdString(start.error_text()) +
                             "\nFix or remove it (its settings are kept as they are).");
    return false;
  }
  QDialog d(this);
  d.setWindowTitle("Variant \"" + n->text() + "\": change what this variant changes");
  auto* v = new QVBoxLayout(&d);
  auto* nl = new QHBoxLayout;
  nl->addWidget(new QLabel("Variant name"));
  auto* name = new QLineEdit(n->text());
  nl->addWidget(name, 1);
  v->addLayout(nl);
  auto* editor = new ExperimentEditor;
  editor->setConfig(start.config);
  v->addWidget(editor, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  v->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
  d.resize(760, 640);
  if (d.exec() != QDialog::Accepted) return false;
  setRow(row, name->text().trimmed().toStdString(), config_changes(base_, editor->config()));
  Q_EMIT changed();
  return true;
}

}  // namespace hyperlab
