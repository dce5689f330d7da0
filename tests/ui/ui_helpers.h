// Shared by the window tests: presets as configs, waiting on the event loop,
// clicking Train, and two runs (a quick one and one long enough to stop).
#pragma once

#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QTest>
#include <QToolBar>

#include "common/fake_downloads.h"
#include "config/config_json.h"
#include "config/presets.h"
#include "ui/history/historyview.h"
#include "ui/mainwindow.h"

namespace hyperlab::ui_test {

// mnist and cifar10 presets read the download folder: main() points
// XDG_DATA_HOME at a FakeDownloads folder for the whole process, before any
// window exists (a window's autosave and history live there too).
inline ExperimentConfig preset(const std::string& name) {
  ConfigResult r = parse_config_text(preset_text(name), name);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

// Waits (running the event loop) until pred() or the timeout; returns pred().
template <class F>
inline bool wait_for(F pred, int ms = 60000) {
  QElapsedTimer t;
  t.start();
  while (!pred() && t.elapsed() < ms) QTest::qWait(10);
  return pred();
}

// Waits until the History view has every read and change it was asked for back.
inline bool settled(const HistoryView& h) { return wait_for([&] { return !h.busy(); }, 30000); }

inline void click_train(MainWindow& w) {
  auto* tb = w.findChild<QToolBar*>("runToolbar");
  ASSERT_TRUE(tb);
  QWidget* button = tb->widgetForAction(w.trainAction());
  ASSERT_TRUE(button);
  ASSERT_TRUE(button->isEnabled()) << w.trainBlockedReason().toStdString();
  QTest::mouseClick(button, Qt::LeftButton);
}

// A short, quick run on 2-D points.
inline ExperimentConfig quick_spirals(int epochs) {
  ExperimentConfig c = preset("spirals");
  c.training.epochs = epochs;
  c.data.synthetic.samples = 600;
  return c;
}

// A run whose epochs are long enough to stop in the middle of one.
inline ExperimentConfig long_run() {
  ExperimentConfig c = preset("spirals");
  c.data.synthetic.kind = "blobs";
  c.data.synthetic.classes = 3;
  c.data.synthetic.samples = 400000;
  c.training.batch_size = 4;
  c.training.epochs = 50;
  return c;
}


}  // namespace hyperlab::ui_test
