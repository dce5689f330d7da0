#include "ui/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include "config/config_json.h"
#include "config/presets.h"
#include "store/runstore.h"
#include "train/report.h"
#include "train/trainer.h"
#include "ui/editor/experimenteditor.h"
#include "ui/history/historyview.h"
#include "ui/playground/playgroundview.h"
#include "ui/run/curvespanel.h"
#include "ui/run/runcontroller.h"
#include "ui/run/runmodel.h"
#include "ui/run/runstatusbar.h"
#include "ui/run/samplestab.h"
#include "ui/sweep/sweepcontroller.h"
#include "ui/sweep/sweepview.h"
#include "ui/widgets/background.h"
#include "ui/widgets/export.h"
#include "ui/widgets/metricchart.h"
#include "ui/widgets/pictureviews.h"
#include "ui/widgets/slowscope.h"

namespace hyperlab {

namespace {

QStringList names_of(const std::vector<std::string>& v) {
  QStringList out;
  for (const auto& s : v) out << QString::fromStdString(s);
  return out;
}

QString checkpoint_folder(const QString& db_path) { return QFileInfo(db_path).path() + "/checkpoints"; }

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("Hyperlab");
  controller_ = new RunController(this);
  loader_ = new DataLoader(this);
  model_ = new RunModel(this);
  buildViews();
  buildToolbar();
  status_ = new RunStatusBar(statusBar());
  buildMenus();
  connectViews();
  connectRun();

  QSettings st;
  db_path_ = st.value("history/database", QString::fromStdString(RunStore::default_path())).toString();
  prepareDatabase(db_path_);
  history_->openDatabase(db_path_);
  sweep_->setDatabasePath(db_path_);
  controller_->setCheckpointFolder(checkpoint_folder(db_path_).toStdString());
  restoreGeometry(st.value("window/geometry").toByteArray());
  restoreState(st.value("window/state").toByteArray());
  splitter_->restoreState(st.value("window/splitter").toByteArray());
  loadPreset("fashion-baseline");
  if (!st.contains("window/geometry")) resize(1440, 900);
}

MainWindow::~MainWindow() { controller_->stopAndWait(); }

// Creates or upgrades the database once, here, before the History's, the
// sweep's and the runs' connections open it on their threads: two connections
// creating a new file's schema at once collide ("table sweeps already
// exists"). Opening an existing, current database only reads its version.
void MainWindow::prepareDatabase(const QString& path) {
  try {
    RunStore store(path.toStdString());
  } catch (const std::exception&) {
    // The History view says why when it opens it.
  }
}

// The editor on the left, the views as tabs on the right.
void MainWindow::buildViews() {
  editor_ = new ExperimentEditor;
  auto* left = new QWidget;
  auto* lv = new QVBoxLayout(left);
  lv->setContentsMargins(4, 4, 0, 4);
  lv->addWidget(editor_);

  views_ = new QTabWidget;
  curves_ = new CurvesPanel;
  views_->addTab(curves_, "Curves");
  samples_ = new SamplesTab;
  views_->addTab(samples_, "Samples");
  filters_ = new FilterView;
  views_->addTab(filters_, "Filters");
  boundary_ = new BoundaryView;
  views_->addTab(boundary_, "Decision map");
  confusion_ = new ConfusionView;
  views_->addTab(confusion_, "Confusion");
  sweep_ = new SweepView;
  views_->addTab(sweep_, "Sweep");
  history_ = new HistoryView;
  views_->addTab(history_, "History");
  playground_ = new PlaygroundView;
  views_->addTab(playground_, "Playground");

  // The picture views export like the charts: right-click, PNG/SVG/PDF.
  const std::pair<QWidget*, QString> pictures[] = {{filters_, "filters"}, {boundary_, "decision-map"},
                                                   {confusion_, "confusion-matrix"}};
  for (const auto& [view, name] : pictures) {
    QWidget* v = view;
    install_export_menu(v, {"picture", name, false, [v, name = name](const QString& ext) {
                              return render_widget(v, ext, name);
                            }});
  }

  splitter_ = new QSplitter;
  splitter_->addWidget(left);
  splitter_->addWidget(views_);
  splitter_->setStretchFactor(0, 0);
  splitter_->setStretchFactor(1, 1);
  // The editor starts as wide as its forms need and the views take the rest;
  // it never gets narrower (nor collapses), even from a restored state.
  splitter_->setCollapsible(0, false);
  const int editor_width = left->minimumSizeHint().width();
  splitter_->setSizes({editor_width, qMax(600, 1440 - editor_width)});
  setCentralWidget(splitter_);
}

void MainWindow::buildToolbar() {
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
}

void MainWindow::takeConfig(const ExperimentConfig& c) {
  if (controller_->running()) return;
  editor_->setConfig(c);
  setCurrentFile(QString());
}

// The editor, the data loader, the sweep and the history.
void MainWindow::connectViews() {
  connect(sweep_, &SweepView::baseConfigLoaded, this, &MainWindow::takeConfig);
  connect(sweep_, &SweepView::status, this, [this](const QString& t) { statusBar()->showMessage(t, 8000); });
  connect(sweep_, &SweepView::sweepFinished, history_, &HistoryView::refresh);
  connect(history_, &HistoryView::resumeRequested, this, &MainWindow::resumeRun);
  connect(history_, &HistoryView::databaseChosen, this, [this](const QString& path) {
    QString err = useDatabase(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Run history", err);
  });
  connect(history_, &HistoryView::evaluateRequested, this, &MainWindow::evaluateRun);
  connect(history_, &HistoryView::cloneRequested, this, [this](const ExperimentConfig& c) {
    if (controller_->running()) return;
    takeConfig(c);
    setWindowTitle("Hyperlab — " + QString::fromStdString(c.name) + " (from the history)");
    splitter_->widget(0)->setVisible(true);
  });
  connect(editor_, &ExperimentEditor::changed, this, &MainWindow::onEdited);
  data_debounce_.setSingleShot(true);
  data_debounce_.setInterval(250);
  connect(&data_debounce_, &QTimer::timeout, this, [this] {
    ConfigResult r = check_config(editor_->config());
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
    samples_->clearImages();
    updateActions();
  });
}

// Controller -> run model -> views: the model holds the history and replays a resumed run's.
void MainWindow::connectRun() {
  connect(controller_, &RunController::started, model_, &RunModel::addStart);
  connect(controller_, &RunController::batches, model_, &RunModel::addBatches);
  connect(controller_, &RunController::epoch, model_, &RunModel::addEpoch);
  connect(controller_, &RunController::finished, model_, &RunModel::finish);
  connect(controller_, &RunController::recorded, model_, &RunModel::record);
  connect(controller_, &RunController::snapshot, this, &MainWindow::onSnapshot);
  connect(model_, &RunModel::started, this, &MainWindow::onStarted);
  connect(model_, &RunModel::batches, this, [this](const std::vector<BatchEvent>& b) {
    SlowScope slow("batch events");
    curves_->addBatches(b);
    status_->progress(b.back(), model_->epochs(), model_->secondsLeft(b.back()));
  });
  connect(model_, &RunModel::epoch, this, [this](const EpochEvent& e) {
    SlowScope slow("epoch event");
    curves_->addEpoch(e);
  });
  connect(model_, &RunModel::finished, this, &MainWindow::onFinished);
  connect(model_, &RunModel::recorded, this, &MainWindow::onRecorded);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&New", QKeySequence::New, this, [this] {
    const ExperimentConfig fresh;  // a named default: gcc 12 warns (wrongly) on the temporary
    editor_->setConfig(fresh);
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
  // The playground needs no experiment: its tab gets the editor's room.
  auto show_left = [this] {
    splitter_->widget(0)->setVisible(show_editor_->isChecked() && views_->currentWidget() != playground_);
  };
  connect(show_editor_, &QAction::toggled, this, show_left);
  connect(views_, &QTabWidget::currentChanged, this, show_left);
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

// Written off the GUI thread; the file becomes the current one once it is there.
void MainWindow::save(const QString& file) {
  write_in_background(this, file, QByteArray::fromStdString(config_to_text(editor_->config())),
                      [this, file](const QString& error) {
                        if (!error.isEmpty()) return (void)QMessageBox::warning(this, "Save", error);
                        setCurrentFile(file);
                        addRecent(file);
                        statusBar()->showMessage("Saved " + file, 3000);
                      });
}

void MainWindow::saveAs() {
  QString suggested = QString::fromStdString(editor_->config().name) + ".json";
  QString f = QFileDialog::getSaveFileName(this, "Save experiment",
                                           current_file_.isEmpty() ? suggested : current_file_,
                                           "Experiment (*.json)");
  if (!f.isEmpty()) save(f);
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
  status_->setRunning(running);
  editor_->setLocked(running);
}

bool MainWindow::running() const { return controller_->running(); }
QString MainWindow::statusText() const { return status_->text(); }
const RunResult& MainWindow::lastResult() const { return model_->result(); }
ImageGridView* MainWindow::trainImages() const { return samples_->trainImages(); }
ImageGridView* MainWindow::testImages() const { return samples_->testImages(); }

// Clears what the last run showed before another starts (an evaluation keeps
// the curves: it trains no epoch).
void MainWindow::prepareViews(const ExperimentConfig& c, int epochs, const QString& status, bool keep_curves) {
  if (!keep_curves) {
    curves_->reset();
    filters_->clear();
    boundary_->clear();
  }
  confusion_->clear();
  samples_->clearPredictions();
  model_->begin(c, epochs);
  status_->setText(status);
}

void MainWindow::startRun() {
  if (!trainBlockedReason().isEmpty()) return;
  ConfigResult r = check_config(editor_->config());  // resolved, as a file would be
  if (!r.ok()) return;
  prepareViews(r.config, r.config.training.epochs, "Starting…", false);
  has_result_ = true;
  last_run_id_ = 0;
  status_->starting(r.config.training.epochs);
  controller_->start(r.config, loader_->dataFor(r.config), db_path_.toStdString());
  updateActions();
}

QString MainWindow::useDatabase(const QString& path) {
  if (controller_->running()) return "Wait for the run to end before switching the run history.";
  try {
    RunStore store(path.toStdString());
    // The last run, kept in memory because the old history could not take it.
    const RunResult& result = model_->result();
    if (last_run_id_ == 0 && has_result_ && result.status != RunStatus::Running && !result.history.empty()) {
      ExperimentConfig c = check_config(editor_->config()).config;
      RunRecorder rec(store, c);
      rec.on_start(result.info);
      for (const EpochEvent& e : result.history) rec.on_epoch(e);
      rec.on_finish(result);
      if (!rec.error().empty()) return QString::fromStdString(rec.error());
      last_run_id_ = rec.run_id();
    }
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  db_path_ = path;
  QSettings().setValue("history/database", path);
  controller_->setCheckpointFolder(checkpoint_folder(db_path_).toStdString());
  history_->openDatabase(path);
  sweep_->setDatabasePath(path);
  return {};
}

// A checkpoint's config and epoch, or a message box saying why it cannot be read.
bool MainWindow::readCheckpoint(const QString& file, const QString& title, ExperimentConfig& c, int& epoch) {
  if (controller_->running() || file.isEmpty()) return false;
  try {
    c = checkpoint_config(file.toStdString());
    epoch = checkpoint_epoch(file.toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, title, QString::fromStdString(e.what()));
    return false;
  }
  return true;
}

bool MainWindow::resumeRun(qint64 id, const QString& checkpoint) {
  ExperimentConfig c;
  int done = 0;
  if (!readCheckpoint(checkpoint, "Resume", c, done)) return false;
  // A run that already reached its epochs trains as many again.
  if (done >= c.training.epochs) c.training.epochs = done + c.training.epochs;
  editor_->setConfig(c);
  prepareViews(c, c.training.epochs, QString("Resuming run %1 after epoch %2…").arg(id).arg(done), false);
  model_->readEarlierHistory(db_path_, id, done);  // drawn first, read off the GUI thread
  controller_->resume(c, loader_->dataFor(c), db_path_.toStdString(), id, checkpoint.toStdString());
  views_->setCurrentWidget(curves_);
  updateActions();
  return true;
}

bool MainWindow::evaluateRun(qint64 id, const QString& checkpoint) {
  ExperimentConfig c;
  int done = 0;
  if (!readCheckpoint(checkpoint, "Evaluate", c, done)) return false;
  c.training.epochs = done;  // nothing to train: only the final evaluation runs
  prepareViews(c, done, QString("Evaluating run %1 (weights after epoch %2) on the test set…").arg(id).arg(done), true);
  // No database: an evaluation is not a new run.
  controller_->resume(c, loader_->dataFor(c), std::string(), 0, checkpoint.toStdString());
  views_->setCurrentIndex(views_->indexOf(confusion_));
  updateActions();
  return true;
}

void MainWindow::togglePause() {
  if (controller_->paused()) {
    controller_->resume();
    status_->setText("Training");
  } else {
    controller_->pause();
    status_->setText("Paused (after the current batch)");
  }
  updateActions();
}

void MainWindow::onStarted(const RunStart& s) {
  class_names_ = names_of(s.class_names);
  curves_->start(s);
  status_->started(s);
  if (s.blas.rfind("WARNING", 0) == 0) curves_->setBanner(QString::fromStdString(s.blas), true);
}

void MainWindow::onSnapshot(const Snapshot& s) {
  SlowScope slow("snapshot");
  filters_->setSnapshot(s);
  boundary_->setSnapshot(s);
  samples_->setSnapshot(s);
}

void MainWindow::onFinished(const RunResult& r) {
  SlowScope slow("run end");
  curves_->flush();
  status_->finished(model_->config(), r);
  const QString status = status_name(r.status);
  const bool bad = r.status == RunStatus::Diverged || r.status == RunStatus::Failed;
  if (bad || r.status == RunStatus::Cancelled || r.status == RunStatus::EarlyStopped)
    curves_->setBanner(status.at(0).toUpper() + status.mid(1) + ": " + QString::fromStdString(r.reason), bad);
  else
    curves_->setBanner(QString(), false);
  if (!r.confusion.empty()) confusion_->setMatrix(r.confusion, class_names_);
  updateActions();
  Q_EMIT runFinished(r);
}

void MainWindow::onRecorded(qint64 id, const QString& error) {
  last_run_id_ = id;
  history_->refresh();
  if (id > 0) status_->setText(status_->text() + QString(" · run %1 in the history").arg(id));
  else if (!error.isEmpty())
    curves_->setBanner("Not recorded in the run history: " + error + " (export the metrics as CSV to keep them)", true);
}

void MainWindow::onDataLoaded(const DataPreview& p) {
  data_ok_ = true, data_error_.clear();
  editor_->setDataStatus(QString::fromStdString(p.summary()) + " found", true);
  QStringList names = names_of(p.class_names);
  if (!controller_->running()) class_names_ = names;
  samples_->setImages(p, names);
  boundary_->setData(p);
  if (p.points && !controller_->running()) views_->setTabEnabled(views_->indexOf(boundary_), true);
  updateActions();
}

void MainWindow::exportMetrics() {
  if (model_->result().history.empty()) {
    QMessageBox::information(this, "Export metrics", "There are no epochs to export yet.");
    return;
  }
  QString f = QFileDialog::getSaveFileName(this, "Export metrics", QString::fromStdString(editor_->config().name) + "-metrics.csv",
                                           "CSV (*.csv)");
  if (f.isEmpty()) return;
  write_in_background(this, f, QByteArray::fromStdString(metrics_csv(model_->result())), [this](const QString& err) {
    if (!err.isEmpty()) QMessageBox::warning(this, "Export metrics", err);
  });
}

// Every chart in every format: drawn here, written off the GUI thread.
void MainWindow::exportAllCharts() {
  QString dir = QFileDialog::getExistingDirectory(this, "Export all charts (PNG, SVG, PDF and CSV data)");
  if (dir.isEmpty()) return;
  std::vector<std::pair<QString, ExportFile>> files;
  for (MetricChart* c : curves_->charts())
    for (const char* ext : {"png", "svg", "pdf", "csv"})
      files.push_back({QDir(dir).filePath(file_name_of(c->title()) + "." + ext), c->exportFile(ext)});
  write_all_in_background(this, std::move(files), [this, dir](const QStringList& errors) {
    if (!errors.isEmpty()) QMessageBox::warning(this, "Export charts", errors.join("\n"));
    else statusBar()->showMessage("Charts exported to " + dir, 4000);
  });
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
