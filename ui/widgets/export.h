// Export of charts and pictures, in one place: the file's bytes made from a
// painting (PNG at twice the size, SVG, PDF, by extension) or from a view's
// data (CSV), and the one "Export…" menu entry every chart and picture view
// offers. Interactive exports ask for a file, make its bytes on the GUI thread
// (painting must happen there) and write them off it.
#pragma once

#include <QByteArray>
#include <QRectF>
#include <QSize>
#include <QString>
#include <QStringList>

#include <functional>
#include <utility>
#include <vector>

class QAction;
class QMenu;
class QPainter;
class QWidget;

namespace hyperlab {

/// A file ready to write: its bytes, or why it cannot be made.
struct ExportFile {
  QByteArray bytes;
  QString error;
};

/// Paints the picture into target (the page: size, or a PDF page's viewport).
using PaintFn = std::function<void(QPainter& p, const QRectF& target)>;

/// A picture of size pixels in the format its extension names (png, svg, pdf).
ExportFile render_picture(const QString& ext, QSize size, const QString& title, const PaintFn& paint);
/// A widget as it is drawn on screen.
ExportFile render_widget(QWidget* w, const QString& ext, const QString& title);
/// Makes file (by its extension) with make(ext) and writes it now. Returns an error or "".
QString export_now(const QString& file, const std::function<ExportFile(const QString& ext)>& make);
/// Renders a widget to .png, .svg or .pdf (by extension) now. Returns an error or "".
QString export_widget(QWidget* w, const QString& file, const QString& title);

/// A title as a file name: "Loss (per batch)" -> "loss-per-batch".
QString file_name_of(const QString& title);
/// Writes each (file, bytes) off the GUI thread; done(the errors) back on it.
void write_all_in_background(QWidget* parent, std::vector<std::pair<QString, ExportFile>> files,
                             std::function<void(const QStringList& errors)> done);

/// What a view exports.
struct Exportable {
  QString what = "chart";  ///< names the menu entry ("Export chart…") and the dialog
  QString name;            ///< the suggested file name, without extension
  bool csv = false;        ///< offers its data as CSV too
  std::function<ExportFile(const QString& ext)> make;  ///< on the GUI thread
};

/// Asks for a file, makes it and writes it in the background; errors reach the user in a message box.
void export_interactively(QWidget* parent, const Exportable& e);
/// Adds the "Export …" entry to a context menu; chosen, it runs export_interactively.
QAction* add_export_action(QMenu& menu, QWidget* parent, const Exportable& e);
/// A right-click menu holding only the export entry (picture views).
void install_export_menu(QWidget* view, const Exportable& e);

}  // namespace hyperlab
