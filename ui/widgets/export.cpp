#include "ui/widgets/export.h"

#include <QBuffer>
#include <QChartView>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPdfWriter>
#include <QPointer>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <QWidget>

#include "ui/widgets/background.h"
#include "ui/widgets/chartstyle.h"

namespace hyperlab {

ExportFile render_picture(const QString& ext, QSize size, const QString& title, const PaintFn& paint) {
  ExportFile out;
  QBuffer buffer(&out.bytes);
  buffer.open(QIODevice::WriteOnly);
  const QRectF page(QPointF(0, 0), size);
  QPainter p;
  if (ext == "png") {
    QImage img(size * 2, QImage::Format_ARGB32);
    img.setDevicePixelRatio(2);
    img.fill(Qt::white);
    p.begin(&img);
    paint(p, page);
    p.end();
    if (!img.save(&buffer, "PNG")) out.error = "cannot make the PNG image";
  } else if (ext == "svg") {
    QSvgGenerator g;
    g.setOutputDevice(&buffer), g.setSize(size), g.setViewBox(QRect(QPoint(0, 0), size)), g.setTitle(title);
    if (!p.begin(&g)) out.error = "cannot make the SVG image";
    else paint(p, page), p.end();
  } else if (ext == "pdf") {
    QPdfWriter w(&buffer);
    w.setTitle(title);
    w.setPageSize(QPageSize(QSizeF(size.width() * 0.75, size.height() * 0.75), QPageSize::Point));
    w.setPageMargins(QMarginsF(0, 0, 0, 0));
    w.setResolution(96);
    if (!p.begin(&w)) out.error = "cannot make the PDF";
    else paint(p, QRectF(p.viewport())), p.end();
  } else {
    out.error = "unknown format \"" + ext + "\" (use .png, .svg or .pdf)";
  }
  return out;
}

ExportFile render_widget(QWidget* w, const QString& ext, const QString& title) {
  // Exported, the charts' grid and axis lines are one unit wide (on screen: cosmetic pens).
  QList<QChartView*> views = w->findChildren<QChartView*>();
  if (auto* v = qobject_cast<QChartView*>(w)) views.push_back(v);
  for (QChartView* v : views) set_line_pens_cosmetic(v->chart(), false);
  ExportFile f = render_picture(ext, w->size(), title, [w](QPainter& p, const QRectF&) { w->render(&p); });
  for (QChartView* v : views) set_line_pens_cosmetic(v->chart(), true);
  return f;
}

QString export_now(const QString& file, const std::function<ExportFile(const QString& ext)>& make) {
  ExportFile f = make(QFileInfo(file).suffix().toLower());
  return f.error.isEmpty() ? write_bytes(file, f.bytes) : f.error;
}

QString export_widget(QWidget* w, const QString& file, const QString& title) {
  return export_now(file, [&](const QString& ext) { return render_widget(w, ext, title); });
}

QString file_name_of(const QString& title) {
  QString base = title.toLower();
  base.replace(QRegularExpression("[^a-z0-9]+"), "-");
  base.remove(QRegularExpression("^-+|-+$"));
  return base;
}

void write_all_in_background(QWidget* parent, std::vector<std::pair<QString, ExportFile>> files,
                             std::function<void(const QStringList& errors)> done) {
  run_with_busy(
      parent,
      [files = std::move(files)] {
        QStringList errors;
        for (const auto& [file, f] : files)
          if (QString err = f.error.isEmpty() ? write_bytes(file, f.bytes) : f.error; !err.isEmpty()) errors << err;
        return errors;
      },
      std::move(done));
}

void export_interactively(QWidget* parent, const Exportable& e) {
  QString filters = "PNG image (*.png);;SVG vector image (*.svg);;PDF (*.pdf)";
  if (e.csv) filters += ";;CSV data, pgfplots-ready (*.csv)";
  const QString title = "Export " + e.what;
  const QString file = QFileDialog::getSaveFileName(parent, title, e.name + ".png", filters);
  if (file.isEmpty()) return;
  ExportFile f = e.make(QFileInfo(file).suffix().toLower());
  QPointer<QWidget> w(parent);
  auto report = [w, title](const QString& error) {
    if (!error.isEmpty()) QMessageBox::warning(w, title, error);
  };
  if (!f.error.isEmpty()) return report(f.error);
  write_in_background(parent, file, f.bytes, report);
}

QAction* add_export_action(QMenu& menu, QWidget* parent, const Exportable& e) {
  QAction* a = menu.addAction("Export " + e.what + "…");
  QPointer<QWidget> w(parent);
  QObject::connect(a, &QAction::triggered, parent, [w, e] {
    if (w) export_interactively(w, e);
  });
  return a;
}

void install_export_menu(QWidget* view, const Exportable& e) {
  view->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(view, &QWidget::customContextMenuRequested, view, [view, e](const QPoint& pos) {
    QMenu menu;
    add_export_action(menu, view, e);
    menu.exec(view->mapToGlobal(pos));
  });
}

}  // namespace hyperlab
