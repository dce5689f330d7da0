#include "ui/run/reportwriter.h"

#include <optional>

#include <QFileInfo>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgRenderer>
#include <QAbstractTextDocumentLayout>
#include <QTextCursor>
#include <QTextObjectInterface>
#include <QTextTable>

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
  // The text's full width (a chart is a figure across the page), at the SVG's aspect ratio.
  QSizeF intrinsicSize(QTextDocument* doc, int, const QTextFormat& f) override {
    QSvgRenderer r(f.property(kSvgProperty).toByteArray());
    const QSizeF own = r.defaultSize();
    const qreal width = doc->textWidth() - 2 * doc->documentMargin() - 2;
    if (width <= 0 || own.width() <= 0) return own;
    return QSizeF(width, width * own.height() / own.width());
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

std::unique_ptr<QTextDocument> report_document(const std::vector<RunRecord>& runs, const QString& title,
                                               const ReportOptions& options) {
  return report_document(make_report(runs, title.toStdString(), options));
}

std::unique_ptr<QTextDocument> report_document(const ReportParts& parts) {
  auto doc = std::make_unique<QTextDocument>();
  doc->setDefaultStyleSheet("table { border-collapse: collapse; } td, th { border: 1px solid #bbb; padding: 2px 4px; }"
                            " th { background: #f2f2f2; } pre { font-size: 7pt; } h1 { font-size: 15pt; }"
                            " h2 { font-size: 12pt; } h3 { font-size: 9pt; } table.cm { font-size: 7pt; }"
                            " table.cm td, table.cm th { padding: 1px 3px; }"
                            " p.caption { font-style: italic; }");
  doc->setDefaultFont(QFont("DejaVu Sans", 9));
  // Lines break between words only: never "nam e" or "0. 0001" in a narrow cell.
  QTextOption wrap = doc->defaultTextOption();
  wrap.setWrapMode(QTextOption::WordWrap);
  doc->setDefaultTextOption(wrap);
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

QString write_report(const std::vector<RunRecord>& runs, const QString& title, const QString& file,
                     const ReportOptions& options) {
  const QString ext = QFileInfo(file).suffix().toLower();
  if (ext != "html" && ext != "htm" && ext != "pdf") return "unknown report format \"" + ext + "\" (use .html or .pdf)";
  try {
    return write_report(make_report(runs, title.toStdString(), options), file);
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
}

namespace {

bool breaks_before(const QTextBlock& b) {
  return b.blockFormat().pageBreakPolicy() & QTextFormat::PageBreak_AlwaysBefore;
}
void break_before(const QTextBlock& b) {
  QTextBlockFormat f = b.blockFormat();
  f.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
  QTextCursor(b).setBlockFormat(f);
}

// The page breaks a reader expects, as a typesetter would make them: a
// heading never ends a page (it goes on with what follows it), and a table
// that fits on one page (a confusion matrix, the sample pictures) is never cut
// in two: it starts on the next page with the headings and short paragraphs
// just above it.
void keep_together(QTextDocument& doc) {
  const qreal page = doc.pageSize().height();
  QAbstractTextDocumentLayout* layout = doc.documentLayout();
  auto page_of = [&](qreal y) { return static_cast<int>(y / page); };
  for (int pass = 0; pass < 300; ++pass) {
    std::optional<QTextBlock> move;
    for (QTextFrame::iterator it = doc.rootFrame()->begin(); !it.atEnd() && !move; ++it) {
      if (auto* table = qobject_cast<QTextTable*>(it.currentFrame())) {
        const QRectF r = layout->frameBoundingRect(table);
        if (page_of(r.top()) == page_of(r.bottom() - 1) || r.height() > 0.8 * page) continue;
        QTextBlock lead = doc.findBlock(table->firstPosition()).previous();
        for (int k = 0; k < 3 && lead.isValid() && !breaks_before(lead); ++k) {
          const QTextBlock up = lead.previous();
          if (!up.isValid() || up.length() > 300 || up.text().contains(QChar::ObjectReplacementCharacter) ||
              QTextCursor(up).currentFrame() != doc.rootFrame())
            break;
          lead = up;
        }
        if (lead.isValid() && !breaks_before(lead)) move = lead;
        continue;
      }
      const QTextBlock b = it.currentBlock();
      if (!b.isValid() || b.blockFormat().headingLevel() == 0 || breaks_before(b)) continue;
      QTextFrame::iterator next = it;
      ++next;
      if (next.atEnd()) continue;
      const qreal top = next.currentFrame() ? layout->frameBoundingRect(next.currentFrame()).top()
                                            : layout->blockBoundingRect(next.currentBlock()).top();
      if (page_of(top) > page_of(layout->blockBoundingRect(b).top())) move = b;
    }
    if (!move) return;
    break_before(*move);  // the layout after it changed: look again from the start
  }
}

// Page by page, each with its number; returns the number of pages.
int print_document(QTextDocument& doc, QPdfWriter& w) {
  QPainter p(&w);
  if (!p.isActive()) return 0;
  // Laid out on the PDF's own resolution, A4 less the margins less a footer line.
  doc.documentLayout()->setPaintDevice(&w);
  const QRectF page = w.pageLayout().paintRectPixels(w.resolution());
  const qreal footer = w.resolution() * 0.25;  // a quarter inch for "page k of n"
  doc.setPageSize(QSizeF(page.width(), page.height() - footer));
  keep_together(doc);
  const int pages = doc.pageCount();
  const qreal h = doc.pageSize().height();
  QFont small("DejaVu Sans", 7);
  for (int i = 0; i < pages; ++i) {
    if (i > 0) w.newPage();
    p.save();
    p.translate(0, -i * h);
    doc.drawContents(&p, QRectF(0, i * h, page.width(), h));
    p.restore();
    p.setFont(small);
    p.setPen(QColor(110, 110, 110));
    p.drawText(QRectF(0, h, page.width(), footer), Qt::AlignRight | Qt::AlignBottom,
               QString("%1 · page %2 of %3").arg(doc.metaInformation(QTextDocument::DocumentTitle)).arg(i + 1).arg(pages));
  }
  return pages;
}

}  // namespace

QString write_report(const ReportParts& parts, const QString& file) {
  const QString ext = QFileInfo(file).suffix().toLower();
  try {
    if (ext == "html" || ext == "htm") {
      write_file_atomic(file.toStdString(), report_html(parts));
      return {};
    }
    if (ext != "pdf") return "unknown report format \"" + ext + "\" (use .html or .pdf)";
    auto doc = report_document(parts);
    doc->setMetaInformation(QTextDocument::DocumentTitle, QString::fromStdString(parts.title));
    QPdfWriter w(file);
    w.setTitle(QString::fromStdString(parts.title));
    w.setResolution(300);
    w.setPageSize(QPageSize(QPageSize::A4));
    w.setPageMargins(QMarginsF(15, 15, 15, 12), QPageLayout::Millimeter);
    if (print_document(*doc, w) == 0) return "cannot write " + file;
    return QFileInfo(file).size() > 0 ? QString() : "cannot write " + file;
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
}

}  // namespace hyperlab

#include "reportwriter.moc"
