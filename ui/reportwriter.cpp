#include "reportwriter.h"

#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgRenderer>

#include "store/report.h"
#include "train/report.h"

namespace hyperlab {

std::unique_ptr<QTextDocument> report_document(const std::vector<RunRecord>& runs, const QString& title) {
  ReportParts parts = make_report(runs, title.toStdString());
  auto doc = std::make_unique<QTextDocument>();
  doc->setDefaultStyleSheet("table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 2px 5px; }"
                            " th { background: #f2f2f2; } pre { font-size: 8pt; }");
  QFont font("DejaVu Sans", 9);
  doc->setDefaultFont(font);
  QString body = QString::fromStdString(parts.body);
  for (size_t i = 0; i < parts.charts.size(); ++i) {
    const QString name = QString("chart%1.png").arg(i);
    QSvgRenderer svg(QByteArray::fromStdString(parts.charts[i]));
    QImage img(svg.defaultSize() * 2, QImage::Format_ARGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    svg.render(&p);
    p.end();
    doc->addResource(QTextDocument::ImageResource, QUrl(name), img);
    body.replace(QString("<!--chart:%1-->").arg(i),
                 QString("<img src=\"%1\" width=\"%2\">").arg(name).arg(svg.defaultSize().width()));
  }
  doc->setHtml("<html><body>" + body + "</body></html>");
  return doc;
}

QString write_report(const std::vector<RunRecord>& runs, const QString& title, const QString& file) {
  const QString ext = QFileInfo(file).suffix().toLower();
  try {
    if (ext == "html" || ext == "htm") {
      write_file_atomic(file.toStdString(), report_html(make_report(runs, title.toStdString())));
      return {};
    }
    if (ext != "pdf") return "unknown report format \"" + ext + "\" (use .html or .pdf)";
    auto doc = report_document(runs, title);
    QPdfWriter w(file);
    w.setTitle(title);
    w.setPageSize(QPageSize(QPageSize::A4));
    w.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    doc->print(&w);
    return QFileInfo(file).size() > 0 ? QString() : "cannot write " + file;
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
}

}  // namespace hyperlab
