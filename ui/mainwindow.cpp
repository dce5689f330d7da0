#include "ui/mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>

#include "config/config_json.h"
#include "config/presets.h"
#include "store/runstore.h"
#include "train/report.h"
#include "train/trainer.h"
#include "ui/editor/augmentpanel.h"
#include "ui/editor/experimenteditor.h"
#include "ui/history/historyview.h"
#include "ui/playground/playgroundview.h"
#include "ui/run/activationsview.h"
#include "ui/run/adversarialview.h"
#include "ui/run/curvespanel.h"
#include "ui/run/runanimations.h"
#include "ui/run/runcontroller.h"
#include "ui/run/runmodel.h"
#include "ui/run/runstatusbar.h"
#include "ui/run/samplestab.h"
#include "ui/sweep/sweepcontroller.h"
#include "ui/sweep/sweepview.h"
#include "ui/widgets/animation.h"
#include "ui/widgets/background.h"
#include "ui/widgets/chartstyle.h"
#include "ui/widgets/export.h"
#include "ui/widgets/metricchart.h"
#include "ui/widgets/modelexport.h"
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

MainWindow::Unsaved ask_in_message_box(QWidget* parent, const QString& question) {
  QMessageBox box(QMessageBox::Warning, "Unsaved changes", question,
                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, parent);
  box.setDefaultButton(QMessageBox::Save);
  switch (box.exec()) {
    case QMessageBox::Save: return MainWindow::Unsaved::Save;
    case QMessageBox::Discard: return MainWindow::Unsaved::Discard;
    default: return MainWindow::Unsaved::Cancel;
  }
}

// The experiment of an autosave's object ("config" or "saved").
ConfigResult config_of(const QJsonValue& v, const std::string& where) {
  if (!v.isObject()) {
    ConfigResult r;
    r.errors.push_back({"", "no experiment in it"});
    return r;
  }
  return parse_config_text(QJsonDocument(v.toObject()).toJson().toStdString(), where);
}

// Off the GUI thread: an autosave holding unsaved edits of a session that was
// not restored (the command line opened another experiment), or one that
// could not be read (the user was told it was ignored, not lost), is kept
// aside, once, before the first write replaces it. Returns the file it went to, or "".
QString keep_aside(const QString& file) {
  QFile old(file);
  if (!old.open(QIODevice::ReadOnly)) return {};
  const QJsonDocument d = QJsonDocument::fromJson(old.readAll());
  old.close();
  const bool restorable = d.isObject() && config_of(d.object().value("config"), file.toStdString()).ok();
  if (restorable && !d.object().value("modified").toBool()) return {};
  const QString aside = QFileInfo(file).path() + "/autosave-previous.json";
  QFile::remove(aside);
  return QFile::rename(file, aside) ? aside : QString();
}

}  // namespace

QString MainWindow::autosavePath() {
  return QFileInfo(QString::fromStdString(RunStore::default_path())).path() + "/autosave.json";
}

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
  loadPreset("fashion-baseline");  // until restoreAutosave() or the command line gives another
  autosave_.stop();                // the default is not worth a write
  if (!st.contains("window/geometry")) resize(1440, 900);
}

MainWindow::~MainWindow() {
  controller_->stopAndWait();
  autosave_pool_.waitForDone();
}

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
  activations_ = new ActivationsView;  // what each layer makes of one test image
  views_->addTab(activations_, "Activations");
  boundary_ = new BoundaryView;
  views_->addTab(boundary_, "Decision map");
  confusion_ = new ConfusionView;
  views_->addTab(confusion_, "Confusion");
  // The trained weights attacked on the test set (ui/run/adversarialview.h).
  adversarial_ = new AdversarialView;
  views_->addTab(adversarial_, "Adversarial");
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

// The sweep's base config (a sweep file was opened).
void MainWindow::takeConfig(const ExperimentConfig& c) {
  replaceExperiment(c, QString(), QString::fromStdString(c.name) + " (the sweep's base)", "loading the sweep's base config");
}

void MainWindow::newExperiment() {
  const ExperimentConfig fresh;  // a named default: gcc 12 warns (wrongly) on the temporary
  replaceExperiment(fresh, QString(), QString(), "starting a new experiment");
}

bool MainWindow::replaceExperiment(const ExperimentConfig& c, const QString& file, const QString& title,
                                   const QString& doing) {
  if (controller_->running()) {
    statusBar()->showMessage("A run is in progress: stop it before " + doing + ".", 8000);
    return false;
  }
  if (!mayReplaceExperiment(doing)) return false;
  showExperiment(c, file, title.isEmpty() && !file.isEmpty() ? QFileInfo(file).fileName() : title);
  return true;
}

// A different experiment: nothing of the last run stays on screen (edits of
// the same experiment keep its last run's views, to compare with).
void MainWindow::showExperiment(const ExperimentConfig& c, const QString& file, const QString& title) {
  clearRunViews(false);
  model_->clear();
  status_->clear();
  editor_->setConfig(c);
  current_file_ = file;
  setTitle(title);
}

bool MainWindow::mayReplaceExperiment(const QString& doing) {
  if (!editor_->isModified()) return true;
  const QString name = QString::fromStdString(editor_->config().name);
  const QString question = QString("The experiment “%1” has changes that are not saved.\n\nSave them before %2?")
                               .arg(name.isEmpty() ? "untitled" : name, doing);
  const Unsaved choice = ask_unsaved_ ? ask_unsaved_(question) : ask_in_message_box(this, question);
  if (choice == Unsaved::Cancel) return false;
  return choice == Unsaved::Discard || saveNow();
}

// Now, on this thread (a few kilobytes): what replaces the edits waits for
// them to be on disk, and a failed write keeps them in the editor.
bool MainWindow::saveNow() {
  const QString file = current_file_.isEmpty() ? chooseSaveFile() : current_file_;
  return !file.isEmpty() && save(file);
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
    if (replaceExperiment(c, QString(), QString::fromStdString(c.name) + " (from the history)",
                          "taking a run's config from the history"))
      show_editor_->setChecked(true);  // the editor shows the clone (also in presentation mode)
  });
  connect(editor_, &ExperimentEditor::changed, this, &MainWindow::onEdited);
  // The Activations tab's image: picked there or clicked in the Samples tab (double-click: go there).
  connect(activations_, &ActivationsView::imageChanged, controller_, &RunController::setActivationImage);
  controller_->setActivationImage(activations_->image());
  connect(samples_->testImages(), &ImageGridView::imageClicked, activations_, &ActivationsView::setImage);
  connect(samples_->testImages(), &ImageGridView::imageDoubleClicked, this, [this](int i) {
    activations_->setImage(i);
    views_->setCurrentWidget(activations_);
  });
  connect(editor_, &ExperimentEditor::modifiedChanged, this, [this](bool m) {
    setWindowModified(m);
    autosave_.start();
  });
  autosave_.setSingleShot(true);
  autosave_.setInterval(2000);
  autosave_pool_.setMaxThreadCount(1);
  connect(&autosave_, &QTimer::timeout, this, &MainWindow::writeAutosave);
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
    activations_->clearImages("No images: the data did not load.");
    editor_->augmentPanel()->clearImages("No images: the data did not load.");
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
  file->addAction("&New", QKeySequence::New, this, &MainWindow::newExperiment);
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
  file->addAction("Export m&odel (TorchScript, weights)…", this, [this] {
    export_model_interactively(this, QString::fromStdString(controller_->checkpointFile()),
                               QString::fromStdString(model_->config().name));
  });
  file->addAction("Export as &PyTorch script…", this, [this] { export_script_interactively(this, editor_->config()); });
  // Animations of the run for slides: its per-epoch snapshots are recorded
  // (the views keep only the latest), the curves come from the run model.
  auto* animations = new RunAnimations(model_, this);
  animations->setObjectName("runAnimations");
  connect(controller_, &RunController::epochSnapshot, animations, [animations](const Snapshot& s) {
    SlowScope slow("snapshot: animations");
    animations->addSnapshot(s);
  });
  connect(loader_, &DataLoader::loaded, animations, &RunAnimations::setData);
  QMenu* animate = file->addMenu("Export anima&tion");
  QAction* map = animate->addAction("&Decision map over epochs…", this,
                                    [this, animations] { export_animation_interactively(this, animations->decisionMap()); });
  QAction* filters = animate->addAction("&Filters over epochs…", this,
                                        [this, animations] { export_animation_interactively(this, animations->filters()); });
  QAction* curves = animate->addAction("Loss and accuracy &curves…", this,
                                       [this, animations] { export_animation_interactively(this, animations->curves()); });
  connect(animate, &QMenu::aboutToShow, this, [animations, map, filters, curves] {
    map->setEnabled(animations->decisionMap().frames() > 0);
    filters->setEnabled(animations->filters().frames() > 0);
    curves->setEnabled(animations->curves().frames() > 0);
  });
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

bool MainWindow::loadPreset(const QString& name) {
  std::string text = preset_text(name.toStdString());
  ConfigResult r = parse_config_text(text, name.toStdString());
  // Data not downloaded yet (mnist-cnn, cifar10-resnet20): it loads all the same, and the
  // Data page says what is missing beside its Download button.
  const bool only_data = std::all_of(r.errors.begin(), r.errors.end(), [](const ConfigError& e) { return e.path == "data.path"; });
  if (!r.ok() && !only_data) {
    QMessageBox::warning(this, "Preset", QString::fromStdString(r.error_text()));
    return false;
  }
  return replaceExperiment(r.config, QString(), name + " (preset)", "loading the preset “" + name + "”");
}

// A bad file changes nothing and asks nothing.
bool MainWindow::openFile(const QString& file) {
  ConfigResult r = load_config_file(file.toStdString());
  if (!r.ok()) {
    QMessageBox::warning(this, "Cannot open " + QFileInfo(file).fileName(),
                         "The experiment was not loaded; nothing was changed.\n\n" +
                             QString::fromStdString(r.error_text()));
    return false;
  }
  if (!replaceExperiment(r.config, file, QString(), "opening " + QFileInfo(file).fileName())) return false;
  addRecent(file);
  return true;
}

// Written at once, on the GUI thread: a config is a few kilobytes, and the
// experiment must not change between the write and marking it saved (a
// background write finishing after another preset was loaded named that one
// after this file). A failed write keeps the edits and says why.
bool MainWindow::save(const QString& file) {
  const std::string text = config_to_text(editor_->config());
  const QString error = write_bytes(file, QByteArray::fromStdString(text));
  if (!error.isEmpty()) {
    QMessageBox::warning(this, "Save", error + "\n\nYour changes are still in the editor.");
    return false;
  }
  editor_->markSaved(text);
  setCurrentFile(file);
  addRecent(file);
  statusBar()->showMessage("Saved " + file, 3000);
  return true;
}

QString MainWindow::chooseSaveFile() {
  if (choose_file_) return choose_file_();
  QString suggested = QString::fromStdString(editor_->config().name) + ".json";
  return QFileDialog::getSaveFileName(this, "Save experiment", current_file_.isEmpty() ? suggested : current_file_,
                                      "Experiment (*.json)");
}

void MainWindow::saveAs() {
  QString f = chooseSaveFile();
  if (!f.isEmpty()) save(f);
}

void MainWindow::setCurrentFile(const QString& f) {
  current_file_ = f;
  setTitle(f.isEmpty() ? QString() : QFileInfo(f).fileName());
}

// "[*]": Qt shows "*" there while the window is modified (the editor's edits are not saved).
void MainWindow::setTitle(const QString& what) {
  title_ = what;
  setWindowTitle(what.isEmpty() ? "Hyperlab[*]" : "Hyperlab — " + what + "[*]");
  setWindowModified(editor_->isModified());
  autosave_.start();  // the file name and title are part of it
}

// The autosave: the experiment, its file, title and modified state (and, if
// modified, the config it was loaded or saved as). Built here (cheap), written
// off the GUI thread, one write after the other.
void MainWindow::writeAutosave() {
  autosave_.stop();
  QJsonObject o;
  o["autosave"] = 1;
  o["file"] = current_file_;
  o["title"] = title_;
  o["modified"] = editor_->isModified();
  o["config"] = QJsonDocument::fromJson(QByteArray::fromStdString(config_to_text(editor_->config()))).object();
  if (editor_->isModified())
    o["saved"] = QJsonDocument::fromJson(QByteArray::fromStdString(editor_->savedText())).object();
  const QByteArray bytes = QJsonDocument(o).toJson();
  const bool first = !autosave_checked_;
  autosave_checked_ = true;
  run_in_background(
      this,
      [file = autosavePath(), bytes, first]() -> std::pair<QString, QString> {
        QDir().mkpath(QFileInfo(file).path());
        const QString aside = first ? keep_aside(file) : QString();
        return {write_bytes(file, bytes), aside};
      },
      [this](const std::pair<QString, QString>& r) {
        if (!r.first.isEmpty()) statusBar()->showMessage("Autosave failed: " + r.first, 8000);
        else if (!r.second.isEmpty())
          statusBar()->showMessage("The unsaved experiment of the last session is kept in " + r.second, 15000);
      },
      &autosave_pool_);
}

// Read here, once at start-up (a few kilobytes, before the window shows).
bool MainWindow::restoreAutosave() {
  const QString path = autosavePath();
  QFile f(path);
  if (!f.exists()) {
    autosave_checked_ = true;  // nothing to keep
    return false;
  }
  QString why;
  QJsonObject o;
  ConfigResult r;
  if (!f.open(QIODevice::ReadOnly)) {
    why = f.errorString();
  } else {
    QJsonParseError pe;
    const QJsonDocument d = QJsonDocument::fromJson(f.readAll(), &pe);
    if (!d.isObject()) {
      why = d.isNull() ? pe.errorString() : "not a JSON object";
    } else {
      o = d.object();
      r = config_of(o.value("config"), path.toStdString());
      if (!r.ok()) why = QString::fromStdString(r.error_text());
    }
  }
  // On the status line, not as a temporary message: at start-up (the window
  // not shown yet) QStatusBar would draw one over the line.
  if (!why.isEmpty()) {
    status_->setText("The last session's autosave was ignored: " + path + " cannot be read (" + why.trimmed() + ")");
    return false;
  }
  autosave_checked_ = true;
  const QString file = o.value("file").toString();
  const bool modified = o.value("modified").toBool();
  if (!modified && !file.isEmpty()) {  // the file as it is now: it may have changed since
    ConfigResult now = load_config_file(file.toStdString());
    if (now.ok()) r = now;
  }
  showExperiment(r.config, file, o.value("title").toString());
  if (modified) {
    const ConfigResult saved = config_of(o.value("saved"), "saved");
    editor_->markSaved(saved.ok() ? config_to_text(saved.config) : std::string());  // "": modified until saved
  }
  status_->setText(editor_->isModified() ? "The last session's experiment is back, with its unsaved changes"
                                          : "The last session's experiment is back");
  return true;
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
  refreshActivations();
  data_debounce_.start();
  autosave_.start();
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

// What the last run showed: the curves and their banner, the filters, the
// decision map, the confusion matrix and the test predictions (an evaluation
// keeps the curves, the filters and the map: it trains no epoch).
void MainWindow::clearRunViews(bool keep_curves) {
  if (!keep_curves) {
    curves_->reset();
    filters_->clear();
    boundary_->clear();
  }
  confusion_->clear();
  samples_->clearPredictions();
  adversarial_->clear("Train a run on images (or Evaluate one in the History): its trained weights are attacked here "
                      "once it has ended.");
}

// Clears what the last run showed before another starts.
void MainWindow::prepareViews(const ExperimentConfig& c, int epochs, const QString& status, bool keep_curves) {
  clearRunViews(keep_curves);
  model_->begin(c, epochs);
  status_->clear(status);
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
  if (!mayReplaceExperiment(QString("resuming run %1").arg(id))) return false;
  // A run that already reached its epochs trains as many again.
  if (done >= c.training.epochs) c.training.epochs = done + c.training.epochs;
  editor_->setConfig(c);
  current_file_.clear();  // Save must not write the run's config over the file that was open
  setTitle(QString::fromStdString(c.name) + QString(" (run %1, resumed)").arg(id));
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
  if (model_->starts() > 1) curves_->reset();  // the fine-tuning after the pretraining it trained first
  activations_->runStarted();
  curves_->start(s);
  status_->started(s);
  if (s.blas.rfind("WARNING", 0) == 0) curves_->setBanner(QString::fromStdString(s.blas), true);
  else if (!s.data_note.empty()) curves_->setBanner("Data: " + QString::fromStdString(s.data_note), true);  // images skipped
  else if (!s.transfer.empty()) curves_->setTransferLog(s.transfer);  // what init_from mapped, the frozen blocks
}

void MainWindow::onSnapshot(const Snapshot& s) {
  SlowScope slow("snapshot");
  { SlowScope part("snapshot: filters"); filters_->setSnapshot(s); }
  { SlowScope part("snapshot: boundary"); boundary_->setSnapshot(s); }
  { SlowScope part("snapshot: samples"); samples_->setSnapshot(s); }
  { SlowScope part("snapshot: activations"); activations_->setSnapshot(s); }
}

void MainWindow::onFinished(const RunResult& r) {
  SlowScope slow("run end");
  curves_->flush();
  status_->finished(model_->config(), r);
  const QString status = status_name(r.status);
  const bool bad = r.status == RunStatus::Diverged || r.status == RunStatus::Failed;
  if (bad || r.status == RunStatus::Cancelled || r.status == RunStatus::EarlyStopped)
    curves_->setBanner(status.at(0).toUpper() + status.mid(1) + ": " + QString::fromStdString(r.reason), bad);
  else if (!r.info.transfer.empty())
    curves_->setTransferLog(r.info.transfer);  // where the weights came from stays in view
  else
    curves_->setBanner(QString(), false);
  if (!r.confusion.empty()) confusion_->setMatrix(r.confusion, class_names_);
  // The weights the run ended with (or an evaluation read), for the Adversarial tab.
  const QString checkpoint = QString::fromStdString(controller_->checkpointFile());
  if (r.epochs_run > 0 && !checkpoint.isEmpty() && QFileInfo::exists(checkpoint))
    adversarial_->setSource(checkpoint, QString::fromStdString(model_->config().name), loader_->dataFor(model_->config()));
  else
    adversarial_->clear(r.epochs_run > 0 ? "This run kept no checkpoint (training.checkpoint_every is 0): nothing to attack."
                                         : "The run ended before its first epoch: nothing to attack.");
  const bool kept = r.epochs_run > 0 && !checkpoint.isEmpty() && QFileInfo::exists(checkpoint);
  activations_->runFinished(model_->config(), loader_->dataFor(model_->config()), kept ? checkpoint : QString());
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
  if (p.points) activations_->clearImages("This dataset is 2-D points: the Activations tab shows layers' outputs for images.");
  else activations_->setImages(p.test_images, names);
  refreshActivations();
  if (p.points) editor_->augmentPanel()->clearImages("Point data: augmentation is for images.");
  else editor_->augmentPanel()->setImages(p.train_images);
  boundary_->setData(p);
  if (p.points && !controller_->running()) views_->setTabEnabled(views_->indexOf(boundary_), true);
  updateActions();
}

void MainWindow::refreshActivations() {
  if (controller_->running()) return;
  const ConfigResult r = check_config(editor_->config());
  if (!r.ok()) return activations_->previewProblem(QString::fromStdString(r.errors.front().str()));
  activations_->previewConfig(r.config, loader_->dataFor(r.config));
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

// Presentation mode is how a class sees the workbench: full screen, the
// editor out of the way, and every view's text (tick labels, legends, hints,
// tables) presentationScale() times larger. Views and charts take their fonts
// from their widget, so setting the views' font is enough. Esc or F5 leaves,
// restoring the window's state, geometry and editor as they were.
void MainWindow::setPresentation(bool on) {
  if (presentation_->isChecked() != on) return presentation_->setChecked(on);  // toggled() calls back
  if (on == presented_.on) return;
  if (!leave_presentation_) {
    leave_presentation_ = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(leave_presentation_, &QShortcut::activated, this, [this] { setPresentation(false); });
  }
  leave_presentation_->setEnabled(on);
  presented_.on = on;
  const Qt::WindowStates placement = Qt::WindowMinimized | Qt::WindowMaximized | Qt::WindowFullScreen;
  if (on) {
    presented_.state = windowState() & placement;
    presented_.geometry = normalGeometry();
    presented_.editor = show_editor_->isChecked();
    scalePresentationFonts(presentationScale());
    curves_->setPresentation(true);
    adversarial_->setPresentation(true);
    show_editor_->setChecked(false);
    setWindowState((windowState() & ~Qt::WindowMinimized) | Qt::WindowFullScreen);
  } else {
    setWindowState((windowState() & ~placement) | presented_.state);
    if (!(presented_.state & placement) && presented_.geometry.isValid()) setGeometry(presented_.geometry);
    curves_->setPresentation(false);
    adversarial_->setPresentation(false);
    scalePresentationFonts(1);
    show_editor_->setChecked(presented_.editor);
  }
}

// Readable from the back of a classroom: 1.5 times the usual size on a
// 1080-pixel-high screen or smaller, up to twice it on a taller one.
double MainWindow::presentationScale() const {
  const QScreen* s = screen();
  const int height = s ? s->geometry().height() : 1080;
  return std::clamp(height / 720.0, 1.5, 2.0);
}

void MainWindow::scalePresentationFonts(double factor) {
  // As they were: the fonts and rows changed below.
  for (auto& [w, f] : presented_.fonts)
    if (w) w->setFont(f);
  for (auto& [header, height] : presented_.row_heights)
    if (header) header->setDefaultSectionSize(height);
  presented_.fonts.clear(), presented_.row_heights.clear();
  QList<QWidget*> scaled_widgets = {views_, statusBar()};
  if (auto* tb = findChild<QToolBar*>("runToolbar")) scaled_widgets << tb;
  for (QWidget* w : scaled_widgets) w->setFont(factor == 1 ? QFont() : scaled_font(font(), factor));  // QFont(): the window's
  if (factor == 1) return;
  for (QWidget* w : scaled_widgets)
    for (QWidget* c : w->findChildren<QWidget*>()) {
      // A widget with a style sheet of its own (a coloured hint, a banner)
      // takes no font from a parent without one (Qt's style sheets keep
      // theirs): scaled itself.
      if (!c->styleSheet().isEmpty() && !c->parentWidget()->testAttribute(Qt::WA_StyleSheet))
        presented_.fonts.push_back({c, c->font()}), c->setFont(scaled_font(c->font(), factor));
      // Table rows have a height of their own, not the font's: as much taller as the text.
      auto* header = qobject_cast<QHeaderView*>(c);
      if (header && header->orientation() == Qt::Vertical) {
        const int old = header->defaultSectionSize();
        presented_.row_heights.push_back({header, old});
        header->setDefaultSectionSize(std::max(old, header->fontMetrics().height() + 8));
      }
    }
}

// No question on closing: the autosave keeps the experiment, unsaved edits
// too, and the next start restores it.
void MainWindow::closeEvent(QCloseEvent* e) {
  setPresentation(false);  // the window's own geometry and state are the ones to remember
  controller_->stopAndWait();  // returns after the current batch
  sweep_->controller()->stopAndWait();
  writeAutosave();
  autosave_pool_.waitForDone();
  QSettings st;
  st.setValue("window/geometry", saveGeometry());
  st.setValue("window/state", saveState());
  st.setValue("window/splitter", splitter_->saveState());
  e->accept();
}

}  // namespace hyperlab
