#include "reportwriter.h"

#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgRenderer>
#include <QAbstractTextDocumentLayout>
#include <QTextCursor>
#include <QTextObjectInterface>

#include "store/report.h"
#include "train/report.h"

namespace hyperlab {

namespace {

// Charts in the document as vector drawings: a text object that paints its
// SVG with QSvgRenderer, so a PDF gets lines and text, not pixels.
constexpr int kChartObject = QTextFormat::UserObject + 1;
constexpr int kSvgProperty = QTextFormat::UserProperty + 1;

class SvgObject : public QObject, public QTextObjectInterface {
  Q_OBJECT
  Q_INTERFACES(QTextObjectInterface)

 public:
  using QObject::QObject;
  QSizeF intrinsicSize(QTextDocument*, int, const QTextFormat& f) override {
    QSvgRenderer r(f.property(kSvgProperty).toByteArray());
    return QSizeF(r.defaultSize());
  }
  void drawObject(QPainter* p, const QRectF& rect, QTextDocument*, int, const QTextFormat& f) override {
    QSvgRenderer r(f.property(kSvgProperty).toByteArray());
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    r.render(p, rect);
    p->restore();
  }
};

}  // namespace

std::unique_ptr<QTextDocument> report_document(const std::vector<RunRecord>& runs, const QString& title) {
  return report_document(make_report(runs, title.toStdString()));
}

std::unique_ptr<QTextDocument> report_document(const ReportParts& parts) {
  auto doc = std::make_unique<QTextDocument>();
  doc->setDefaultStyleSheet("table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 2px 5px; }"
                            " th { background: #f2f2f2; } pre { font-size: 8pt; }");
  doc->setDefaultFont(QFont("DejaVu Sans", 9));
  auto* handler = new SvgObject(doc.get());
  doc->documentLayout()->registerHandler(kChartObject, handler);
  QString body = QString::fromStdString(parts.body);
  for (size_t i = 0; i < parts.charts.size(); ++i)
    body.replace(QString("<!--chart:%1-->").arg(i), QString("[[chart %1]]").arg(i));
  for (const auto& [name, png] : parts.images)
    doc->addResource(QTextDocument::ImageResource, QUrl(QString::fromStdString(name)),
                     QImage::fromData(QByteArray::fromStdString(png), "PNG"));
  doc->setHtml("<html><body>" + body + "</body></html>");
  for (size_t i = 0; i < parts.charts.size(); ++i) {
    QTextCursor c = doc->find(QString("[[chart %1]]").arg(i));
    if (c.isNull()) continue;
    QTextCharFormat f;
    f.setObjectType(kChartObject);
    f.setProperty(kSvgProperty, QByteArray::fromStdString(parts.charts[i]));
    c.insertText(QString(QChar::ObjectReplacementCharacter), f);
  }
  return doc;
}

QString write_report(const std::vector<RunRecord>& runs, const QString& title, const QString& file) {
  const QString ext = QFileInfo(file).suffix().toLower();
  if (ext != "html" && ext != "htm" && ext != "pdf") return "unknown report format \"" + ext + "\" (use .html or .pdf)";
  try {
    return write_report(make_report(runs, title.toStdString()), file);
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
}

QString write_report(const ReportParts& parts, const QString& file) {
  const QString ext = QFileInfo(file).suffix().toLower();
  try {
    if (ext == "html" || ext == "htm") {
      write_file_atomic(file.toStdString(), report_html(parts));
      return {};
    }
    if (ext != "pdf") return "unknown report format \"" + ext + "\" (use .html or .pdf)";
    auto doc = report_document(parts);
    QPdfWriter w(file);
    w.setTitle(QString::fromStdString(parts.title));
    w.setPageSize(QPageSize(QPageSize::A4));
    w.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    doc->print(&w);
    return QFileInfo(file).size() > 0 ? QString() : "cannot write " + file;
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
}

}  // namespace hyperlab

#include "reportwriter.moc"
