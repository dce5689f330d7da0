#include "ui/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>
#include <QRegularExpression>
#include <QStyle>
#include <QLocale>

#include <cmath>
#include <cstdio>

#include "config/config_json.h"
#include "config/presets.h"
#include "ui/run/curvespanel.h"
#include "ui/editor/experimenteditor.h"
#include "ui/widgets/metricchart.h"
#include "ui/history/historyview.h"
#include "ui/sweep/sweepcontroller.h"
#include "ui/sweep/sweepview.h"
#include "ui/playground/playgroundview.h"
#include "ui/widgets/pictureviews.h"
#include "ui/run/runcontroller.h"
#include "store/runstore.h"
#include "train/report.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {

QString fmt_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "–";
  int t = static_cast<int>(std::lround(s));
  if (t >= 3600) return QString("%1 h %2 min").arg(t / 3600).arg((t % 3600) / 60);
  if (t >= 60) return QString("%1 min %2 s").arg(t / 60).arg(t % 60);
  return QString("%1 s").arg(t);
}

// HYPERLAB_TRACE_UI=1 prints every GUI handler that takes 10 ms or more: the
// event loop must never stall 50 ms while a run trains.
struct SlowScope {
  const char* what;
  QElapsedTimer t;
  explicit SlowScope(const char* w) : what(w) { t.start(); }
  ~SlowScope() {
    static const bool on = qEnvironmentVariableIsSet("HYPERLAB_TRACE_UI");
    if (on && t.elapsed() >= 10) std::fprintf(stderr, "hyperlab: %s took %lld ms\n", what, static_cast<long long>(t.elapsed()));
  }
};

QStringList names_of(const std::vector<std::string>& v) {
  QStringList out;
  for (const auto& s : v) out << QString::fromStdString(s);
  return out;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("Hyperlab");
  controller_ = new RunController(this);
  loader_ = new DataLoader(this);

  editor_ = new ExperimentEditor;
  auto* left = new QWidget;
  auto* lv = new QVBoxLayout(left);
  lv->setContentsMargins(4, 4, 0, 4);
  lv->addWidget(editor_);
  left->setMinimumWidth(330);

  views_ = new QTabWidget;
  curves_ = new CurvesPanel;
  views_->addTab(curves_, "Curves");

  auto* samples = new QWidget;
  auto* sv = new QVBoxLayout(samples);
  auto* train_caption = new QLabel("<b>Training images</b> (the first 64, with their class)");
  sv->addWidget(train_caption);
  train_grid_ = new ImageGridView;
  sv->addWidget(train_grid_);
  auto* test_row = new QHBoxLayout;
  test_caption_ = new QLabel("<b>Test predictions</b> appear after the first epoch");
  test_row->addWidget(test_caption_, 1);
  misclassified_only_ = new QCheckBox("Misclassified only");
  test_row->addWidget(misclassified_only_);
  sv->addLayout(test_row);
  test_grid_ = new ImageGridView;
  sv->addWidget(test_grid_);
  sv->addStretch(1);
  auto* samples_scroll = new QScrollArea;
  samples_scroll->setWidget(samples);
  samples_scroll->setWidgetResizable(true);
  views_->addTab(samples_scroll, "Samples");
  connect(misclassified_only_, &QCheckBox::toggled, test_grid_, &ImageGridView::setMisclassifiedOnly);

  filters_ = new FilterView;
  views_->addTab(filters_, "Filters");
  boundary_ = new BoundaryView;
  views_->addTab(boundary_, "Decision map");
  confusion_ = new ConfusionView;
  views_->addTab(confusion_, "Confusion");
  sweep_ = new SweepView;
  views_->addTab(sweep_, "Sweep");
  connect(sweep_, &SweepView::baseConfigLoaded, this, [this](const ExperimentConfig& c) {
    if (controller_->running()) return;
    editor_->setConfig(c);
    setCurrentFile(QString());
  });
  connect(sweep_, &SweepView::status, this, [this](const QString& t) { statusBar()->showMessage(t, 8000); });
  history_ = new HistoryView;
  views_->addTab(history_, "History");
  connect(sweep_, &SweepView::sweepFinished, history_, &HistoryView::refresh);
  playground_ = new PlaygroundView;
  views_->addTab(playground_, "Playground");
  connect(history_, &HistoryView::resumeRequested, this, &MainWindow::resumeRun);
  connect(history_, &HistoryView::databaseChosen, this, [this](const QString& path) {
    QString err = useDatabase(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Run history", err);
  });
  connect(history_, &HistoryView::evaluateRequested, this, &MainWindow::evaluateRun);
  connect(history_, &HistoryView::cloneRequested, this, [this](const ExperimentConfig& c) {
    if (controller_->running()) return;
    editor_->setConfig(c);
    setCurrentFile(QString());
    setWindowTitle("Hyperlab — " + QString::fromStdString(c.name) + " (from the history)");
    splitter_->widget(0)->setVisible(true);
  });

  // The picture views export like the charts: right-click, PNG/SVG/PDF.
  const std::pair<QWidget*, QString> pictures[] = {{filters_, "filters"}, {boundary_, "decision-map"},
                                                   {confusion_, "confusion-matrix"}};
  for (const auto& [view, name] : pictures) {
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    QWidget* v = view;
    const QString base = name;
    connect(view, &QWidget::customContextMenuRequested, this, [this, v, base](const QPoint& pos) {
      QMenu menu;
      QAction* exp = menu.addAction("Export picture…");
      if (menu.exec(v->mapToGlobal(pos)) != exp) return;
      QString f = QFileDialog::getSaveFileName(this, "Export picture", base + ".png",
                                               "PNG image (*.png);;SVG vector image (*.svg);;PDF (*.pdf)");
      if (f.isEmpty()) return;
      QString err = export_widget(v, f, base);
      if (!err.isEmpty()) QMessageBox::warning(this, "Export picture", err);
    });
  }

  splitter_ = new QSplitter;
  splitter_->addWidget(left);
  splitter_->addWidget(views_);
  splitter_->setStretchFactor(0, 0);
  splitter_->setStretchFactor(1, 1);
  splitter_->setSizes({400, 1000});
  setCentralWidget(splitter_);

  // Run controls.
  QToolBar* tb = addToolBar("Run");
  tb->setObjectName("runToolbar");
  tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  train_ = tb->addAction(style()->standardIcon(QStyle::SP_MediaPlay), "Train");
  train_->setShortcut(QKeySequence("Ctrl+R"));
  pause_ = tb->addAction(style()->standardIcon(QStyle::SP_MediaPause), "Pause");
  pause_->setShortcut(QKeySequence("Ctrl+P"));
  stop_ = tb->addAction(style()->standardIcon(QStyle::SP_MediaStop), "Stop");
  stop_->setShortcut(QKeySequence("Ctrl+."));
  stop_->setToolTip("Stop after the current batch; everything so far is kept");
  reason_ = new QLabel;
  reason_->setStyleSheet("QLabel { color: #b00020; margin-left: 8px; }");
  tb->addWidget(reason_);
  connect(train_, &QAction::triggered, this, &MainWindow::startRun);
  connect(pause_, &QAction::triggered, this, &MainWindow::togglePause);
  connect(stop_, &QAction::triggered, controller_, &RunController::stop);

  // Status bar: epoch k/N, progress in the epoch, samples/s, ETA, device, status.
  status_label_ = new QLabel("Ready");
  epoch_label_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setMaximumWidth(180);
  progress_->setTextVisible(false);
  speed_label_ = new QLabel;
  eta_label_ = new QLabel;
  device_label_ = new QLabel;
  statusBar()->addWidget(status_label_, 1);
  for (QWidget* w : std::initializer_list<QWidget*>{epoch_label_, progress_, speed_label_, eta_label_, device_label_})
    statusBar()->addPermanentWidget(w);

  buildMenus();

  connect(editor_, &ExperimentEditor::changed, this, &MainWindow::onEdited);
  data_debounce_.setSingleShot(true);
  data_debounce_.setInterval(250);
  connect(&data_debounce_, &QTimer::timeout, this, [this] {
    ExperimentConfig c = editor_->config();
    ConfigResult r = check_config(c);
    for (const ConfigError& e : r.errors)
      if (e.path.rfind("data", 0) == 0) return;  // the editor already shows why
    loader_->request(r.config);
  });
  connect(loader_, &DataLoader::loading, this, [this](const QString& what) {
    editor_->setDataStatus("Loading " + what + "…", true);
  });
  connect(loader_, &DataLoader::loaded, this, &MainWindow::onDataLoaded);
  connect(loader_, &DataLoader::failed, this, [this](const QString& msg) {
    data_ok_ = false, data_error_ = msg;
    editor_->setDataStatus(msg, false);
    train_grid_->setImages({}, {});
    test_grid_->setImages({}, {});
    updateActions();
  });
  connect(controller_, &RunController::started, this, &MainWindow::onStarted);
  connect(controller_, &RunController::batches, this, &MainWindow::onBatches);
  connect(controller_, &RunController::epoch, this, &MainWindow::onEpoch);
  connect(controller_, &RunController::snapshot, this, &MainWindow::onSnapshot);
  connect(controller_, &RunController::finished, this, &MainWindow::onFinished);
  connect(controller_, &RunController::recorded, this, [this](qint64 id, const QString& error) {
    last_run_id_ = id;
    history_->refresh();
    if (id > 0) status_label_->setText(status_label_->text() + QString(" · run %1 in the history").arg(id));
    else if (!error.isEmpty())
      curves_->setBanner("Not recorded in the run history: " + error +
                             " (export the metrics as CSV to keep them)", true);
  });

  QSettings st;
  db_path_ = st.value("history/database", QString::fromStdString(RunStore::default_path())).toString();
  history_->openDatabase(db_path_);
  sweep_->setDatabasePath(db_path_);
  controller_->setCheckpointFolder(
      (QFileInfo(db_path_).path() + "/checkpoints").toStdString());
  restoreGeometry(st.value("window/geometry").toByteArray());
  restoreState(st.value("window/state").toByteArray());
  splitter_->restoreState(st.value("window/splitter").toByteArray());
  loadPreset("fashion-baseline");
  if (!st.contains("window/geometry")) resize(1440, 900);
}

MainWindow::~MainWindow() { controller_->stopAndWait(); }

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&New", QKeySequence::New, this, [this] {
    editor_->setConfig(ExperimentConfig{});
    setCurrentFile(QString());
  });
  file->addAction("&Open…", QKeySequence::Open, this, [this] {
    QString f = QFileDialog::getOpenFileName(this, "Open experiment", QFileInfo(current_file_).path(),
                                             "Experiment (*.json);;All files (*)");
    if (!f.isEmpty()) openFile(f);
  });
  recent_menu_ = file->addMenu("Open &Recent");
  rebuildRecentMenu();
  file->addAction("&Save", QKeySequence::Save, this, [this] {
    if (current_file_.isEmpty()) saveAs();
    else save(current_file_);
  });
  file->addAction("Save &As…", QKeySequence::SaveAs, this, [this] { saveAs(); });
  file->addSeparator();
  file->addAction("Export &metrics (CSV)…", this, &MainWindow::exportMetrics);
  file->addAction("Export all &charts…", this, &MainWindow::exportAllCharts);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* presets = menuBar()->addMenu("&Presets");
  for (const EmbeddedPreset& p : embedded_presets()) {
    ConfigResult r = parse_config_text(p.json, p.name);
    QAction* a = presets->addAction(QString::fromUtf8(p.name));
    a->setToolTip(QString::fromStdString(r.config.description));
    a->setStatusTip(QString::fromStdString(r.config.description));
    const QString name = QString::fromUtf8(p.name);
    connect(a, &QAction::triggered, this, [this, name] { loadPreset(name); });
  }
  presets->setToolTipsVisible(true);

  QMenu* run = menuBar()->addMenu("&Run");
  run->addAction(train_);
  run->addAction(pause_);
  run->addAction(stop_);

  QMenu* view = menuBar()->addMenu("&View");
  presentation_ = view->addAction("&Presentation mode");
  presentation_->setCheckable(true);
  presentation_->setShortcut(QKeySequence("F5"));
  connect(presentation_, &QAction::toggled, this, &MainWindow::setPresentation);
  show_editor_ = view->addAction("Show &editor");
  show_editor_->setCheckable(true);
  show_editor_->setChecked(true);
  show_editor_->setShortcut(QKeySequence("Ctrl+E"));
  connect(show_editor_, &QAction::toggled, this, [this](bool on) {
    splitter_->widget(0)->setVisible(on && views_->currentWidget() != playground_);
  });
  // The playground needs no experiment: its tab gets the editor's room.
  connect(views_, &QTabWidget::currentChanged, this, [this] {
    splitter_->widget(0)->setVisible(show_editor_->isChecked() && views_->currentWidget() != playground_);
  });
}

void MainWindow::loadPreset(const QString& name) {
  std::string text = preset_text(name.toStdString());
  ConfigResult r = parse_config_text(text, name.toStdString());
  if (!r.ok()) {
    QMessageBox::warning(this, "Preset", QString::fromStdString(r.error_text()));
    return;
  }
  editor_->setConfig(r.config);
  setCurrentFile(QString());
  setWindowTitle("Hyperlab — " + name + " (preset)");
}

bool MainWindow::openFile(const QString& file) {
  ConfigResult r = load_config_file(file.toStdString());
  if (!r.ok()) {
    QMessageBox::warning(this, "Cannot open " + QFileInfo(file).fileName(),
                         "The experiment was not loaded; nothing was changed.\n\n" +
                             QString::fromStdString(r.error_text()));
    return false;
  }
  editor_->setConfig(r.config);
  setCurrentFile(file);
  addRecent(file);
  return true;
}

bool MainWindow::save(const QString& file) {
  try {
    write_file_atomic(file.toStdString(), config_to_text(editor_->config()));
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Save", QString::fromStdString(e.what()));
    return false;
  }
  setCurrentFile(file);
  addRecent(file);
  statusBar()->showMessage("Saved " + file, 3000);
  return true;
}

bool MainWindow::saveAs() {
  QString suggested = QString::fromStdString(editor_->config().name) + ".json";
  QString f = QFileDialog::getSaveFileName(this, "Save experiment",
                                           current_file_.isEmpty() ? suggested : current_file_,
                                           "Experiment (*.json)");
  return !f.isEmpty() && save(f);
}

void MainWindow::setCurrentFile(const QString& f) {
  current_file_ = f;
  setWindowTitle(f.isEmpty() ? "Hyperlab" : "Hyperlab — " + QFileInfo(f).fileName());
}

void MainWindow::addRecent(const QString& file) {
  QSettings st;
  QStringList r = st.value("recentFiles").toStringList();
  r.removeAll(file);
  r.prepend(file);
  while (r.size() > 8) r.removeLast();
  st.setValue("recentFiles", r);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recent_menu_->clear();
  const QStringList r = QSettings().value("recentFiles").toStringList();
  for (const QString& f : r) recent_menu_->addAction(f, this, [this, f] { openFile(f); });
  recent_menu_->setEnabled(!r.isEmpty());
}

void MainWindow::onEdited() {
  sweep_->setBaseConfig(editor_->config());
  data_debounce_.start();
  updateActions();
}

QString MainWindow::trainBlockedReason() const {
  if (controller_->running()) return "A run is in progress";
  QStringList p = editor_->problems();
  if (!p.isEmpty()) return "Cannot train: " + p.front() + (p.size() > 1 ? QString(" (and %1 more)").arg(p.size() - 1) : "");
  if (!data_ok_) return "Cannot train: " + data_error_;
  return QString();
}

void MainWindow::updateActions() {
  const bool running = controller_->running();
  const QString why = trainBlockedReason();
  train_->setEnabled(why.isEmpty());
  train_->setToolTip(why.isEmpty() ? "Train this experiment (Ctrl+R)" : why);
  reason_->setText(running ? QString() : why);
  pause_->setEnabled(running);
  pause_->setText(controller_->paused() ? "Resume" : "Pause");
  pause_->setIcon(style()->standardIcon(controller_->paused() ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
  stop_->setEnabled(running);
  progress_->setVisible(running);
  editor_->setLocked(running);
}

bool MainWindow::running() const { return controller_->running(); }

QString MainWindow::statusText() const { return status_label_->text(); }

// Clears what the last run showed before another starts (an evaluation keeps
// the curves: it trains no epoch).
void MainWindow::prepareViews(int epochs, const QString& status, bool keep_curves) {
  if (!keep_curves) {
    curves_->reset();
    filters_->clear();
    boundary_->clear();
  }
  confusion_->clear();
  test_grid_->setPredictions({}, {});
  result_ = RunResult{};
  epochs_total_ = epochs;
  epoch_seconds_ = 0;
  status_label_->setText(status);
}

void MainWindow::startRun() {
  if (!trainBlockedReason().isEmpty()) return;
  ExperimentConfig c = editor_->config();
  ConfigResult r = check_config(c);  // resolved, as a file would be
  if (!r.ok()) return;
  prepareViews(r.config.training.epochs, "Starting…", false);
  has_result_ = true;
  last_run_id_ = 0;
  epoch_label_->setText(QString("epoch 0/%1").arg(epochs_total_));
  progress_->setValue(0);
  run_config_ = r.config;
  controller_->start(r.config, loader_->dataFor(r.config), db_path_.toStdString());
  updateActions();
}

QString MainWindow::useDatabase(const QString& path) {
  if (controller_->running()) return "Wait for the run to end before switching the run history.";
  try {
    RunStore store(path.toStdString());
    // The last run, kept in memory because the old history could not take it.
    if (last_run_id_ == 0 && has_result_ && result_.status != RunStatus::Running && !result_.history.empty()) {
      ExperimentConfig c = check_config(editor_->config()).config;
      RunRecorder rec(store, c);
      rec.on_start(result_.info);
      for (const EpochEvent& e : result_.history) rec.on_epoch(e);
      rec.on_finish(result_);
      if (!rec.error().empty()) return QString::fromStdString(rec.error());
      last_run_id_ = rec.run_id();
    }
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  db_path_ = path;
  QSettings().setValue("history/database", path);
  controller_->setCheckpointFolder((QFileInfo(db_path_).path() + "/checkpoints").toStdString());
  history_->openDatabase(path);
  sweep_->setDatabasePath(path);
  return {};
}

bool MainWindow::resumeRun(qint64 id, const QString& checkpoint) {
  if (controller_->running() || checkpoint.isEmpty()) return false;
  ExperimentConfig c;
  try {
    c = checkpoint_config(checkpoint.toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Resume", QString::fromStdString(e.what()));
    return false;
  }
  // A run that already reached its epochs trains as many again.
  const int done = checkpoint_epoch(checkpoint.toStdString());
  if (done >= c.training.epochs) c.training.epochs = done + c.training.epochs;
  editor_->setConfig(c);
  pending_history_.reset();
  try {
    pending_history_ = RunStore(db_path_.toStdString()).load(id);
    if (pending_history_ && static_cast<int>(pending_history_->history.size()) > done) {
      // The history may hold one epoch past the checkpoint (killed in between): it is trained again.
      pending_history_->history.resize(static_cast<size_t>(done));
      pending_history_->batch_losses.resize(static_cast<size_t>(done));
    }
  } catch (const std::exception&) {
  }
  prepareViews(c.training.epochs, QString("Resuming run %1 after epoch %2…").arg(id).arg(done), false);
  run_config_ = c;
  controller_->resume(c, loader_->dataFor(c), db_path_.toStdString(), id, checkpoint.toStdString());
  views_->setCurrentWidget(curves_);
  updateActions();
  return true;
}

bool MainWindow::evaluateRun(qint64 id, const QString& checkpoint) {
  if (controller_->running() || checkpoint.isEmpty()) return false;
  ExperimentConfig c;
  int done = 0;
  try {
    c = checkpoint_config(checkpoint.toStdString());
    done = checkpoint_epoch(checkpoint.toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Evaluate", QString::fromStdString(e.what()));
    return false;
  }
  c.training.epochs = done;  // nothing to train: only the final evaluation runs
  prepareViews(done, QString("Evaluating run %1 (weights after epoch %2) on the test set…").arg(id).arg(done), true);
  // No database: an evaluation is not a new run.
  run_config_ = c;
  controller_->resume(c, loader_->dataFor(c), std::string(), 0, checkpoint.toStdString());
  views_->setCurrentIndex(views_->indexOf(confusion_));
  updateActions();
  return true;
}

void MainWindow::togglePause() {
  if (controller_->paused()) {
    controller_->resume();
    status_label_->setText("Training");
  } else {
    controller_->pause();
    status_label_->setText("Paused (after the current batch)");
  }
  updateActions();
}

void MainWindow::onStarted(const RunStart& s) {
  run_info_ = s;
  result_.info = s;
  class_names_ = names_of(s.class_names);
  curves_->start(s);
  if (pending_history_) {  // a resumed run: its epochs so far, as they were
    const RunRecord& old = *pending_history_;
    const int resumed_at = static_cast<int>(old.history.size());
    for (int k = 0; k < resumed_at && k < static_cast<int>(old.batch_losses.size()); ++k) {
      std::vector<BatchEvent> bs;
      const auto& losses = old.batch_losses[k];
      for (size_t b = 0; b < losses.size(); ++b) {
        BatchEvent be;
        be.epoch = k + 1, be.batch = static_cast<int>(b) + 1, be.batches = static_cast<int>(losses.size());
        be.loss = losses[b], be.lr = old.history[k].lr;
        bs.push_back(be);
      }
      if (!bs.empty()) curves_->addBatches(bs);
      curves_->addEpoch(old.history[k]);
      result_.history.push_back(old.history[k]);
    }
    pending_history_.reset();
  }
  device_label_->setText(QString::fromStdString(s.device) + (s.threads ? QString(" · %1 thread%2").arg(s.threads).arg(s.threads > 1 ? "s" : "") : ""));
  device_label_->setToolTip(QString::fromStdString(s.blas));
  status_label_->setText(QString("Training %1 parameters on %2 samples")
                             .arg(QLocale().toString(qlonglong(s.parameters)))
                             .arg(QLocale().toString(qlonglong(s.train_size))));
  if (s.blas.rfind("WARNING", 0) == 0) curves_->setBanner(QString::fromStdString(s.blas), true);
}

void MainWindow::onBatches(const std::vector<BatchEvent>& b) {
  SlowScope slow("batch events");
  curves_->addBatches(b);
  if (status_clock_.isValid() && status_clock_.elapsed() < 250) return;
  status_clock_.start();
  const BatchEvent& last = b.back();
  epoch_label_->setText(QString("epoch %1/%2").arg(last.epoch).arg(epochs_total_));
  progress_->setMaximum(last.batches);
  progress_->setValue(last.batch);
  speed_label_->setText(QString("%1 samples/s").arg(QLocale().toString(qlonglong(std::llround(last.samples_per_s)))));
  if (last.samples_per_s > 0 && run_info_.train_size > 0) {
    // Remaining training samples at the current speed, plus evaluation time as measured so far.
    const double per_epoch = epoch_seconds_ > 0 ? epoch_seconds_ : run_info_.train_size / last.samples_per_s;
    const double left_in_epoch = (1.0 - double(last.batch) / last.batches) * run_info_.train_size / last.samples_per_s;
    eta_label_->setText("ETA " + fmt_duration(left_in_epoch + (epochs_total_ - last.epoch) * per_epoch));
  }
}

void MainWindow::onEpoch(const EpochEvent& e) {
  SlowScope slow("epoch event");
  curves_->addEpoch(e);
  result_.history.push_back(e);
  result_.epochs_run = e.epoch;
  if (e.best) result_.best_epoch = e.epoch;
  epoch_seconds_ = e.seconds;
}

void MainWindow::onSnapshot(const Snapshot& s) {
  SlowScope slow("snapshot");
  filters_->setSnapshot(s);
  boundary_->setSnapshot(s);
  test_grid_->setPredictions(s.predicted, s.confidence);
  if (!s.predicted.empty()) {
    int wrong = test_grid_->misclassifiedCount();
    test_caption_->setText(QString("<b>Test predictions</b> after epoch %1%2: %3 of the first %4 test images misclassified (red)")
                               .arg(s.epoch)
                               .arg(s.final ? " (final model)" : "")
                               .arg(wrong)
                               .arg(s.predicted.size()));
  }
}

void MainWindow::onFinished(const RunResult& r) {
  SlowScope slow("run end");
  result_ = r;
  curves_->flush();
  const QString status = status_name(r.status);
  QString text = "Run " + status;
  // The run's numbers, as every table gives them (train/numbers.h).
  const RunNumbers n = run_numbers(run_config_, r.history, r);
  if (std::isfinite(n.test_accuracy))
    text += QString(" · test accuracy %1% at the selected epoch: %2")
                .arg(100 * n.test_accuracy, 0, 'f', 2)
                .arg(QString::fromStdString(n.selection_text()));
  if (n.selected_epoch != n.final_epoch && std::isfinite(n.final_test_accuracy))
    text += QString(" · final epoch %1%").arg(100 * n.final_test_accuracy, 0, 'f', 2);
  text += " · " + fmt_duration(r.seconds);
  status_label_->setText(text);
  eta_label_->clear();
  const bool bad = r.status == RunStatus::Diverged || r.status == RunStatus::Failed;
  if (bad || r.status == RunStatus::Cancelled || r.status == RunStatus::EarlyStopped)
    curves_->setBanner(status.at(0).toUpper() + status.mid(1) + ": " + QString::fromStdString(r.reason), bad);
  else
    curves_->setBanner(QString(), false);
  if (!r.confusion.empty()) confusion_->setMatrix(r.confusion, class_names_);
  updateActions();
  Q_EMIT runFinished(r);
}

void MainWindow::onDataLoaded(const DataPreview& p) {
  data_ok_ = true, data_error_.clear();
  editor_->setDataStatus(QString::fromStdString(p.summary()) + " found", true);
  QStringList names = names_of(p.class_names);
  if (!controller_->running()) class_names_ = names;
  train_grid_->setImages(p.train_images, names);
  test_grid_->setImages(p.test_images, names);
  boundary_->setData(p);
  if (p.points && !controller_->running()) views_->setTabEnabled(views_->indexOf(boundary_), true);
  updateActions();
}

void MainWindow::exportMetrics() {
  if (result_.history.empty()) {
    QMessageBox::information(this, "Export metrics", "There are no epochs to export yet.");
    return;
  }
  QString f = QFileDialog::getSaveFileName(this, "Export metrics", QString::fromStdString(editor_->config().name) + "-metrics.csv",
                                           "CSV (*.csv)");
  if (f.isEmpty()) return;
  try {
    write_file_atomic(f.toStdString(), metrics_csv(result_));
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Export metrics", QString::fromStdString(e.what()));
  }
}

void MainWindow::exportAllCharts() {
  QString dir = QFileDialog::getExistingDirectory(this, "Export all charts (PNG, SVG, PDF and CSV data)");
  if (dir.isEmpty()) return;
  QStringList errors;
  for (MetricChart* c : curves_->charts()) {
    QString base = c->title().toLower();
    base.replace(QRegularExpression("[^a-z0-9]+"), "-");
    base.remove(QRegularExpression("^-+|-+$"));
    for (const char* ext : {"png", "svg", "pdf", "csv"}) {
      QString err = c->exportTo(QDir(dir).filePath(base + "." + ext));
      if (!err.isEmpty()) errors << err;
    }
  }
  if (!errors.isEmpty()) QMessageBox::warning(this, "Export charts", errors.join("\n"));
  else statusBar()->showMessage("Charts exported to " + dir, 4000);
}

void MainWindow::setPresentation(bool on) {
  if (presentation_->isChecked() != on) presentation_->setChecked(on);
  QFont f = QApplication::font();
  if (on) f.setPointSizeF(f.pointSizeF() * 1.3);
  views_->setFont(f);
  statusBar()->setFont(f);
  curves_->setPresentation(on);
  show_editor_->setChecked(!on);
}

void MainWindow::closeEvent(QCloseEvent* e) {
  controller_->stopAndWait();  // returns after the current batch
  sweep_->controller()->stopAndWait();
  QSettings st;
  st.setValue("window/geometry", saveGeometry());
  st.setValue("window/state", saveState());
  st.setValue("window/splitter", splitter_->saveState());
  e->accept();
}

}  // namespace hyperlab
