// File > Export model… and File > Export as PyTorch script… in the window:
// the dialogs answered as a user does, the files written by core.
#include <gtest/gtest.h>

#include <QApplication>
#include <QFile>
#include <QFileDialog>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>

#include "ui/editor/experimenteditor.h"
#include "ui/mainwindow.h"
#include "ui/widgets/modelexport.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

QAction* file_action(MainWindow& w, const QString& text) {
  for (QAction* a : w.menuBar()->actions())
    if (a->menu() && a->text().remove('&') == "File")
      for (QAction* b : a->menu()->actions())
        if (b->text().remove('&') == text) return b;
  return nullptr;
}

// Triggers `a`, typing `target` into the file dialog; returns the message box's text ("" if none).
QString trigger_with_file(QAction* a, const QString& target, const std::function<bool()>& written) {
  QString message;
  bool dialog = false;
  QTimer poll;
  QObject::connect(&poll, &QTimer::timeout, [&] {
    QWidget* m = QApplication::activeModalWidget();
    if (auto* fd = qobject_cast<QFileDialog*>(m)) {
      dialog = true;
      fd->selectFile(target);
      if (auto* name = fd->findChild<QLineEdit*>("fileNameEdit")) name->setText(target);
      QMetaObject::invokeMethod(fd, "accept");
    } else if (auto* box = qobject_cast<QMessageBox*>(m)) {
      message = box->text();
      box->accept();
    }
  });
  poll.start(20);
  a->trigger();
  wait_for([&] { return !message.isEmpty() || (dialog && written()); }, 30000);
  QTest::qWait(200);
  return message;
}

}  // namespace

TEST(ModelExportMenu, TheWindowExportsTheScriptAndTheTrainedModel) {
  QTemporaryDir dir;
  MainWindow w;
  w.show();
  w.editor()->setConfig(quick_spirals(2));
  QAction* script = file_action(w, "Export as PyTorch script…");
  QAction* model = file_action(w, "Export model (TorchScript, weights)…");
  ASSERT_TRUE(script && model);
  if (!qEnvironmentVariableIsEmpty("HYPERLAB_MENU_OUT")) {  // a picture of the File menu, to look at
    QMenu* file = qobject_cast<QMenu*>(script->parent());
    file->popup(w.mapToGlobal(QPoint(0, 20)));
    QTest::qWait(200);
    file->grab().save(qEnvironmentVariable("HYPERLAB_MENU_OUT") + "/file-menu.png");
    file->hide();
  }

  // Before a run there are no weights: a message says so, nothing is asked.
  EXPECT_NE(trigger_with_file(model, dir.filePath("early.pt"), [] { return false; }).indexOf("no trained weights"), -1);

  const QString py = dir.filePath("spirals.py");
  EXPECT_EQ(trigger_with_file(script, py, [&] { return QFile::exists(py); }), "");
  QFile f(py);
  ASSERT_TRUE(f.open(QIODevice::ReadOnly));
  const QString text = QString::fromUtf8(f.readAll());
  EXPECT_NE(text.indexOf("def build_model():"), -1);
  EXPECT_NE(text.indexOf("torch.optim.Adam(params, lr=0.01"), -1) << text.left(400).toStdString();

  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  const QString pt = dir.filePath("spirals.pt");
  const QString message = trigger_with_file(model, pt, [] { return false; });
  EXPECT_NE(message.indexOf("Wrote the weights of epoch"), -1) << message.toStdString();
  EXPECT_TRUE(QFile::exists(pt));
  EXPECT_TRUE(QFile::exists(dir.filePath("spirals.pth")));
}
