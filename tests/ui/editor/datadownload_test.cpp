// The Data page's Download button: shown for a dataset that is not there yet,
// gone once it is, and a failed download says why in place (no internet: the
// mirrors are a closed local port).
#include <gtest/gtest.h>

#include <QComboBox>
#include <QPushButton>
#include <QTest>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "data/download.h"
#include "ui/editor/datadownload.h"
#include "ui/editor/experimenteditor.h"

using namespace hyperlab;

TEST(DataDownload, TheButtonShowsUntilTheDatasetIsThereAndAFailureSaysWhy) {
  TempDir xdg;
  const char* was = std::getenv("XDG_DATA_HOME");
  const std::string before = was ? was : "";
  setenv("XDG_DATA_HOME", xdg.path.c_str(), 1);
  setenv("HYPERLAB_DATASET_MIRRORS", "http://127.0.0.1:1/", 1);
  {
    ExperimentEditor e;
    e.show();
    ExperimentConfig c = e.config();
    c.data.dataset = "mnist", c.data.path.clear();
    e.setConfig(c);
    DatasetDownloadRow* row = e.downloadRow();
    EXPECT_TRUE(row->isVisibleTo(&e));
    EXPECT_FALSE(e.valid()) << "mnist without a folder and not downloaded";
    // A download that cannot reach its mirror: the cause, in place.
    QTest::mouseClick(row->button(), Qt::LeftButton);
    for (int i = 0; i < 500 && row->busy(); ++i) QTest::qWait(10);
    EXPECT_FALSE(row->busy());
    EXPECT_NE(row->statusText().indexOf("cannot connect to 127.0.0.1:1"), -1) << row->statusText().toStdString();
    if (const char* shots = std::getenv("HYPERLAB_SCREENSHOTS")) {
      e.resize(520, 700);
      e.tabs()->setCurrentIndex(0);
      QTest::qWait(50);
      e.grab().save(QString(shots) + "/editor-data-download.png");
    }
    // Files in place (as a download leaves them): the button goes and the config is valid.
    const std::string folder = download_folder("mnist");
    std::filesystem::create_directories(folder);
    for (const std::string& f : dataset_download("mnist")->contents) std::ofstream(folder + "/" + f) << "x";
    c.training.epochs = 3;  // any edit makes the editor look again
    e.setConfig(c);
    EXPECT_FALSE(row->isVisibleTo(&e));
    EXPECT_TRUE(e.valid()) << e.problems().join("; ").toStdString();
    // fashion-mnist ships in Debian: no button.
    c.data.dataset = "fashion-mnist";
    e.setConfig(c);
    EXPECT_FALSE(row->isVisibleTo(&e));
  }
  unsetenv("HYPERLAB_DATASET_MIRRORS");
  if (was) setenv("XDG_DATA_HOME", before.c_str(), 1);  // the process's own (main's fake downloads)
  else unsetenv("XDG_DATA_HOME");
}
