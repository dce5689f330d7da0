// hyperlab: the workbench window.
//   hyperlab [CONFIG.json] [--preset NAME] [--train] [--sweep SWEEP.json [--start-sweep]]
//            [--tab NAME] [--sweep-tab NAME] [--screenshot FILE [--after SECONDS] [--title-bar]]
// Without CONFIG.json, --preset or --sweep it opens the last session's experiment (the autosave).
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QPainter>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>

#include "ui/editor/experimenteditor.h"
#include "ui/history/historyview.h"
#include "ui/mainwindow.h"
#include "ui/playground/playgroundview.h"
#include "ui/sweep/sweepview.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("hyperlab");
  QApplication::setOrganizationName("Hyperlab");
  QApplication::setApplicationVersion(HYPERLAB_VERSION);
  QApplication::setWindowIcon(QIcon(":/icons/hyperlab.svg"));

  QCommandLineParser cli;
  cli.setApplicationDescription("Hyperlab: build, train and look inside neural networks.");
  cli.addHelpOption();
  cli.addVersionOption();
  cli.addPositionalArgument("config", "Experiment file to open (JSON, as hyperlab-cli uses).", "[CONFIG.json]");
  QCommandLineOption preset("preset", "Open an embedded preset.", "name");
  QCommandLineOption train("train", "Start training at once.");
  QCommandLineOption shot("screenshot", "Save a picture of the window to FILE, then quit.", "file");
  QCommandLineOption after("after", "Seconds to wait before the screenshot (default 3).", "seconds", "3");
  QCommandLineOption title_bar("title-bar", "Draw the window's title (with its modified mark) above the screenshot.");
  QCommandLineOption tab("tab", "Show this view first: curves, samples, filters, activations, map, confusion, adversarial, sweep, history, playground.", "name");
  QCommandLineOption sweep("sweep", "Open a sweep file in the Sweep view (as hyperlab-cli sweep reads it).", "file");
  QCommandLineOption pg_preset("playground", "Load this preset into the Playground view (see hyperlab-cli playground --list).", "preset");
  QCommandLineOption start_sweep("start-sweep", "Start (or resume) the sweep at once.");
  QCommandLineOption sweep_tab("sweep-tab", "Show this sweep page first: trials, best, setting, parallel, seeds, spread, summary.", "name");
  QCommandLineOption editor_tab("editor-tab", "Show this editor page first: data, model, training.", "name");
  QCommandLineOption select("select-runs", "Select these runs in the History view (comma-separated numbers).", "ids");
  QCommandLineOption present("presentation", "Start in presentation mode (large fonts, editor hidden).");
  cli.addOptions({preset, train, shot, after, title_bar, tab, editor_tab, select, present, sweep, start_sweep, sweep_tab, pg_preset});
  cli.process(app);

  if (!hyperlab::blas_is_optimized())
    std::fprintf(stderr, "hyperlab: %s\n", hyperlab::blas_description().c_str());

  hyperlab::MainWindow w;
  if (cli.isSet(preset)) w.loadPreset(cli.value(preset));
  if (!cli.positionalArguments().isEmpty()) w.openFile(cli.positionalArguments().front());
  // The command line's experiment wins (a sweep file brings its base config).
  if (!cli.isSet(preset) && cli.positionalArguments().isEmpty() && !cli.isSet(sweep)) w.restoreAutosave();
  if (cli.isSet(tab)) {
    const QStringList tabs = {"curves", "samples", "filters", "activations", "map", "confusion", "adversarial", "sweep", "history",
                              "playground"};
    w.views()->setCurrentIndex(std::max(0, static_cast<int>(tabs.indexOf(cli.value(tab)))));
  }
  if (cli.isSet(editor_tab)) {
    const QStringList pages = {"data", "model", "training"};
    w.editor()->tabs()->setCurrentIndex(std::max(0, static_cast<int>(pages.indexOf(cli.value(editor_tab)))));
  }
  if (cli.isSet(sweep) && !w.sweep()->openSweepFile(cli.value(sweep)))
    std::fprintf(stderr, "hyperlab: %s\n", qPrintable(w.sweep()->reason()));
  if (cli.isSet(sweep_tab)) {
    const QStringList pages = {"trials", "best", "setting", "parallel", "seeds", "spread", "summary"};
    w.sweep()->dashboard()->setCurrentIndex(std::max(0, static_cast<int>(pages.indexOf(cli.value(sweep_tab)))));
  }
  if (cli.isSet(start_sweep) && !w.sweep()->start())
    std::fprintf(stderr, "hyperlab: %s\n", qPrintable(w.sweep()->reason()));
  if (cli.isSet(pg_preset)) w.playground()->loadPreset(cli.value(pg_preset));
  if (cli.isSet(select)) {
    std::vector<int64_t> ids;
    for (const QString& id : cli.value(select).split(',', Qt::SkipEmptyParts)) ids.push_back(id.toLongLong());
    w.history()->selectRuns(ids);
  }
  w.show();
  if (cli.isSet(present)) w.setPresentation(true);
  if (cli.isSet(train)) {
    // After the data has loaded (the button is enabled then), or at once if it already has.
    QTimer::singleShot(300, &w, [&w] {
      if (w.trainAction()->isEnabled()) w.trainAction()->trigger();
    });
  }
  if (cli.isSet(shot)) {
    const QString file = cli.value(shot);
    const bool with_title = cli.isSet(title_bar);
    QTimer::singleShot(static_cast<int>(cli.value(after).toDouble() * 1000), &w, [&w, file, with_title] {
      QPixmap picture = w.grab();
      if (with_title) {  // the title as a window manager shows it (offscreen there is none)
        const int h = w.fontMetrics().height() + 12;
        QPixmap framed(picture.width(), picture.height() + h);
        framed.fill(QColor(60, 63, 65));
        QPainter p(&framed);
        p.setPen(Qt::white);
        QString title = w.windowTitle();
        title.replace("[*]", w.isWindowModified() ? "*" : "");
        p.drawText(QRect(0, 0, picture.width(), h), Qt::AlignCenter, title);
        p.drawPixmap(0, h, picture);
        p.end();
        picture = framed;
      }
      if (!picture.save(file)) std::fprintf(stderr, "hyperlab: cannot write %s\n", qPrintable(file));
      w.close();
    });
  }
  return app.exec();
}
